import type { FastifyInstance } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import { Authenticator, type AuthOptions } from './auth/index.js';
import { ContextRegistry, type BundleDefinition, type ContextDefinition } from './context/index.js';
import {
  compileSchema,
  createDocumentCaches,
  createGraphQLHandler,
  GraphiQLPage,
  PersistedDocumentStore,
  yogaLogger,
  type CompiledExecutorStats,
  type CompiledOperationsOptions,
  type DocumentCachesOptions,
  type GraphiQLExample,
  type PersistedDocumentsOptions,
  type QueryLimits,
} from './graphql/index.js';
import { ConnectionDrainer, createHttpServer, type HttpLimits, type LoadSheddingOptions, type RateLimitOptions, type ReadinessCheck } from './http/index.js';
import { bundleTools, contextTools, McpToolSet } from './mcp/index.js';
import { EngramMetrics } from './observability/index.js';
import { ProviderRuntime, type Provider, type ProviderDefinition } from './providers/index.js';
import type { TokenizerName } from './prompt/index.js';
import type { RedisConnection } from './redis/index.js';
import { OutboxStore, OutboxWorker, ZepDelivery, type OutboxWorkerOptions, type ZepDeliveryOptions } from './outbox/index.js';
import type { EngramDatabase } from './providers/postgres/index.js';
import { MemoryWriter, MemoryWrites } from './writes/index.js';
import { MemoryContextCache, VirtualStore, type ContextCache, type ProviderPolicyOptions, type StoreObserver } from './store/index.js';

/** The write path: PostgreSQL as the system of record, Zep fed by the outbox worker. */
export interface WritesOptions {
  /** The migrated database the writes and the outbox go to. */
  readonly db: EngramDatabase;
  /**
   * Where the outbox worker of this instance delivers (Zep through the SDK), and how it paces
   * itself; `false`: this instance accepts writes but delivers none (another instance does).
   */
  readonly outbox: (Omit<ZepDeliveryOptions, 'threadOwner'> & { readonly worker?: OutboxWorkerOptions }) | false;
}

export interface EngramOptions {
  /**
   * Where context comes from, each declared with `defineProvider` — the built-in
   * `postgresProvider({ db, pool })` and `zepProvider({ client, … })` like any other.
   */
  readonly providers: readonly ProviderDefinition[];
  /** The contexts served, each declared with `defineContext`; their sources name the providers' operations. */
  readonly definitions: readonly ContextDefinition[];
  /**
   * Prompt-ready bundles, each declared with `defineBundle` from contexts in `definitions`: a
   * GraphQL field and a REST route each, like a context.
   * @default none
   */
  readonly bundles?: readonly BundleDefinition[];
  /**
   * The encoding bundles count tokens with, exactly (gpt-tokenizer, offline, loaded on first use).
   * @default 'o200k_base'
   */
  readonly tokenizer?: TokenizerName;
  /**
   * How callers prove who they are: `{ mode: 'required', apiKeys: new ApiKeyStore(db), jwt: … }`
   * (or an `Authenticator`). No default: an Engram without a word on identity does not start.
   */
  readonly auth: AuthOptions | Authenticator;
  /** Extra readiness conditions for `/readyz` (e.g. migrations applied); a thrown error means not ready. */
  readonly ready?: ReadinessCheck;
  readonly logger?: Logger | false;
  /** @default 2000 */
  readonly providerTimeoutMs?: number;
  /** @default 10000 */
  readonly requestDeadlineMs?: number;
  /** @default 30000 */
  readonly maxRequestDeadlineMs?: number;
  /** @default true */
  readonly batching?: boolean;
  /** Resilience policy (timeout, retry, breaker, bulkhead) of every provider. */
  readonly policy?: ProviderPolicyOptions;
  /** Per-provider overrides of `policy`, by provider name. */
  readonly policies?: Readonly<Record<string, ProviderPolicyOptions>>;
  /** Cross-request cache; `false` disables it. @default an in-process LRU cache */
  readonly cache?: ContextCache | false;
  /** Extra store observer (metrics are built in). */
  readonly observer?: StoreObserver;
  /** Prometheus metrics at `/metrics`; `false` turns them off. @default on */
  readonly metrics?: boolean;
  /** Per-client rate limit; off when absent. */
  readonly rateLimit?: RateLimitOptions;
  /** Load shedding under event-loop pressure; off when absent. */
  readonly loadShedding?: LoadSheddingOptions;
  /** Largest request body, in bytes. @default 262144 */
  readonly bodyLimit?: number;
  /** GraphQL document limits (depth, aliases, tokens, cost, directives); `false` turns them off. */
  readonly limits?: QueryLimits | false;
  /** Persisted documents: the trusted manifest, persisted-only mode, APQ. @default empty manifest, APQ on */
  readonly persistedDocuments?: PersistedDocumentsOptions;
  /** The query GraphiQL opens with. @default GraphiQL's own */
  readonly graphiqlDefaultQuery?: string;
  /** Operations GraphiQL offers as tabs. @default none */
  readonly graphiqlExamples?: readonly GraphiQLExample[];
  /** Headers GraphiQL's header pane starts with (the demo prints its key there). @default none */
  readonly graphiqlHeaders?: Readonly<Record<string, string>>;
  /** Request, headers and keep-alive timeouts and the connection cap. @default see `HttpLimits` */
  readonly http?: HttpLimits;
  /** Parsed-document caches, bounded by bytes. @default 32 MiB */
  readonly documentCaches?: DocumentCachesOptions;
  /**
   * Query documents seen before run compiled with graphql-jit, straight from Fastify's parsed body;
   * `false` sends every request through yoga's full pipeline (to compare, or to rule it out).
   * @default on (16 MiB of compiled documents, compiled at their second execution)
   */
  readonly compiledExecution?: CompiledOperationsOptions | false;
  /** The Redis connection behind the cache and rate limits, reported at `/metrics` (up, fail-opens). */
  readonly redis?: RedisConnection;
  /**
   * On `close()`, a keep-alive connection idle this long is closed by the server; busier ones
   * are closed after their next response (`Connection: close`).
   * @default 500
   */
  readonly shutdownIdleGraceMs?: number;
  /** Memory writes (`appendMessages`, `addFacts`, REST write routes, the outbox worker); absent: read-only. */
  readonly writes?: WritesOptions;
}

