import type { FastifyInstance } from 'fastify';
import type { GraphQLHandler } from '../graphql/index.js';
import { deadlineFromHeaders } from './request-options.js';
import { httpErrorBody, httpErrorCode } from './error-responses.js';

/** Bodies for yoga's bodiless errors; 406 stays bodiless: its client accepts none of our types. */
const BODIES_FOR_BODILESS: Readonly<Record<number, string>> = {
  415: 'Unsupported content-type: send application/json.',
};

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
      const missing = response.body ? undefined : BODIES_FOR_BODILESS[response.status];
      if (missing !== undefined) return reply.type('application/json; charset=utf-8').send(httpErrorBody(httpErrorCode(response.status), missing));
      // A bodiless answer (406) must stay bodiless rather than become the JSON text `null`.
      reply.send(response.body ?? undefined);
      return reply;
    },
  });
}
