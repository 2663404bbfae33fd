import DataLoader from 'dataloader';
import { authorizeNow, type OwnerLookup, type Principal } from '../auth/index.js';
import type { ArgsSchema, CachePolicy, ContextSource, RegisteredBundle, RegisteredContext } from '../context/index.js';
import { BadUserInputError, ContextNotFoundError, DeadlineExceededError } from '../errors/index.js';
import { inSpan, isTracingEnabled } from '../observability/index.js';
import type { Provider, ProviderHealth } from '../providers/index.js';
import { BatchLoaders } from './batch-loaders.js';
import { contextCacheKey, isFresh, isServableStale, retainMs } from './cache-policy.js';
import type { CacheEntry } from './context-cache.js';
import { describeInvalidArguments, invalidArguments } from './format-zod-issues.js';
import type { FieldProvenance, Provenance, SourceAttempt } from './provenance.js';
import { BundleFailure, resolveBundle, type BundleResult } from './resolve-bundle.js';
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
  /** Where to record the provenance under `path` instead of the session's map (bundles collect their parts'). */
  readonly sink?: Map<string, Provenance>;
}

/** The signal of sessions without a request (scripts, tests): never aborts. */
const NEVER_ABORTED = new AbortController().signal;

const round = (ms: number): number => Math.round(ms * 100) / 100;
const resultValue = (result: ContextResult): unknown => result.value;

/** The primary source passed on (see `ContextSource.passOn`): the next source is the primary. */
const PASSED = Symbol('passed on');
/** How the primary went when it was tried before the other sources: passed on, or failed. */
type PrimaryOutcome = typeof PASSED | { readonly error: unknown };

/** Validates raw arguments against a context's or bundle's schema (applying defaults); throws `BAD_USER_INPUT`. */
function parseArgs(target: { readonly name: string; readonly argNames: ReadonlySet<string> }, schema: ArgsSchema, rawArgs: unknown): unknown {
  // GraphQL never sends unknown arguments; REST callers can, and must hear about it.
  if (rawArgs !== null && typeof rawArgs === 'object') {
    const unknown: string[] = [];
    for (const key in rawArgs) if (!target.argNames.has(key) && Object.hasOwn(rawArgs, key)) unknown.push(key);
    if (unknown.length > 0) {
      const expected = [...target.argNames].join(', ') || '(none)';
      const invalid = unknown.map((field) => ({ field, reason: `unknown argument; expected one of: ${expected}` }));
      throw new BadUserInputError(describeInvalidArguments(target.name, invalid), invalid);
    }
  }
  const parsed = schema.safeParse(rawArgs ?? {});
  if (!parsed.success) {
    const invalid = invalidArguments(parsed.error);
    throw new BadUserInputError(describeInvalidArguments(target.name, invalid), invalid);
  }
  return parsed.data;
}

