import rateLimit from '@fastify/rate-limit';
import underPressure from '@fastify/under-pressure';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { Authenticator } from '../auth/index.js';
import type { GraphQLHandler, PersistedDocumentsManifest } from '../graphql/index.js';
import type { EngramMetrics } from '../observability/index.js';
import type { VirtualStore } from '../store/index.js';
import { principalOf, registerAuthentication, requireAuthentication } from './authentication.js';
import { registerGraphQLRoute } from './graphql-route.js';
import { registerHealthRoutes, type ReadinessCheck } from './health-routes.js';
import { registerPersistedDocumentsRoute } from './persisted-documents-route.js';
import { deadlineFromHeaders } from './request-options.js';
import { registerRestRoutes } from '../rest/index.js';

export interface RateLimitOptions {
  /** Requests per client per window. */
  readonly max: number;
  /** @default 60000 */
  readonly windowMs?: number;
  /** Shared counters for several instances; in-process when absent. */
  readonly redis?: Redis;
}

export interface LoadSheddingOptions {
  /** Answer 503 while the event loop lags more than this. @default 1000 */
  readonly maxEventLoopDelayMs?: number;
  /** …or while the event loop is busier than this share (0–1). @default 0.98 */
  readonly maxEventLoopUtilization?: number;
}

export interface HttpServerOptions {
  readonly store: VirtualStore;
  /** Verifies every request's credentials once; the principal it yields is the only identity. */
  readonly authenticator: Authenticator;
  readonly graphql: GraphQLHandler;
  readonly logger: Logger | false;
  readonly ready?: ReadinessCheck;
  /**
   * Largest request body accepted, in bytes.
   * @default 262144
   */
  readonly bodyLimit?: number;
  /** Published at `GET /api/v1/persisted-documents.json`. @default {} */
  readonly persistedDocuments?: PersistedDocumentsManifest;
  /** Served at `/metrics` (Prometheus text format) when given. */
  readonly metrics?: EngramMetrics;
  /** Per-client rate limit (by verified principal, else client IP); off when absent. */
  readonly rateLimit?: RateLimitOptions;
  /** Load shedding under event-loop pressure; off when absent. */
  readonly loadShedding?: LoadSheddingOptions;
  /** Whether yoga serves GraphiQL (its page loads without credentials). @default true */
  readonly graphiql?: boolean;
  /** True once shutdown began: `/readyz` answers 503 so load balancers stop sending traffic. */
  readonly draining?: () => boolean;
}

/** Operational endpoints are never rate limited or shed. */
const OPERATIONAL = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * The Fastify app: `/graphql`, `/api/v1/context/:name`, `/api/v1/openapi.json`,
 * `/api/v1/persisted-documents.json`, `/healthz`, `/readyz`, `/metrics`. Listening is the caller's job.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimit ?? 262_144,
    requestIdHeader: 'x-request-id',
  }) as unknown as FastifyInstance;

  // First of all hooks: rate limits, load shedding and routes all see the verified principal.
  registerAuthentication(app, options.authenticator);

  const { metrics } = options;
  if (metrics) {
    app.addHook('onResponse', async (request, reply) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.httpRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    });
    app.get('/metrics', async (_request, reply) => {
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  }

  if (options.loadShedding) {
    void app.register(underPressure, {
      maxEventLoopDelay: options.loadShedding.maxEventLoopDelayMs ?? 1000,
      maxEventLoopUtilization: options.loadShedding.maxEventLoopUtilization ?? 0.98,
      retryAfter: 5,
      exposeStatusRoute: false,
      pressureHandler: (request, reply, type, value) => {
        if (OPERATIONAL.has(request.url.split('?')[0] ?? '')) return;
        reply
          .status(503)
          .header('retry-after', '5')
          .send({ error: { code: 'SERVICE_OVERLOADED', message: `The server is overloaded (${type}: ${value}); retry later.` } });
      },
    });
  }

  if (options.rateLimit) {
    const windowMs = options.rateLimit.windowMs ?? 60_000;
    void app.register(rateLimit, {
      global: true,
      // After authentication (onRequest), so the key is the verified principal; refused credentials
      // are counted against the client's address before they are answered.
      hook: 'preHandler',
      max: options.rateLimit.max,
      timeWindow: windowMs,
      ...(options.rateLimit.redis ? { redis: options.rateLimit.redis, nameSpace: 'engram:ratelimit:' } : {}),
      // Nothing the client merely asserts (headers, ids) takes part: rotating headers changes nothing.
      keyGenerator: (request) => (request.principal ? `p:${request.principal.tenant}:${request.principal.subject}` : `ip:${request.ip}`),
      allowList: (request) => OPERATIONAL.has(request.url.split('?')[0] ?? ''),
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        error: {
          code: 'RATE_LIMITED',
          message: `Rate limit of ${context.max} requests per ${Math.round(windowMs / 1000)} s exceeded; retry in ${Math.ceil(context.ttl / 1000)} s.`,
        },
      }),
    });
  }

  // Routes live in a plugin so that the rate limiter's and load shedder's hooks apply to them.
  void app.register(async (routes) => {
    requireAuthentication(routes);
    registerGraphQLRoute(routes, options.graphql, { graphiql: options.graphiql ?? true });
    registerHealthRoutes(routes, options.store, options.ready, options.draining);
    registerRestRoutes(routes, options.store, (request, signal) =>
      options.store.session({ principal: principalOf(request), signal, requestId: request.id, ...deadlineFromHeaders((h) => request.headers[h]) }),
    );
    registerPersistedDocumentsRoute(routes, options.persistedDocuments ?? {});
  });
  return app;
}
