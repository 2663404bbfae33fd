import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { GraphQLHandler } from '../graphql/index.js';
import type { VirtualStore } from '../store/index.js';
import { registerGraphQLRoute } from './graphql-route.js';
import { registerHealthRoutes, type ReadinessCheck } from './health-routes.js';
import { registerRestRoutes } from '../rest/index.js';

export interface HttpServerOptions {
  readonly store: VirtualStore;
  readonly graphql: GraphQLHandler;
  readonly logger: Logger | false;
  readonly ready?: ReadinessCheck;
  /**
   * Largest request body accepted, in bytes.
   * @default 1048576
   */
  readonly bodyLimit?: number;
}

/** The Fastify app: `/graphql`, `/api/v1/context/:name`, `/api/v1/openapi.json`, `/healthz`, `/readyz`. Listening is the caller's job. */
export function createHttpServer(options: HttpServerOptions): FastifyInstance {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: options.bodyLimit ?? 1_048_576,
    requestIdHeader: 'x-request-id',
  }) as unknown as FastifyInstance;
  registerGraphQLRoute(app, options.graphql);
  registerHealthRoutes(app, options.store, options.ready);
  registerRestRoutes(app, options.store);
  return app;
}
