import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BadUserInputError, EngramError } from '../errors/index.js';
import { principalOf } from '../http/authentication.js';
import { deadlineFromHeaders } from '../http/request-options.js';
import type { Provenance, VirtualStore } from '../store/index.js';
import { coerceQueryArgs } from './coerce-query.js';
import { buildOpenApiDocument } from './openapi-document.js';

/** The `meta` of a REST answer: where the value came from. */
export interface RestMeta {
  readonly context: string;
  readonly provider: string | null;
  readonly operation: string | null;
  readonly fallback: boolean;
  readonly fallbackReason?: string;
  readonly cached: boolean;
  readonly stale: boolean;
  readonly latencyMs: number;
  readonly ageMs?: number;
}

function meta(p: Provenance): RestMeta {
  return {
    context: p.context,
    provider: p.provider,
    operation: p.operation,
    fallback: p.fallback,
    ...(p.fallbackReason ? { fallbackReason: p.fallbackReason } : {}),
    cached: p.cached,
    stale: p.stale,
    latencyMs: p.latencyMs,
    ...(p.ageMs === undefined ? {} : { ageMs: p.ageMs }),
  };
}

function sendError(reply: FastifyReply, error: unknown): FastifyReply {
  if (error instanceof EngramError) {
    const body: Record<string, unknown> = { code: error.code, message: error.message };
    if (error instanceof BadUserInputError) body['invalidArgs'] = error.invalidArgs;
    return reply.status(error.httpStatus).send({ error: body });
  }
  reply.log.error({ err: error }, 'unexpected error in REST context route');
  return reply.status(500).send({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.' } });
}

/**
 * REST access to the same contexts, through the same store and per-request loaders:
 * `GET /api/v1/context/:name?arg=…` and `POST /api/v1/context/:name` with a JSON body of arguments.
 */
export function registerRestRoutes(app: FastifyInstance, store: VirtualStore): void {
  const openapi = JSON.stringify(buildOpenApiDocument(store.registry));
  app.get('/api/v1/openapi.json', { config: { authentication: 'optional' } }, async (_request, reply) => reply.type('application/json').send(openapi));

  const resolve = async (request: FastifyRequest, reply: FastifyReply, name: string, args: unknown) => {
    try {
      const session = store.session({ principal: principalOf(request), signal: abortSignalOf(reply), ...deadlineFromHeaders((h) => request.headers[h]) });
      const result = await session.get(name, args);
      return reply.send({ data: result.value, meta: meta(result.provenance) });
    } catch (error) {
      return sendError(reply, error);
    }
  };

  app.get<{ Params: { name: string }; Querystring: Record<string, string | string[]> }>(
    '/api/v1/context/:name',
    async (request, reply) => {
      const context = store.registry.get(request.params.name);
      const args = context ? coerceQueryArgs(context.args, request.query) : request.query;
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

/** Aborted when the client disconnects before the answer is sent. */
function abortSignalOf(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
