import type { Principal } from '../auth/index.js';
import type { ContextRegistry } from '../context/index.js';
import { DefinitionError } from '../errors/index.js';
import { LazyTokenizer, type TokenizerName } from '../prompt/index.js';
import type { Provider, ProviderStats } from '../providers/index.js';
import { contextCacheKey } from './cache-policy.js';
import type { ContextCache } from './context-cache.js';
import { ProviderPolicy, type BreakerState, type ProviderPolicyOptions } from './provider-policy.js';
import { StoreSession, type SessionOptions } from './store-session.js';
import { noopObserver, type StoreObserver } from '../observability/index.js';

export interface VirtualStoreOptions {
  readonly registry: ContextRegistry;
  readonly providers: readonly Provider[];
  /**
   * Time a source gets before the next source is tried, unless the source sets its own.
   * @default 2000
   */
  readonly providerTimeoutMs?: number;
  /**
   * Budget of a whole request; contexts still loading then fail with `DEADLINE_EXCEEDED`.
   * @default 10000
   */
  readonly requestDeadlineMs?: number;
  /**
   * Largest deadline a request may ask for (`x-engram-deadline-ms`).
   * @default 30000
   */
  readonly maxRequestDeadlineMs?: number;
  /**
   * Batch and de-duplicate loads (per request, per provider operation). Off only to measure N+1.
   * @default true
   */
  readonly batching?: boolean;
  /** Resilience policy of every provider, unless `policies` names one. */
  readonly defaultPolicy?: ProviderPolicyOptions;
  readonly policies?: Readonly<Record<string, ProviderPolicyOptions>>;
  /** Cross-request cache for definitions with a cache policy; none when absent. */
  readonly cache?: ContextCache;
  readonly observer?: StoreObserver;
  /**
   * The encoding bundles count tokens with (loaded on the first bundle asked for).
   * @default 'o200k_base'
   */
  readonly tokenizer?: TokenizerName;
}

/**
 * The virtual store: resolves contexts through their sources in order. Shared by all requests;
 * each request gets a `StoreSession` holding its own loaders.
 */
export class VirtualStore {
  readonly registry: ContextRegistry;
  readonly #providers: ReadonlyMap<string, Provider>;
  readonly #policies: ReadonlyMap<string, ProviderPolicy>;
  readonly providerTimeoutMs: number;
  readonly requestDeadlineMs: number;
  readonly maxRequestDeadlineMs: number;
  readonly batching: boolean;
  readonly cache: ContextCache | undefined;
  readonly observer: StoreObserver;
  /** The tokenizer of bundles, imported on first use. */
  readonly tokenizer: LazyTokenizer;

  constructor(options: VirtualStoreOptions) {
    this.registry = options.registry;
    this.#providers = new Map(options.providers.map((p) => [p.name, p]));
    this.providerTimeoutMs = options.providerTimeoutMs ?? 2000;
    this.requestDeadlineMs = options.requestDeadlineMs ?? 10_000;
    this.maxRequestDeadlineMs = options.maxRequestDeadlineMs ?? 30_000;
    this.batching = options.batching ?? true;
    this.cache = options.cache;
    this.observer = options.observer ?? noopObserver;
    this.tokenizer = new LazyTokenizer(options.tokenizer);
    this.#policies = new Map(
      options.providers.map((p) => {
        const policy = new ProviderPolicy(p.name, options.policies?.[p.name] ?? options.defaultPolicy);
        policy.onBreakerChange((state) => this.observer.breaker(p.name, state));
        return [p.name, policy];
      }),
    );
    for (const { definition, access } of this.registry.list()) {
      const owner = access.public ? undefined : access.owner;
      if (owner && typeof owner !== 'function') {
        const provider = this.#providers.get(owner.lookup.provider);
        if (!provider?.hasOperation(owner.lookup.operation)) {
          throw new DefinitionError(definition.name, `access.owner looks up ${owner.lookup.provider}.${owner.lookup.operation}, which no configured provider offers.`);
        }
      }
      definition.sources.forEach((source, i) => {
        const provider = this.#providers.get(source.provider);
        const where = `source ${i + 1} uses ${source.provider}.${source.operation}`;
        if (!provider) throw new DefinitionError(definition.name, `${where}, but no provider "${source.provider}" is configured.`);
        if (!provider.hasOperation(source.operation)) {
          throw new DefinitionError(definition.name, `${where}, but provider "${source.provider}" has no operation "${source.operation}".`);
        }
      });
    }
  }

  provider(name: string): Provider | undefined {
    return this.#providers.get(name);
  }

  providers(): Provider[] {
    return [...this.#providers.values()];
  }

  /** @internal the policy of a provider (the session runs batches through it). */
  policy(name: string): ProviderPolicy {
    return this.#policies.get(name) as ProviderPolicy;
  }

  breakerState(provider: string): BreakerState | undefined {
    return this.#policies.get(provider)?.breakerState;
  }

  /** True when every context that uses `provider` has a source on another provider to fall back to. */
  hasFallbackFor(provider: string): boolean {
    return this.registry.list().every(({ definition }) => {
      const providers = new Set(definition.sources.map((s) => s.provider));
      return !providers.has(provider) || providers.size > 1;
    });
  }

  stats(): ProviderStats[] {
    return this.providers().map((p) => p.stats());
  }

  session(options: SessionOptions): StoreSession {
    return new StoreSession(this, options);
  }

  /** @internal the providers by name, for sessions' loaders. */
  get providerMap(): ReadonlyMap<string, Provider> {
    return this.#providers;
  }

  /**
   * Drops the cached values a write made stale: for every cached context whose arguments are
   * exactly some of `records` (e.g. `{ threadId }`, `{ userId }`, defaults filled in), the entry of
   * the writer's tenant (and, for `scope: 'subject'`, of the writer).
   */
  async invalidate(principal: Principal, records: Readonly<Record<string, string>>): Promise<void> {
    if (!this.cache) return;
    const keys: string[] = [];
    for (const { definition } of this.registry.list()) {
      if (!definition.cache) continue;
      const names = Object.keys(definition.args.shape);
      const args = Object.fromEntries(names.filter((n) => n in records).map((n) => [n, records[n]]));
      if (Object.keys(args).length === 0) continue;
      const parsed = definition.args.safeParse(args);
      if (parsed.success) keys.push(contextCacheKey(principal, definition.name, definition.cache, parsed.data));
    }
    await this.cache.delete(keys);
  }

  async close(): Promise<void> {
    await this.cache?.close();
  }
}