export interface Engram {
  readonly app: FastifyInstance;
  readonly authenticator: Authenticator;
  readonly store: VirtualStore;
  readonly registry: ContextRegistry;
  readonly schema: GraphQLSchema;
  /** The MCP tools, served at `/mcp` and by `serveMcpStdio`: one per context definition (and bundle). */
  readonly mcpTools: McpToolSet;
  /** The persisted documents served by `documentId`/APQ; its manifest is published to agents. */
  readonly persistedDocuments: PersistedDocumentStore;
  readonly metrics: EngramMetrics | undefined;
  /** The outbox worker of this instance (running), when it delivers writes. */
  readonly outboxWorker: OutboxWorker | undefined;
  /** Counters of the compiled path (documents compiled, requests answered); absent when it is off. */
  compiledStats(): CompiledExecutorStats | undefined;
  /**
   * Starts draining: `/readyz` answers 503 and every response says `Connection: close` from now
   * on (call before `close()` on shutdown).
   */
  drain(): void;
  /**
   * Stops accepting connections, lets accepted requests finish and closes every connection
   * without resetting one in use, then stops the providers; the database stays the caller's.
   */
  close(): Promise<void>;
}

function combineObservers(observers: ReadonlyArray<StoreObserver | undefined>): StoreObserver | undefined {
  const list = observers.filter((o): o is StoreObserver => o !== undefined);
  if (list.length <= 1) return list[0];
  return {
    batch: (e) => {
      for (const o of list) o.batch(e);
    },
    cache: (c, outcome) => {
      for (const o of list) o.cache(c, outcome);
    },
    fallback: (c, from, reason) => {
      for (const o of list) o.fallback(c, from, reason);
    },
    breaker: (p, state) => {
      for (const o of list) o.breaker(p, state);
    },
  };
}

/**
 * The composition root: definitions → registry, provider definitions → runtimes, → store → schema
 * → HTTP app. Favours no provider: what it serves is exactly what it is given. Fails loudly
 * (DefinitionError) on any invalid definition. Does not listen: see `main.ts`.
 */
