import rateLimit from '@fastify/rate-limit';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import type { Authenticator } from '../auth/index.js';
import type { GraphiQLPage, GraphQLHandler, PersistedDocumentsManifest } from '../graphql/index.js';
import type { EngramMetrics } from '../observability/index.js';
import type { RedisConnection } from '../redis/index.js';
import type { VirtualStore } from '../store/index.js';
import type { MemoryWrites } from '../writes/index.js';
import { principalOf, registerAuthentication, requireAuthentication } from './authentication.js';
import { clientErrorResponse, frameworkErrorResponse, registerErrorResponses } from './error-responses.js';
import { registerGraphiQLAssets } from './graphiql-route.js';
import { registerGraphQLRoute } from './graphql-route.js';
import { registerHealthRoutes, type ReadinessCheck } from './health-routes.js';
import { boundConnections, httpServerOptions, type HttpLimits } from './http-limits.js';
import { registerLoadShedding, type LoadSheddingOptions } from './load-shedding.js';
import { registerPersistedDocumentsRoute } from './persisted-documents-route.js';
import { redisRateLimitStore } from './redis-rate-limit-store.js';
import { deadlineFromHeaders, disconnectSignal } from './request-options.js';
import { registerMcpRoute, type McpToolSet } from '../mcp/index.js';
import { registerRestRoutes } from '../rest/index.js';

export interface RateLimitOptions {
  /** Requests per client per window. */
  readonly max: number;
  /** @default 60000 */
  readonly windowMs?: number;
  /** Shared counters for several instances (failing open while Redis is down); in-process when absent. */
  readonly redis?: RedisConnection;
}

export interface HttpServerOptions {
  readonly store: VirtualStore;
  /** Verifies every request's credentials once; the principal it yields is the only identity. */
  readonly authenticator: Authenticator;
  readonly graphql: GraphQLHandler;
  /** Served at `/mcp` (MCP over streamable HTTP) when given. */
  readonly mcpTools?: McpToolSet;
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
  /** GraphiQL, served on browser GETs of the GraphQL endpoint (its page loads without credentials). @default none */
  readonly graphiql?: GraphiQLPage | false;
  /** True once shutdown began: `/readyz` answers 503 so load balancers stop sending traffic. */
  readonly draining?: () => boolean;
  /** Request, headers and keep-alive timeouts and the connection cap. @default see `HttpLimits` */
  readonly limits?: HttpLimits;
  /** The write path (REST write routes); absent: read-only. */
  readonly writes?: MemoryWrites;
}

/** Operational endpoints are never rate limited or shed. */
const OPERATIONAL = new Set(['/healthz', '/readyz', '/metrics']);
const isOperational = (request: FastifyRequest): boolean => OPERATIONAL.has(request.url.split('?')[0] ?? '');

/**
 * The Fastify app: `/graphql`, `/api/v1/context/:name`, `/mcp`, `/api/v1/openapi.json`,
 * `/api/v1/persisted-documents.json`, `/healthz`, `/readyz`, `/metrics`. Listening is the caller's job.
 */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const bodyLimit = options.bodyLimit ?? 262_144;
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit,
    requestIdHeader: 'x-request-id',
    ...httpServerOptions(options.limits),
    // Shutdown is drained by `ConnectionDrainer`: a request that reaches an open connection is served.
    return503OnClosing: false,
    forceCloseConnections: false,
    frameworkErrors: frameworkErrorResponse,
    clientErrorHandler: clientErrorResponse,
  }) as unknown as FastifyInstance;
  registerErrorResponses(app, bodyLimit);
  boundConnections(app.server, options.limits ?? {}, options.logger, options.metrics ? () => options.metrics?.connectionDropped() : undefined);

  // First of all hooks: rate limits, load shedding and routes all see the verified principal.
  registerAuthentication(app, options.authenticator);

  const { metrics } = options;
  if (metrics) {
    app.addHook('onResponse', (request, reply, done) => {
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.httpRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
      done();
    });
    app.get('/metrics', async (_request, reply) => {
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    });
  }

  if (options.loadShedding) registerLoadShedding(app, options.loadShedding, isOperational);

  if (options.rateLimit) {
    const windowMs = options.rateLimit.windowMs ?? 60_000;
    void app.register(rateLimit, {
      global: true,
      // A route-level onRequest hook runs after the app-level authentication hook, so the key is the
      // verified principal; it runs before the body is read, and refused credentials are counted
      // against the client's address before the route's guard answers them.
      hook: 'onRequest',
      max: options.rateLimit.max,
      timeWindow: windowMs,
      // A counter that cannot be read (Redis down) lets the request through rather than failing it.
      skipOnError: true,
      ...(options.rateLimit.redis ? { store: redisRateLimitStore(options.rateLimit.redis, windowMs, 'engram:ratelimit:') } : {}),
      // Nothing the client merely asserts (headers, ids) takes part: rotating headers changes nothing.
      keyGenerator: (request) => (request.principal ? `p:${request.principal.tenant}:${request.principal.subject}` : `ip:${request.ip}`),
      allowList: isOperational,
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        error: {
          code: 'RATE_LIMITED',
          message: `Rate limit of ${context.max} requests per ${Math.round(windowMs / 1000)} s exceeded; retry in ${Math.ceil(context.ttl / 1000)} s.`,
        },
      }),
    });
  }

  // One session per REST request or MCP tool call, as the verified principal, aborted when the client goes.
  const sessionFor = (request: FastifyRequest, reply: FastifyReply, signal?: AbortSignal) => {
    const gone = disconnectSignal(reply);
    return options.store.session({
      principal: principalOf(request),
      signal: signal ? AbortSignal.any([gone, signal]) : gone,
      requestId: request.id,
      ...deadlineFromHeaders((h) => request.headers[h]),
    });
  };

  // Routes live in a plugin so that the rate limiter's and load shedder's hooks apply to them.
  void app.register(async (routes) => {
    requireAuthentication(routes);
    registerGraphQLRoute(routes, options.graphql, { graphiql: options.graphiql || undefined });
    if (options.graphiql) registerGraphiQLAssets(routes, options.graphiql);
    registerHealthRoutes(routes, options.store, options.ready, options.draining);
    registerRestRoutes(routes, options.store, sessionFor, options.writes ? { writes: options.writes, principalOf } : undefined);
    if (options.mcpTools) registerMcpRoute(routes, { tools: options.mcpTools, sessionFor, logger: options.logger });
    registerPersistedDocumentsRoute(routes, options.persistedDocuments ?? {});
  });
  return app;
}
