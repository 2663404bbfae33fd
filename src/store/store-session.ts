import DataLoader from 'dataloader';
import { authorizeNow, type OwnerLookup, type Principal } from '../auth/index.js';
import type { CachePolicy, ContextSource, RegisteredContext } from '../context/index.js';
import { BadUserInputError, ContextNotFoundError, DeadlineExceededError } from '../errors/index.js';
import { inSpan, isTracingEnabled } from '../observability/index.js';
import type { Provider, ProviderHealth } from '../providers/index.js';
import { BatchLoaders } from './batch-loaders.js';
import { contextCacheKey, isFresh, isServableStale, retainMs } from './cache-policy.js';
import type { CacheEntry } from './context-cache.js';
import { describeInvalidArguments, invalidArguments } from './format-zod-issues.js';
import type { Provenance, SourceAttempt } from './provenance.js';
import { errorCode, resolveSources, type Resolution } from './resolve-sources.js';
import type { VirtualStore } from './virtual-store.js';

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
  /** The request's id, for provider failure logs. */
  readonly requestId?: string;
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

/** Validates raw arguments against a context's schema (applying defaults); throws `BAD_USER_INPUT`. */
function parseContextArgs(context: RegisteredContext, rawArgs: unknown): unknown {
  // GraphQL never sends unknown arguments; REST callers can, and must hear about it.
  if (rawArgs !== null && typeof rawArgs === 'object') {
    const unknown: string[] = [];
    for (const key in rawArgs) if (!context.argNames.has(key) && Object.hasOwn(rawArgs, key)) unknown.push(key);
    if (unknown.length > 0) {
      const expected = [...context.argNames].join(', ') || '(none)';
      const invalid = unknown.map((field) => ({ field, reason: `unknown argument; expected one of: ${expected}` }));
      throw new BadUserInputError(describeInvalidArguments(context.name, invalid), invalid);
    }
  }
  const parsed = context.definition.args.safeParse(rawArgs ?? {});
  if (!parsed.success) {
    const invalid = invalidArguments(parsed.error);
    throw new BadUserInputError(describeInvalidArguments(context.name, invalid), invalid);
  }
  return parsed.data;
}

/**
 * One request's view of the store: its principal, deadline, loaders and provenance. Its loaders
 * batch every load of the request per provider operation and de-duplicate equal keys; nothing is
 * shared with other requests.
 */
export class StoreSession {
  readonly #store: VirtualStore;
  readonly #loaders: BatchLoaders;
  #health: Map<string, Promise<ProviderHealth>> | undefined;
  #cacheLoader: DataLoader<string, CacheEntry | undefined> | undefined;
  readonly #deadlineAt: number;
  readonly #deadlineMs: number;
  readonly #lookupOwner: OwnerLookup;
  readonly principal: Principal;
  /** Provenance of every context resolved with a `path`, in resolution order. */
  readonly provenance = new Map<string, Provenance>();

