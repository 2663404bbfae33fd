import type { FastifyInstance } from 'fastify';
import type { GraphQLHandler } from '../graphql/index.js';

/** Mounts yoga on Fastify: GraphQL over HTTP (GET/POST) and GraphiQL on browser GETs. */
export function registerGraphQLRoute(app: FastifyInstance, yoga: GraphQLHandler): void {
  app.route({
    url: yoga.graphqlEndpoint,
    // PUT, PATCH and DELETE reach yoga so that it answers 405 with `Allow: GET, POST` (GraphQL over HTTP).
    method: ['GET', 'POST', 'OPTIONS', 'PUT', 'PATCH', 'DELETE'],
    handler: async (request, reply) => {
      const response = await yoga.handleNodeRequestAndResponse(request, reply, {});
      response.headers.forEach((value, key) => {
        reply.header(key, value);
      });
      reply.status(response.status);
      // A bodiless answer (406, 415) must stay bodiless rather than become the JSON text `null`.
      reply.send(response.body ?? undefined);
      return reply;
    },
  });
}
