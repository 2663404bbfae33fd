import DataLoader from 'dataloader';
import { hasScope, type Principal } from '../auth/index.js';
import type { ContextRegistry, RegisteredContext } from '../context/index.js';
import {
  BadUserInputError,
  ContextNotFoundError,
  ContractViolationError,
  DeadlineExceededError,
  DefinitionError,
  EngramError,
  ForbiddenError,
  ProviderTimeoutError,
  type ErrorCode,
} from '../errors/index.js';
import { inSpan } from '../observability/index.js';
import type { Provider, ProviderHealth, ProviderStats } from '../providers/index.js';
import { contextCacheKey } from './cache-key.js';
import type { CacheEntry, ContextCache } from './context-cache.js';
import { describeInvalidArguments, invalidArguments } from './format-zod-issues.js';
import type { Provenance, SourceAttempt } from './provenance.js';
import { ProviderPolicy, type BreakerState, type ProviderPolicyOptions } from './provider-policy.js';
import { noopObserver, type StoreObserver } from './store-observer.js';

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
}

export interface SessionOptions {
  /**
   * The verified caller (from the authenticator, never from client input). Access rules are checked
   * against it, every provider batch is scoped to its tenant, and every cache key carries it.
   */
  readonly principal: Principal;
  /** Aborted when the client goes away. */
  readonly signal?: AbortSignal;
  /** Asks for another deadline for this request; clamped to `[1, maxRequestDeadlineMs]`. */
  readonly deadlineMs?: number;
}

export interface ContextResult<T = unknown> {
  readonly value: T;
  readonly provenance: Provenance;
}

export interface GetOptions {
  /** Response path of the field (e.g. `a1` or `userProfile`): provenance is recorded under it. */
  readonly path?: string;
}

/** The signal of sessions without a request (scripts, tests): never aborts. */
const NEVER_ABORTED = new AbortController().signal;

const round = (ms: number): number => Math.round(ms * 100) / 100;

interface SharedTimer {
  readonly id: string;
  readonly createdAt: number;
  waiters: number;
  timer: NodeJS.Timeout | undefined;
  promise: Promise<never>;
}

