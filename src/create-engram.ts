import type { FastifyInstance } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import type { YogaLogger } from 'graphql-yoga';
import type { Logger } from 'pino';
import { ContextRegistry, type ContextDefinition } from './context/index.js';
import { demoContexts } from './contexts/index.js';
import { compileSchema, createGraphQLHandler } from './graphql/index.js';
import { createHttpServer } from './http/index.js';
import type { Provider } from './providers/index.js';
import { migrationStatus, PostgresProvider, type EngramDatabase } from './providers/postgres/index.js';
import { ZepProvider, type ZepProviderOptions } from './providers/zep/index.js';
import { VirtualStore } from './store/index.js';

export interface EngramOptions {
  /** The cold store (PostgreSQL or PGlite), migrated. */
  readonly db: EngramDatabase;
  /** Hot memory: Zep Cloud or the local emulator, through the Zep SDK. */
  readonly zep?: ZepProviderOptions;
  /** @default the demo context pack */
  readonly definitions?: readonly ContextDefinition[];
  /** Providers besides the built-in ones (custom sources, tests). */
  readonly providers?: readonly Provider[];
  readonly logger?: Logger | false;
  /** @default 2000 */
  readonly providerTimeoutMs?: number;
  /** @default 10000 */
  readonly requestDeadlineMs?: number;
  /** @default true */
  readonly batching?: boolean;
}

export interface Engram {
  readonly app: FastifyInstance;
  readonly store: VirtualStore;
  readonly registry: ContextRegistry;
  readonly schema: GraphQLSchema;
  /** Stops the HTTP server and the providers; the database stays the caller's. */
  close(): Promise<void>;
}

export const DEFAULT_GRAPHIQL_QUERY = `# Engram: context for agents and front ends.
query DemoContext {
  userProfile(userId: "u1") { id displayName email locale plan }
  userFacts(userId: "u1", limit: 3) { fact createdAt }
  threadMessages(threadId: "t1", lastN: 4) { role content }
  threadContext(threadId: "t1") { context }
  searchDocuments(query: "batching", limit: 2) { title snippet }
}
`;

function yogaLogger(logger: Logger | false): YogaLogger {
  if (!logger) return { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  const log = logger.child({ component: 'graphql' });
  return {
    debug: (...args: unknown[]) => log.debug({ args }, 'yoga'),
    info: (...args: unknown[]) => log.info({ args }, 'yoga'),
    warn: (...args: unknown[]) => log.warn({ args }, 'yoga'),
    error: (...args: unknown[]) => log.error({ args }, 'yoga'),
  };
}

/**
 * Builds an Engram instance: registry → providers → store → schema → HTTP app. Fails loudly
 * (DefinitionError) on any invalid definition. Does not listen: see `main.ts`.
 */
export function createEngram(options: EngramOptions): Engram {
  const logger = options.logger ?? false;
  const registry = new ContextRegistry(options.definitions ?? demoContexts);
  const providers: Provider[] = [
    ...(options.zep ? [new ZepProvider(options.zep)] : []),
    new PostgresProvider(options.db),
    ...(options.providers ?? []),
  ];
  const store = new VirtualStore({
    registry,
    providers,
    ...(options.providerTimeoutMs === undefined ? {} : { providerTimeoutMs: options.providerTimeoutMs }),
    ...(options.requestDeadlineMs === undefined ? {} : { requestDeadlineMs: options.requestDeadlineMs }),
    ...(options.batching === undefined ? {} : { batching: options.batching }),
  });
  const schema = compileSchema(registry);
  const graphql = createGraphQLHandler({ schema, store, logger: yogaLogger(logger), defaultQuery: DEFAULT_GRAPHIQL_QUERY });
  const app = createHttpServer({
    store,
    graphql,
    logger,
    ready: async () => {
      const { pending } = await migrationStatus(options.db);
      if (pending.length > 0) throw new Error(`pending migrations: ${pending.join(', ')}`);
    },
  });
  return {
    app,
    store,
    registry,
    schema,
    close: async () => {
      await app.close();
      await Promise.all(providers.map((p) => p.close()));
    },
  };
}