const parseContextArgs = (context: RegisteredContext, rawArgs: unknown): unknown => parseArgs(context, context.definition.args, rawArgs);

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
  /** Provenance of every context and bundle resolved with a `path`, in resolution order. */
  readonly provenance = new Map<string, FieldProvenance>();

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
      deadlineAt: this.#deadlineAt,
      deadlineMs: this.#deadlineMs,
    });
    this.#lookupOwner = (owner, ownerArgs) =>
      this.#loaders.load(owner.lookup.provider, owner.lookup.operation, owner.key(ownerArgs), store.providerTimeoutMs);
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
    const sink = options?.sink;
    if (!isTracingEnabled()) return this.#resolve(context, args, path, sink);
    return inSpan(`context ${name}`, { 'engram.context': name }, async (span) => {
      const result = await this.#resolve(context, args, path, sink);
      span?.setAttributes({
        'engram.provider': result.provenance.provider ?? '',
        'engram.fallback': result.provenance.fallback,
        'engram.cached': result.provenance.cached,
      });
      return result;
    });
  }

  /**
   * `get(…)` for a caller that needs only the value (a GraphQL field): provenance is still
   * recorded under `path`. Without a cache, tracing or an owner lookup, the primary source is
   * awaited with one `then` and no async frames: this runs once per field of every request.
   */
  value(name: string, rawArgs: unknown, path?: string): Promise<unknown> {
    const context = this.#context(name);
    const { definition } = context;
    if ((definition.cache && this.#store.cache) || isTracingEnabled()) return this.get(name, rawArgs, path === undefined ? undefined : { path }).then(resultValue);
    const args = parseContextArgs(context, rawArgs);
    const checking = authorizeNow(name, context.access, args, this.principal, this.#lookupOwner);
    if (checking) return checking.then(() => this.#resolve(context, args, path, undefined)).then(resultValue);
    const started = performance.now();
    const remaining = this.#remainingMs();
    if (!(remaining > 0)) return this.#fallBack(context, args, path, undefined, started, undefined, undefined, undefined, undefined).then(resultValue);
    const primary = definition.sources[0] as ContextSource<unknown, unknown>;
    return this.#load(primary, primary.key(args)).then(
      (loaded) => {
        if (primary.passOn?.(loaded) === true && definition.sources.length > 1) {
          return this.#fallBack(context, args, path, undefined, started, undefined, undefined, undefined, PASSED).then(resultValue);
        }
        const value = loaded === null || loaded === undefined ? null : primary.map(loaded, args);
        this.#provenance(name, path, undefined, started, primary, undefined);
        return value;
      },
      (error: unknown) => this.#fallBack(context, args, path, undefined, started, undefined, undefined, undefined, { error }).then(resultValue),
    );
  }

  /**
   * Resolves a bundle: validates its arguments (`budgetTokens` and `format` included), reads every
   * part through this session (batched with the request's other fields; each part with its own
   * access rule, cache and fallbacks), then fits the rendered parts to the budget. Fails with the
   * error of a priority-0 part that failed or was refused, or with `BUDGET_TOO_SMALL`; any other
   * failed part is dropped and reported in the provenance.
   */
  async bundle(name: string, rawArgs: unknown, options?: GetOptions): Promise<BundleResult> {
    const bundle = this.#bundle(name);
    const args = parseArgs(bundle, bundle.schema, rawArgs) as Record<string, unknown>;
    const path = options?.path;
    try {
      const result = await resolveBundle({
        bundle,
        args,
        tokenizer: this.#store.tokenizer,
        get: (context, partArgs, partPath, sink) => this.get(context, partArgs, { path: partPath, sink }),
      });
      if (path !== undefined) this.provenance.set(path, result.provenance);
      return result;
    } catch (error) {
      if (!(error instanceof BundleFailure)) throw error;
      if (path !== undefined) this.provenance.set(path, error.provenance);
      throw error.error;
    }
  }

  #bundle(name: string): RegisteredBundle {
    const bundle = this.#store.registry.bundle(name);
    if (!bundle) throw new ContextNotFoundError(name);
    return bundle;
  }

  #context(name: string): RegisteredContext {
    const context = this.#store.registry.get(name);
    if (!context) throw new ContextNotFoundError(name);
    return context;
  }

  #load(source: ContextSource<unknown, unknown>, key: unknown): Promise<unknown> {
    return this.#loaders.load(source.provider, source.operation, key, source.timeoutMs ?? this.#store.providerTimeoutMs);
  }

  #remainingMs(): number {
    return this.#deadlineAt - performance.now();
  }

  /** Records provenance under the field's path (when it has one), in `sink` or the session's map, and returns it. */
  #record(path: string | undefined, provenance: Provenance, sink?: Map<string, Provenance>): Provenance {
    if (path !== undefined) (sink ?? this.provenance).set(path, provenance);
    return provenance;
  }

  /** Answers from a cache entry: fresh (hit) or, when every source failed (`error`), stale. */
  #fromCache(name: string, path: string | undefined, sink: Map<string, Provenance> | undefined, started: number, entry: CacheEntry, attempts: readonly SourceAttempt[] | undefined, error?: unknown): ContextResult {
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
    return { value: entry.value, provenance: this.#record(path, provenance, sink) };
  }

  async #resolve(context: RegisteredContext, args: unknown, path: string | undefined, sink: Map<string, Provenance> | undefined): Promise<ContextResult> {
    const { definition } = context;
    const name = definition.name;
    const started = performance.now();
    const cache = definition.cache && this.#store.cache ? definition.cache : undefined;

    let cacheKey: string | undefined;
    let cached: CacheEntry | undefined;
    if (cache) {
      cacheKey = contextCacheKey(this.principal, name, cache, args);
      cached = await this.#cacheLookup(cacheKey);
      if (cached && isFresh(cached, cache)) return this.#fromCache(name, path, sink, started, cached, undefined);
      this.#store.observer.cache(name, 'miss');
    }

    // The primary is tried here, without the fallback machinery; only its failure goes through it.
    const primary = definition.sources[0] as ContextSource<unknown, unknown>;
    let primaryOutcome: PrimaryOutcome | undefined;
    const remaining = this.#remainingMs();
    if (remaining > 0) {
      try {
        const loaded = await this.#load(primary, primary.key(args));
        if (primary.passOn?.(loaded) === true && definition.sources.length > 1) {
          primaryOutcome = PASSED;
        } else {
          const value = loaded === null || loaded === undefined ? null : primary.map(loaded, args);
          return this.#answered(name, path, sink, started, cache, cacheKey, primary, value);
        }
      } catch (error) {
        primaryOutcome = { error };
      }
    }
    return this.#fallBack(context, args, path, sink, started, cache, cacheKey, cached, primaryOutcome);
  }

  /** The primary failed, passed on, or no time was left to try it: the next sources, then stale-if-error. */
  async #fallBack(
    context: RegisteredContext,
    args: unknown,
    path: string | undefined,
    sink: Map<string, Provenance> | undefined,
    started: number,
    cache: CachePolicy | undefined,
    cacheKey: string | undefined,
    cached: CacheEntry | undefined,
    primary: PrimaryOutcome | undefined,
  ): Promise<ContextResult> {
    const { sources, name } = context.definition;
    const resolution = await resolveSources({
      sources,
      args,
      ...(primary === PASSED ? { primaryPassed: true } : primary ? { primaryError: primary } : {}),
      remainingMs: () => this.#remainingMs(),
      load: (source, key) => this.#load(source, key),
      deadlineExceeded: () => new DeadlineExceededError(this.#deadlineMs),
    });

    if (resolution.ok) {
      const { source, value } = resolution;
      if (resolution.fallbackReason) this.#store.observer.fallback(name, resolution.attempts?.[0]?.provider ?? '', resolution.fallbackReason);
      return this.#answered(name, path, sink, started, cache, cacheKey, source, value, resolution);
    }

    // Stale-if-error: every source failed, but a value past its TTL is still within the window.
    if (cache && cached && isServableStale(cached, cache)) {
      return this.#fromCache(name, path, sink, started, cached, resolution.attempts, resolution.error);
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
    }, sink);
    throw resolution.error;
  }

  /** A source answered: stores the value in the cache (when the definition caches) and records provenance. */
  #answered(
    name: string,
    path: string | undefined,
    sink: Map<string, Provenance> | undefined,
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
    return { value, provenance: this.#provenance(name, path, sink, started, source, resolution) };
  }

  /** The provenance of a value a source answered, recorded under `path`. */
  #provenance(name: string, path: string | undefined, sink: Map<string, Provenance> | undefined, started: number, source: ContextSource<unknown, unknown>, resolution: Extract<Resolution, { ok: true }> | undefined): Provenance {
    const latencyMs = round(performance.now() - started);
    // One literal per shape, keys in the schema's order (the order clients see).
    const provenance: Provenance = resolution?.fallbackReason
      ? { context: name, provider: source.provider, operation: source.operation, fallback: resolution.fallback, fallbackReason: resolution.fallbackReason, cached: false, stale: false, latencyMs }
      : { context: name, provider: source.provider, operation: source.operation, fallback: resolution?.fallback ?? false, cached: false, stale: false, latencyMs };
    if (resolution?.attempts) provenance.attempts = resolution.attempts;
    return this.#record(path, provenance, sink);
  }

  async #cacheLookup(key: string): Promise<CacheEntry | undefined> {
    const cache = this.#store.cache;
    if (!cache) return undefined;
    // One lookup per request and key set: 20 aliases cost one MGET, like one SQL statement.
    this.#cacheLoader ??= new DataLoader<string, CacheEntry | undefined>(async (keys) => cache.getMany(keys));
    return this.#cacheLoader.load(key);
  }
}