  constructor(store: VirtualStore, options: SessionOptions) {
    this.#store = store;
    const asked = options.deadlineMs;
    this.#deadlineMs = asked === undefined || !Number.isFinite(asked)
      ? store.requestDeadlineMs
      : Math.min(Math.max(1, Math.round(asked)), store.maxRequestDeadlineMs);
    this.#deadlineAt = performance.now() + this.#deadlineMs;
    this.principal = options.principal;
    this.#loaders = new BatchLoaders({
      providers: store.providerMap,
      policies: store,
      observer: store.observer,
      batching: store.batching,
      // No per-request timer: fields stop waiting at the deadline and each batch is bounded by its policy.
      signal: options.signal ?? NEVER_ABORTED,
      tenant: options.principal.tenant,
      requestId: options.requestId,
      deadlineMs: this.#deadlineMs,
    });
    this.#lookupOwner = (owner, ownerArgs) =>
      this.#loaders.load(owner.lookup.provider, owner.lookup.operation, owner.key(ownerArgs), store.providerTimeoutMs, this.#remainingMs());
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
    this.#health ??= new Map();
    let pending = this.#health.get(provider.name);
    if (!pending) {
      pending = provider.health();
      this.#health.set(provider.name, pending);
    }
    return pending;
  }

  /** Validates raw arguments against the context's schema (applying defaults). */
  parseArgs(name: string, rawArgs: unknown): { context: RegisteredContext; args: unknown } {
    const context = this.#context(name);
    return { context, args: parseContextArgs(context, rawArgs) };
  }

  /**
   * Resolves a context: validates arguments, applies the definition's access rule, consults the
   * cache, then tries its sources in order.
   */
  async get(name: string, rawArgs: unknown, options?: GetOptions): Promise<ContextResult> {
    const context = this.#context(name);
    const args = parseContextArgs(context, rawArgs);
    const checking = authorizeNow(name, context.access, args, this.principal, this.#lookupOwner);
    if (checking) await checking;
    const path = options?.path;
    if (!isTracingEnabled()) return this.#resolve(context, args, path);
    return inSpan(`context ${name}`, { 'engram.context': name }, async (span) => {
      const result = await this.#resolve(context, args, path);
      span?.setAttributes({
        'engram.provider': result.provenance.provider ?? '',
        'engram.fallback': result.provenance.fallback,
        'engram.cached': result.provenance.cached,
      });
      return result;
    });
  }

  #context(name: string): RegisteredContext {
    const context = this.#store.registry.get(name);
    if (!context) throw new ContextNotFoundError(name);
    return context;
  }

  #load(source: ContextSource<unknown, unknown>, key: unknown, remainingMs: number): Promise<unknown> {
    return this.#loaders.load(source.provider, source.operation, key, source.timeoutMs ?? this.#store.providerTimeoutMs, remainingMs);
  }

  #remainingMs(): number {
    return this.#deadlineAt - performance.now();
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
    const provenance: Provenance = {
      context: name,
      provider: entry.provider,
      operation: entry.operation,
      fallback: false,
      cached: true,
      stale,
      latencyMs: round(performance.now() - started),
      ageMs: Date.now() - entry.storedAt,
    };
    if (attempts) provenance.attempts = attempts;
    if (stale) provenance.error = errorCode(error);
    return { value: entry.value, provenance: this.#record(path, provenance) };
  }

  async #resolve(context: RegisteredContext, args: unknown, path: string | undefined): Promise<ContextResult> {
    const { definition } = context;
    const name = definition.name;
    const started = performance.now();
    const cache = definition.cache && this.#store.cache ? definition.cache : undefined;

    let cacheKey: string | undefined;
    let cached: CacheEntry | undefined;
    if (cache) {
      cacheKey = contextCacheKey(this.principal, name, cache, args);
      cached = await this.#cacheLookup(cacheKey);
      if (cached && isFresh(cached, cache)) return this.#fromCache(name, path, started, cached, undefined);
      this.#store.observer.cache(name, 'miss');
    }

    // The primary is tried here, without the fallback machinery; only its failure goes through it.
    const { sources } = definition;
    const primary = sources[0] as ContextSource<unknown, unknown>;
    let primaryError: { readonly error: unknown } | undefined;
    let primaryPassed = false;
    const remaining = this.#remainingMs();
    if (remaining > 0) {
      try {
        const loaded = await this.#load(primary, primary.key(args), remaining);
        if (primary.passOn?.(loaded) === true && sources.length > 1) {
          primaryPassed = true;
        } else {
          const value = loaded === null || loaded === undefined ? null : primary.map(loaded, args);
          return this.#answered(name, path, started, cache, cacheKey, primary, value);
        }
      } catch (error) {
        primaryError = { error };
      }
    }
    const resolution = await resolveSources({
      sources,
      args,
      ...(primaryError ? { primaryError } : {}),
      ...(primaryPassed ? { primaryPassed } : {}),
      remainingMs: () => this.#remainingMs(),
      load: (source, key, remaining) => this.#load(source, key, remaining),
      deadlineExceeded: () => new DeadlineExceededError(this.#deadlineMs),
    });

    if (resolution.ok) {
      const { source, value } = resolution;
      if (resolution.fallbackReason) this.#store.observer.fallback(name, resolution.attempts?.[0]?.provider ?? '', resolution.fallbackReason);
      return this.#answered(name, path, started, cache, cacheKey, source, value, resolution);
    }

    // Stale-if-error: every source failed, but a value past its TTL is still within the window.
    if (cache && cached && isServableStale(cached, cache)) {
      return this.#fromCache(name, path, started, cached, resolution.attempts, resolution.error);
    }
    this.#record(path, {
      context: name,
      provider: null,
      operation: null,
      fallback: false,
      cached: false,
      stale: false,
      latencyMs: round(performance.now() - started),
      attempts: resolution.attempts,
      error: errorCode(resolution.error),
    });
    throw resolution.error;
  }

  /** A source answered: stores the value in the cache (when the definition caches) and records provenance. */
  #answered(
    name: string,
    path: string | undefined,
    started: number,
    cache: CachePolicy | undefined,
    cacheKey: string | undefined,
    source: ContextSource<unknown, unknown>,
    value: unknown,
    resolution?: Extract<Resolution, { ok: true }>,
  ): ContextResult {
    if (cache && cacheKey) {
      // A cache that cannot write only costs a later miss; a custom cache's rejection must not escape.
      this.#store.cache?.set(cacheKey, { value, storedAt: Date.now(), provider: source.provider, operation: source.operation }, retainMs(cache)).catch(() => {});
    }
    const latencyMs = round(performance.now() - started);
    // One literal per shape, keys in the schema's order (the order clients see).
    const provenance: Provenance = resolution?.fallbackReason
      ? { context: name, provider: source.provider, operation: source.operation, fallback: resolution.fallback, fallbackReason: resolution.fallbackReason, cached: false, stale: false, latencyMs }
      : { context: name, provider: source.provider, operation: source.operation, fallback: resolution?.fallback ?? false, cached: false, stale: false, latencyMs };
    if (resolution?.attempts) provenance.attempts = resolution.attempts;
    return { value, provenance: this.#record(path, provenance) };
  }

  async #cacheLookup(key: string): Promise<CacheEntry | undefined> {
    const cache = this.#store.cache;
    if (!cache) return undefined;
    // One lookup per request and key set: 20 aliases cost one MGET, like one SQL statement.
    this.#cacheLoader ??= new DataLoader<string, CacheEntry | undefined>(async (keys) => cache.getMany(keys));
    return this.#cacheLoader.load(key);
  }
}