export function createEngram(options: EngramOptions): Engram {
  const logger = options.logger ?? false;
  const registry = new ContextRegistry(options.definitions, options.bundles ?? []);
  const runtimeOptions = logger ? { logger: logger.child({ component: 'provider' }) } : {};
  const providers: Provider[] = options.providers.map((definition) => new ProviderRuntime(definition, runtimeOptions));
  const metrics = options.metrics === false ? undefined : new EngramMetrics();
  const observer = combineObservers([metrics, options.observer]);
  const cache = options.cache === false ? undefined : (options.cache ?? new MemoryContextCache());
  const store = new VirtualStore({
    registry,
    providers,
    ...(options.providerTimeoutMs === undefined ? {} : { providerTimeoutMs: options.providerTimeoutMs }),
    ...(options.requestDeadlineMs === undefined ? {} : { requestDeadlineMs: options.requestDeadlineMs }),
    ...(options.maxRequestDeadlineMs === undefined ? {} : { maxRequestDeadlineMs: options.maxRequestDeadlineMs }),
    ...(options.batching === undefined ? {} : { batching: options.batching }),
    ...(options.policy ? { defaultPolicy: options.policy } : {}),
    ...(options.policies ? { policies: options.policies } : {}),
    ...(cache ? { cache } : {}),
    ...(observer ? { observer } : {}),
    ...(options.tokenizer ? { tokenizer: options.tokenizer } : {}),
  });
  metrics?.observeStore(store);
  const outboxStore = options.writes ? new OutboxStore(options.writes.db) : undefined;
  const outboxOptions = options.writes?.outbox;
  const outboxWorker = outboxStore && outboxOptions
    ? new OutboxWorker(
        outboxStore,
        new ZepDelivery({ ...outboxOptions, threadOwner: (tenant, threadId) => outboxStore.threadOwner(tenant, threadId) }),
        { ...(logger ? { logger: logger.child({ component: 'outbox' }) } : {}), ...outboxOptions.worker },
      )
    : undefined;
  const writes = options.writes && outboxStore
    ? new MemoryWrites({
        writer: new MemoryWriter(options.writes.db),
        outbox: outboxStore,
        committed: (principal, target) => store.invalidate(principal, { userId: target.userId, ...(target.threadId === undefined ? {} : { threadId: target.threadId }) }),
        worker: () => outboxWorker?.stats(),
      })
    : undefined;
  const schema = compileSchema(registry, writes);
  const authenticator = options.auth instanceof Authenticator ? options.auth : new Authenticator(options.auth);
  const persistedDocuments = new PersistedDocumentStore(options.persistedDocuments);
  const documentCaches = createDocumentCaches(options.documentCaches);
  if (options.redis) metrics?.observeRedis(options.redis);
  if (outboxStore) metrics?.observeOutbox({ status: () => outboxStore.status(), worker: () => outboxWorker?.stats() });
  metrics?.observeCacheBytes({
    documents: documentCaches.bytes,
    apq: () => persistedDocuments.registeredBytes,
    contexts: () => (cache instanceof MemoryContextCache ? cache.bytes : 0),
  });
  const graphql = createGraphQLHandler({
    schema,
    store,
    logger: yogaLogger(logger),
    persistedDocuments,
    documentCaches,
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.compiledExecution === undefined ? {} : { compiledExecution: options.compiledExecution }),
  });
  // MCP tools come from the definitions and bundles, like GraphQL fields and REST routes.
  const mcpTools = new McpToolSet([...contextTools(registry), ...bundleTools(registry)]);
  const app = createHttpServer({
    store,
    authenticator,
    graphql,
    mcpTools,
    // Persisted-only mode rejects ad-hoc queries, so GraphiQL (and its introspection) could not work.
    graphiql: persistedDocuments.only
      ? false
      : new GraphiQLPage({
          ...(options.graphiqlDefaultQuery ? { defaultQuery: options.graphiqlDefaultQuery } : {}),
          examples: options.graphiqlExamples ?? [],
          ...(options.graphiqlHeaders ? { headers: options.graphiqlHeaders } : {}),
        }),
    persistedDocuments: persistedDocuments.manifest,
    logger,
    ...(metrics ? { metrics } : {}),
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    ...(options.loadShedding ? { loadShedding: options.loadShedding } : {}),
    ...(options.bodyLimit ? { bodyLimit: options.bodyLimit } : {}),
    ...(options.http ? { limits: options.http } : {}),
    draining: () => draining,
    ...(options.ready ? { ready: options.ready } : {}),
    ...(writes ? { writes } : {}),
  });
  let draining = false;
  const drainer = new ConnectionDrainer(app.server);
  outboxWorker?.start();
  return {
    app,
    outboxWorker,
    authenticator,
    store,
    metrics,
    drain: () => {
      draining = true;
      drainer.start();
    },
    registry,
    schema,
    mcpTools,
    persistedDocuments,
    compiledStats: () => graphql.compiled?.stats(),
    close: async () => {
      draining = true;
      await drainer.drain(options.shutdownIdleGraceMs ?? 500);
      await app.close();
      // After the last write was answered; a round in flight finishes and marks what it delivered.
      await outboxWorker?.stop();
      await Promise.all(providers.map((p) => p.close()));
      await store.close();
    },
  };
}
