import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BadUserInputError, EngramError, restErrorBody, toClientError } from '../errors/index.js';
import type { FieldProvenance, StoreSession, VirtualStore } from '../store/index.js';
import { coerceQueryArgs } from './coerce-query.js';
import { AddFactsArgs, AppendMessagesArgs, type MemoryWrites } from '../writes/index.js';
import { buildOpenApiDocument } from './openapi-document.js';
import { registerWriteRoutes, type PrincipalOf } from './write-routes.js';

/** The `meta` of a REST answer: the context's (or bundle's) provenance, as GraphQL reports it in `extensions.contexts`. */
export type RestMeta = FieldProvenance;

function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  const client = toClientError(error);
  if (!(error instanceof EngramError)) reply.log.error({ err: error }, 'unexpected error in REST context route');
  return reply.status(client.status).send(restErrorBody(client));
}

/**
 * The store session of a request: built by the HTTP layer, which owns authentication, request
 * options and the request's abort signal (client gone, and `signal` when given); it throws (an
 * `EngramError`) when the request has no verified principal.
 */
export type SessionFactory = (request: FastifyRequest, reply: FastifyReply, signal?: AbortSignal) => StoreSession;

/**
 * REST access to the same contexts, through the same store and per-request loaders:
 * `GET /api/v1/context/:name?arg=…` and `POST /api/v1/context/:name` with a JSON body of arguments.
 */
export function registerRestRoutes(app: FastifyInstance, store: VirtualStore, sessionFor: SessionFactory, writes?: { readonly writes: MemoryWrites; readonly principalOf: PrincipalOf }): void {
  const openapi = JSON.stringify(buildOpenApiDocument(store.registry, writes ? { appendMessages: AppendMessagesArgs, addFacts: AddFactsArgs } : undefined));
  if (writes) registerWriteRoutes(app, writes.writes, writes.principalOf);
  app.get('/api/v1/openapi.json', { config: { authentication: 'optional' } }, async (_request, reply) => reply.type('application/json').send(openapi));

  const resolve = async (request: FastifyRequest, reply: FastifyReply, name: string, args: unknown) => {
    try {
      const session = sessionFor(request, reply);
      // Bundles and contexts share the route: one namespace of names, as on Query.
      const result = store.registry.bundle(name) ? await session.bundle(name, args) : await session.get(name, args);
      return reply.send({ data: result.value, meta: result.provenance });
    } catch (error) {
      return sendError(reply, error);
    }
  };

  app.get<{ Params: { name: string }; Querystring: Record<string, string | string[]> }>(
    '/api/v1/context/:name',
    async (request, reply) => {
      const served = store.registry.get(request.params.name) ?? store.registry.bundle(request.params.name);
      const args = served ? coerceQueryArgs(served.args, request.query) : request.query;
      return resolve(request, reply, request.params.name, args);
    },
  );

  app.post<{ Params: { name: string }; Body: unknown }>('/api/v1/context/:name', async (request, reply) => {
    const body = request.body ?? {};
    if (typeof body !== 'object' || Array.isArray(body)) {
      return sendError(reply, new BadUserInputError('The request body must be a JSON object of arguments.', [{ field: '(body)', reason: 'expected a JSON object' }]));
    }
    return resolve(request, reply, request.params.name, body);
  });
}
