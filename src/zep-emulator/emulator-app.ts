import { fastify, LogController } from 'fastify';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { EmulatorApiError } from './emulator-api-error.js';
import type { EmulatorStore } from './emulator-store.js';
import { abortableDelay } from './fault-injector.js';
import type { FaultInjector } from './fault-injector.js';
import type { RequestStats } from './request-stats.js';
import { registerControlRoutes } from './routes/control-routes.js';
import { registerGraphRoutes } from './routes/graph-routes.js';
import { registerThreadRoutes } from './routes/thread-routes.js';
import { registerUserRoutes } from './routes/user-routes.js';
import type { WireApiError } from './wire-format.js';

/** Where Zep Cloud serves API v2; `ZepClient`'s `baseUrl` ends with it. */
export const API_PREFIX = '/api/v2';

export interface EmulatorAppDependencies {
  readonly store: EmulatorStore;
  readonly faults: FaultInjector;
  readonly stats: RequestStats;
  readonly apiKey: string;
  readonly logger: Logger | false;
  /** Aborted when the emulator closes, to cut injected latency short. */
  readonly shutdownSignal: AbortSignal;
}

function apiError(reply: FastifyReply, statusCode: number, message: string): FastifyReply {
  return reply.code(statusCode).send({ message } satisfies WireApiError);
}

/** `GET /threads/:threadId/context`: the route template without the API prefix. */
function routeKey(request: FastifyRequest): string {
  const template = request.routeOptions.url;
  if (template === undefined || !template.startsWith(API_PREFIX)) return `${request.method} (no route)`;
  return `${request.method} ${template.slice(API_PREFIX.length)}`;
}

/**
 * Builds (without listening) the Fastify app of the Zep emulator: `/api/v2/*` behind the API key and
 * the fault injector, `/_emulator/*` control endpoints and `/healthz`.
 * @internal
 */
export async function buildEmulatorApp(deps: EmulatorAppDependencies): Promise<FastifyInstance> {
  const { store, faults, stats, apiKey, shutdownSignal } = deps;
  // Typed as Fastify's logger so that the app is a plain `FastifyInstance`.
  const loggerInstance: FastifyBaseLogger | undefined = deps.logger === false ? undefined : deps.logger;
  const app: FastifyInstance = fastify({
    ...(loggerInstance === undefined ? { logger: false } : { loggerInstance }),
    logController: new LogController({ disableRequestLogging: true }),
    // Requests held by injected latency must not keep close() waiting.
    forceCloseConnections: true,
  });

  // An empty JSON body (e.g. `curl -X POST -H 'content-type: application/json'`) parses as "no body"
  // so that routes answer with their own validation message.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(new EmulatorApiError(400, 'invalid request body: not valid JSON'), undefined);
    }
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof EmulatorApiError) return apiError(reply, error.statusCode, error.message);
    const statusCode =
      typeof error === 'object' && error !== null && 'statusCode' in error && typeof error.statusCode === 'number'
        ? error.statusCode
        : 500;
    if (statusCode >= 400 && statusCode < 500 && error instanceof Error) {
      return apiError(reply, statusCode, error.message);
    }
    request.log.error({ err: error }, 'Zep emulator request failed');
    return apiError(reply, 500, 'Zep emulator internal error');
  });

  app.setNotFoundHandler((request, reply) => apiError(reply, 404, `no route for ${request.method} ${request.url}`));

  app.get('/healthz', async () => ({ status: 'ok' }));
  registerControlRoutes(app, faults, stats, store);

  await app.register(
    async (api) => {
      api.addHook('onRequest', async (request, reply) => {
        stats.record(routeKey(request));
        if (faults.latencyMs > 0) {
          const clientGone = new AbortController();
          const onClose = (): void => clientGone.abort();
          reply.raw.once('close', onClose);
          const stop = AbortSignal.any([clientGone.signal, shutdownSignal]);
          const completed = await abortableDelay(faults.latencyMs, stop);
          reply.raw.off('close', onClose);
          if (!completed) {
            if (shutdownSignal.aborted && !clientGone.signal.aborted) {
              return apiError(reply, 503, 'Zep emulator is shutting down');
            }
            // Nobody is listening any more: drop the request instead of running it.
            reply.hijack();
            request.raw.destroy();
            return reply;
          }
        }
        const fault = faults.decide();
        if (fault.fail) {
          if (faults.retryAfterSeconds > 0) reply.header('retry-after', String(faults.retryAfterSeconds));
          return apiError(reply, fault.statusCode, fault.message);
        }
        if (request.headers.authorization !== `Api-Key ${apiKey}`) {
          return apiError(reply, 401, 'unauthorized: expected the header "Authorization: Api-Key <key>" with a valid key');
        }
        return undefined;
      });

      registerUserRoutes(api, store);
      registerThreadRoutes(api, store);
      registerGraphRoutes(api, store);
      api.setNotFoundHandler((request, reply) =>
        apiError(reply, 404, `no route for ${request.method} ${request.url}`),
      );
    },
    { prefix: API_PREFIX },
  );

  return app;
}
