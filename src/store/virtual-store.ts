import DataLoader from 'dataloader';
import type { ContextRegistry, RegisteredContext } from '../context/index.js';
import {
  BadUserInputError,
  ContextNotFoundError,
  DeadlineExceededError,
  DefinitionError,
  EngramError,
  ProviderTimeoutError,
} from '../errors/index.js';
import type { Provider, ProviderStats } from '../providers/index.js';
import { describeInvalidArguments, invalidArguments } from './format-zod-issues.js';
import type { Provenance, SourceAttempt } from './provenance.js';

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
   * Batch and de-duplicate loads (per request, per provider operation). Off only to measure N+1.
   * @default true
   */
  readonly batching?: boolean;
}

export interface SessionOptions {
  /** Caller identity; scopes anything cached across requests. */
  readonly principal?: string;
  /** Aborted when the client goes away. */
  readonly signal?: AbortSignal;
  /** Overrides the store's request deadline for this request. */
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

/**
 * The virtual store: resolves contexts through their sources in order. Shared by all requests;
 * each request gets a `StoreSession` holding its own loaders.
 */
export class VirtualStore {
  readonly registry: ContextRegistry;
  readonly #providers: ReadonlyMap<string, Provider>;
  readonly providerTimeoutMs: number;
  readonly requestDeadlineMs: number;
  readonly batching: boolean;

  constructor(options: VirtualStoreOptions) {
    this.registry = options.registry;
    this.#providers = new Map(options.providers.map((p) => [p.name, p]));
    this.providerTimeoutMs = options.providerTimeoutMs ?? 2000;
    this.requestDeadlineMs = options.requestDeadlineMs ?? 10_000;
    this.batching = options.batching ?? true;
    for (const { definition } of this.registry.list()) {
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

  session(options: SessionOptions = {}): StoreSession {
    return new StoreSession(this, this.#providers, options);
  }
}

function errorCode(error: unknown): EngramError['code'] {
  return error instanceof EngramError ? error.code : 'INTERNAL_SERVER_ERROR';
}

/**
 * One request's view of the store. Its DataLoaders batch every load of the request per
 * provider operation and de-duplicate equal keys; nothing is shared with other requests.
 */
export class StoreSession {
  readonly #store: VirtualStore;
  readonly #providers: ReadonlyMap<string, Provider>;
  readonly #loaders = new Map<string, DataLoader<unknown, unknown, string>>();
  readonly #signal: AbortSignal;
  readonly #deadlineAt: number;
  readonly #deadlineMs: number;
  readonly principal: string | undefined;
  /** Provenance of every context resolved with a `path`, in resolution order. */
  readonly provenance = new Map<string, Provenance>();

  constructor(store: VirtualStore, providers: ReadonlyMap<string, Provider>, options: SessionOptions) {
    this.#store = store;
    this.#providers = providers;
    this.#signal = options.signal ?? new AbortController().signal;
    this.#deadlineMs = options.deadlineMs ?? store.requestDeadlineMs;
    this.#deadlineAt = performance.now() + this.#deadlineMs;
    this.principal = options.principal;
  }

  /** Validates raw arguments against the context's schema (applying defaults). */
  parseArgs(name: string, rawArgs: unknown): { context: RegisteredContext; args: unknown } {
    const context = this.#store.registry.get(name);
    if (!context) throw new ContextNotFoundError(name);
    const parsed = context.definition.args.safeParse(rawArgs ?? {});
    if (!parsed.success) {
      const invalid = invalidArguments(parsed.error);
      throw new BadUserInputError(describeInvalidArguments(name, invalid), invalid);
    }
    return { context, args: parsed.data };
  }

  /** Resolves a context: validates arguments, then tries its sources in order. */
  async get(name: string, rawArgs: unknown, options: GetOptions = {}): Promise<ContextResult> {
    const { context, args } = this.parseArgs(name, rawArgs);
    const started = performance.now();
    const attempts: SourceAttempt[] = [];
    let lastError: unknown;

    for (const source of context.definition.sources) {
      const remaining = this.#deadlineAt - performance.now();
      if (remaining <= 0) {
        lastError = new DeadlineExceededError(this.#deadlineMs);
        break;
      }
      const timeoutMs = source.timeoutMs ?? this.#store.providerTimeoutMs;
      try {
        const key = source.key(args);
        const value = await this.#loadWithin(source.provider, source.operation, key, timeoutMs, remaining);
        const result = value === null || value === undefined ? null : source.map(value, args);
        attempts.push({ provider: source.provider, operation: source.operation });
        const provenance: Provenance = {
          context: name,
          provider: source.provider,
          operation: source.operation,
          fallback: attempts.length > 1,
          ...(attempts.length > 1 && attempts[0]?.error ? { fallbackReason: attempts[0].error } : {}),
          cached: false,
          stale: false,
          latencyMs: Math.round((performance.now() - started) * 100) / 100,
          attempts,
        };
        if (options.path !== undefined) this.provenance.set(options.path, provenance);
        return { value: result, provenance };
      } catch (error) {
        lastError = error;
        attempts.push({ provider: source.provider, operation: source.operation, error: errorCode(error) });
        if (error instanceof DeadlineExceededError) break;
      }
    }

    if (options.path !== undefined) {
      this.provenance.set(options.path, {
        context: name,
        provider: null,
        operation: null,
        fallback: false,
        cached: false,
        stale: false,
        latencyMs: Math.round((performance.now() - started) * 100) / 100,
        attempts,
        error: errorCode(lastError),
      });
    }
    throw lastError;
  }

  async #loadWithin(provider: string, operation: string, key: unknown, timeoutMs: number, remainingMs: number): Promise<unknown> {
    const loader = this.#loader(provider, operation);
    const budget = Math.min(timeoutMs, remainingMs);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        reject(budget < timeoutMs
          ? new DeadlineExceededError(this.#deadlineMs)
          : new ProviderTimeoutError({ provider, operation }, timeoutMs));
      }, budget);
    });
    try {
      const value = await Promise.race([loader.load(key), timeout]);
      if (value instanceof Error) throw value;
      return value;
    } finally {
      clearTimeout(timer);
    }
  }

  #loader(providerName: string, operation: string): DataLoader<unknown, unknown, string> {
    const id = `${providerName}.${operation}`;
    let loader = this.#loaders.get(id);
    if (loader) return loader;
    const provider = this.#providers.get(providerName) as Provider;
    const batching = this.#store.batching;
    loader = new DataLoader<unknown, unknown, string>(
      // Errors are returned in their slots (batch contract), so DataLoader rejects only that key.
      (keys) => provider.load(operation, keys, { signal: this.#signal }) as Promise<unknown[]>,
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
