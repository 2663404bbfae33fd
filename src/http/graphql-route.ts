import type { FastifyInstance } from 'fastify';
import type { GraphQLHandler } from '../graphql/index.js';
import { deadlineFromHeaders } from './request-options.js';

/**
 * Mounts yoga on Fastify: GraphQL over HTTP (GET/POST) and GraphiQL on browser GETs. Every operation
 * needs a verified principal; only GraphiQL's page itself (static, no data) loads without one.
 */
export function registerGraphQLRoute(app: FastifyInstance, yoga: GraphQLHandler, options: { graphiql: boolean }): void {
  app.route({
    url: yoga.graphqlEndpoint,
    // PUT, PATCH and DELETE reach yoga so that it answers 405 with `Allow: GET, POST` (GraphQL over HTTP).
    method: ['GET', 'POST', 'OPTIONS', 'PUT', 'PATCH', 'DELETE'],
    config: {
      graphqlErrors: true,
      // Yoga renders GraphiQL for a browser GET (Accept: text/html); CORS preflights carry no credentials.
      authentication: (request) =>
        request.method === 'OPTIONS' || (options.graphiql && request.method === 'GET' && (request.headers.accept ?? '').includes('text/html'))
          ? 'optional'
          : 'required',
    },
    handler: async (request, reply) => {
      const response = await yoga.handleNodeRequestAndResponse(request, reply, {
        principal: request.principal,
        requestId: request.id,
        ...deadlineFromHeaders((h) => request.headers[h]),
      });
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
