import type { FastifyInstance } from 'fastify';
import type { GraphQLHandler } from '../graphql/index.js';

/** Mounts yoga on Fastify: GraphQL over HTTP (GET/POST) and GraphiQL on browser GETs. */
export function registerGraphQLRoute(app: FastifyInstance, yoga: GraphQLHandler): void {
  app.route({
    url: yoga.graphqlEndpoint,
    method: ['GET', 'POST', 'OPTIONS'],
    handler: async (request, reply) => {
      const response = await yoga.handleNodeRequestAndResponse(request, reply, {});
      response.headers.forEach((value, key) => {
        reply.header(key, value);
      });
      reply.status(response.status);
      reply.send(response.body);
      return reply;
    },
  });
}