function errorCode(error: unknown): ErrorCode {
  return error instanceof EngramError ? error.code : 'INTERNAL_SERVER_ERROR';
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

  constructor(options: VirtualStoreOptions) {
    this.registry = options.registry;
    this.#providers = new Map(options.providers.map((p) => [p.name, p]));
    this.providerTimeoutMs = options.providerTimeoutMs ?? 2000;
    this.requestDeadlineMs = options.requestDeadlineMs ?? 10_000;
    this.maxRequestDeadlineMs = options.maxRequestDeadlineMs ?? 30_000;
    this.batching = options.batching ?? true;
    this.cache = options.cache;
    this.observer = options.observer ?? noopObserver;
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
    return new StoreSession(this, this.#providers, options);
  }

  async close(): Promise<void> {
    await this.cache?.close();
  }
}

/**
 * One request's view of the store. Its DataLoaders batch every load of the request per
 * provider operation and de-duplicate equal keys; nothing is shared with other requests.
 */
export class StoreSession {
  readonly #store: VirtualStore;
  readonly #providers: ReadonlyMap<string, Provider>;
  readonly #loaders = new Map<string, DataLoader<unknown, unknown, string>>();
  readonly #timers = new Map<string, SharedTimer>();
  readonly #health = new Map<string, Promise<ProviderHealth>>();
  #cacheLoader: DataLoader<string, CacheEntry | undefined> | undefined;
  /**
   * Passed to every batch: aborted when the client leaves. No per-request timer: fields stop
   * waiting at the deadline (their own race) and each batch is bounded by its policy's timeout.
   */
  readonly #signal: AbortSignal;
  readonly #deadlineAt: number;
  readonly #deadlineMs: number;
  readonly principal: Principal;
  /** Provenance of every context resolved with a `path`, in resolution order. */
  readonly provenance = new Map<string, Provenance>();

  constructor(store: VirtualStore, providers: ReadonlyMap<string, Provider>, options: SessionOptions) {
    this.#store = store;
    this.#providers = providers;
    this.#signal = options.signal ?? NEVER_ABORTED;
    const asked = options.deadlineMs;
    this.#deadlineMs = asked === undefined || !Number.isFinite(asked)
      ? store.requestDeadlineMs
      : Math.min(Math.max(1, Math.round(asked)), store.maxRequestDeadlineMs);
    this.#deadlineAt = performance.now() + this.#deadlineMs;
    this.principal = options.principal;
  }

  /** The store this session belongs to. */
  get store(): VirtualStore {
    return this.#store;
  }

  get deadlineMs(): number {
    return this.#deadlineMs;
  }

  /** A provider's health, checked at most once per session however many fields (aliases) ask. */
  health(provider: Provider): Promise<ProviderHealth> {
    let pending = this.#health.get(provider.name);
    if (!pending) {
      pending = provider.health();
      this.#health.set(provider.name, pending);
    }
    return pending;
  }

  /** Validates raw arguments against the context's schema (applying defaults). */
  parseArgs(name: string, rawArgs: unknown): { context: RegisteredContext; args: unknown } {
    const context = this.#store.registry.get(name);
    if (!context) throw new ContextNotFoundError(name);
    // GraphQL never sends unknown arguments; REST callers can, and must hear about it.
    if (rawArgs !== null && typeof rawArgs === 'object') {
      const unknown = Object.keys(rawArgs).filter((k) => !context.argNames.has(k));
      if (unknown.length > 0) {
        const expected = [...context.argNames].join(', ') || '(none)';
        const invalid = unknown.map((field) => ({ field, reason: `unknown argument; expected one of: ${expected}` }));
        throw new BadUserInputError(describeInvalidArguments(name, invalid), invalid);
      }
    }
    const parsed = context.definition.args.safeParse(rawArgs ?? {});
    if (!parsed.success) {
      const invalid = invalidArguments(parsed.error);
      throw new BadUserInputError(describeInvalidArguments(name, invalid), invalid);
    }
    return { context, args: parsed.data };
  }

  /**
   * Resolves a context: validates arguments, applies the definition's access rule, consults the
   * cache, then tries its sources in order.
   */
  async get(name: string, rawArgs: unknown, options: GetOptions = {}): Promise<ContextResult> {
    const { context, args } = this.parseArgs(name, rawArgs);
    await this.#authorize(context, args);
    return inSpan(`context ${name}`, { 'engram.context': name }, async (span) => {
      const result = await this.#resolve(context, args, options);
      span?.setAttributes({
        'engram.provider': result.provenance.provider ?? '',
        'engram.fallback': result.provenance.fallback,
        'engram.cached': result.provenance.cached,
      });
      return result;
    });
  }

  /**
   * The definition's access rule against this session's principal. Denials read the same whether or
   * not the record exists; an owner that cannot be looked up fails the field (closed, not open).
   */
  async #authorize(context: RegisteredContext, args: unknown): Promise<void> {
    const rule = context.access;
    if (rule.public) return;
    const principal = this.principal;
    const missing = rule.scopes.find((scope) => !hasScope(principal, scope));
    if (missing !== undefined) {
      throw new ForbiddenError(`Reading "${context.name}" requires the scope "${missing}".`, { context: context.name, requiredScope: missing });
    }
    const owner = rule.owner;
    if (!owner || rule.anyScopes.every((scope) => principal.scopes.has(scope))) return;
    const ownerId = typeof owner === 'function'
      ? owner(args)
      : await this.#loadWithin(owner.lookup.provider, owner.lookup.operation, owner.key(args), this.#store.providerTimeoutMs, this.#deadlineAt - performance.now());
    if (ownerId !== principal.subject) {
      throw new ForbiddenError(
        `"${context.name}" can be read only for records of your own subject, or with the scope "${rule.anyScopes.join('", "')}".`,
        { context: context.name },
      );
    }
  }

  /** Records provenance under the field's path (when it has one) and returns it. */
  #record(path: string | undefined, provenance: Provenance): Provenance {
    if (path !== undefined) this.provenance.set(path, provenance);
    return provenance;
  }

  /** Answers from a cache entry: fresh (hit) or, when every source failed (`error`), stale. */
  #fromCache(name: string, path: string | undefined, started: number, entry: CacheEntry, attempts: readonly SourceAttempt[] | undefined, error?: unknown): ContextResult {
    const stale = error !== undefined;
    this.#store.observer.cache(name, stale ? 'stale' : 'hit');
    const provenance = this.#record(path, {
      context: name,
      provider: entry.provider,
      operation: entry.operation,
      fallback: false,
      cached: true,
      stale,
      latencyMs: round(performance.now() - started),
      ageMs: Date.now() - entry.storedAt,
      ...(attempts ? { attempts } : {}),
      ...(stale ? { error: errorCode(error) } : {}),
    });
    return { value: entry.value, provenance };
  }

  async #resolve(context: RegisteredContext, args: unknown, options: GetOptions): Promise<ContextResult> {
    const { definition } = context;
    const name = definition.name;
    const path = options.path;
    const started = performance.now();
    const cache = definition.cache && this.#store.cache ? definition.cache : undefined;

    let cacheKey: string | undefined;
    let cached: CacheEntry | undefined;
    if (cache) {
      cacheKey = contextCacheKey(this.principal, name, cache, args);
      cached = await this.#cacheLookup(cacheKey);
      if (cached && Date.now() - cached.storedAt < cache.ttlSeconds * 1000) return this.#fromCache(name, path, started, cached, undefined);
      this.#store.observer.cache(name, 'miss');
    }

    // Attempts are listed in provenance only when something went wrong (fallback or failure).
    let attempts: SourceAttempt[] | undefined;
    let lastError: unknown;
    const sources = definition.sources;
    for (let i = 0; i < sources.length; i++) {
      const source = sources[i] as (typeof sources)[number];
      const remaining = this.#deadlineAt - performance.now();
      if (remaining <= 0) {
        lastError = new DeadlineExceededError(this.#deadlineMs);
        break;
      }
      try {
        const value = await this.#loadWithin(source.provider, source.operation, source.key(args), source.timeoutMs ?? this.#store.providerTimeoutMs, remaining);
        const result = value === null || value === undefined ? null : source.map(value, args);
        const primary = attempts?.[0];
        if (primary?.error) this.#store.observer.fallback(name, primary.provider, primary.error);
        attempts?.push({ provider: source.provider, operation: source.operation });
        if (cache && cacheKey) {
          const retainMs = (cache.ttlSeconds + (cache.staleIfErrorSeconds ?? 0)) * 1000;
          void this.#store.cache?.set(cacheKey, { value: result, storedAt: Date.now(), provider: source.provider, operation: source.operation }, retainMs);
        }
        const provenance = this.#record(path, {
          context: name,
          provider: source.provider,
          operation: source.operation,
          fallback: i > 0,
          ...(primary?.error ? { fallbackReason: primary.error } : {}),
          cached: false,
          stale: false,
          latencyMs: round(performance.now() - started),
          ...(attempts ? { attempts } : {}),
        });
        return { value: result, provenance };
      } catch (error) {
        lastError = error;
        attempts ??= [];
        attempts.push({ provider: source.provider, operation: source.operation, error: errorCode(error) });
        // Out of time, or a provider bug that a fallback must not hide.
        if (error instanceof DeadlineExceededError || error instanceof ContractViolationError) break;
      }
    }

    // Stale-if-error: every source failed, but a value past its TTL is still within the window.
    if (cache && cached && Date.now() - cached.storedAt < (cache.ttlSeconds + (cache.staleIfErrorSeconds ?? 0)) * 1000) {
      return this.#fromCache(name, path, started, cached, attempts, lastError ?? new DeadlineExceededError(this.#deadlineMs));
    }

    this.#record(path, {
      context: name,
      provider: null,
      operation: null,
      fallback: false,
      cached: false,
      stale: false,
      latencyMs: round(performance.now() - started),
      attempts: attempts ?? [],
      error: errorCode(lastError),
    });
    throw lastError;
  }

  async #cacheLookup(key: string): Promise<CacheEntry | undefined> {
    const cache = this.#store.cache;
    if (!cache) return undefined;
    // One lookup per request and key set: 20 aliases cost one MGET, like one SQL statement.
    this.#cacheLoader ??= new DataLoader<string, CacheEntry | undefined>(async (keys) => cache.getMany(keys));
    return this.#cacheLoader.load(key);
  }

  /**
   * A timer that fails the loads waiting on it. Loads of one operation issued in the same
   * moment (one batch) share a timer instead of arming one each; it is cleared when the last
   * of them settles.
   */
  #timerFor(provider: string, operation: string, timeoutMs: number, remainingMs: number): SharedTimer {
    const id = `${provider}.${operation}|${timeoutMs}`;
    const now = performance.now();
    const existing = this.#timers.get(id);
    if (existing && now - existing.createdAt < 1) {
      existing.waiters += 1;
      return existing;
    }
    const budget = Math.min(timeoutMs, remainingMs);
    const shared: SharedTimer = { id, createdAt: now, waiters: 1, timer: undefined, promise: undefined as unknown as Promise<never> };
    shared.promise = new Promise<never>((_, reject) => {
      shared.timer = setTimeout(() => {
        if (this.#timers.get(id) === shared) this.#timers.delete(id);
        reject(budget < timeoutMs ? new DeadlineExceededError(this.#deadlineMs) : new ProviderTimeoutError({ provider, operation }, timeoutMs));
      }, budget);
    });
    // Nobody may be waiting any more when it fires.
    shared.promise.catch(() => {});
    this.#timers.set(id, shared);
    return shared;
  }

  #release(shared: SharedTimer): void {
    shared.waiters -= 1;
    if (shared.waiters === 0) {
      clearTimeout(shared.timer);
      if (this.#timers.get(shared.id) === shared) this.#timers.delete(shared.id);
    }
  }

  async #loadWithin(provider: string, operation: string, key: unknown, timeoutMs: number, remainingMs: number): Promise<unknown> {
    const load = this.#loader(provider, operation).load(key);
    const timer = this.#timerFor(provider, operation, timeoutMs, remainingMs);
    try {
      const value = await Promise.race([load, timer.promise]);
      if (value instanceof Error) throw value;
      return value;
    } finally {
      this.#release(timer);
    }
  }

  #loader(providerName: string, operation: string): DataLoader<unknown, unknown, string> {
    const id = `${providerName}.${operation}`;
    let loader = this.#loaders.get(id);
    if (loader) return loader;
    const provider = this.#providers.get(providerName) as Provider;
    const policy = this.#store.policy(providerName);
    const observer = this.#store.observer;
    const batching = this.#store.batching;
    // Loaders live as long as the session, and a session has one principal: one tenant per batch.
    const tenant = this.principal.tenant;
    loader = new DataLoader<unknown, unknown, string>(
      // Errors are returned in their slots (batch contract), so DataLoader rejects only that key.
      (keys) =>
        inSpan(`batch ${id}`, { 'engram.provider': providerName, 'engram.operation': operation, 'engram.keys': keys.length }, async () => {
          const started = performance.now();
          const results = await policy.run(operation, keys, (signal) => provider.load(operation, keys, { signal, tenant }), this.#signal);
          const errors: ErrorCode[] = [];
          for (const r of results) if (r instanceof Error) errors.push(errorCode(r));
          observer.batch({ provider: providerName, operation, keys: keys.length, latencyMs: performance.now() - started, errors });
          return results as unknown[];
        }),
      {
        cacheKeyFn: (key) => provider.keyId(operation, key),
        maxBatchSize: batching ? provider.maxBatchSize(operation) : 1,
        batch: batching,
        cache: batching,
      },
    );
    this.#loaders.set(id, loader);
    return loader;
  }
}
