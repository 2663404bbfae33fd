import DataLoader from 'dataloader';
import { ProviderTimeoutError, type EngramError, type ErrorCode } from '../errors/index.js';
import { inSpan, type StoreObserver } from '../observability/index.js';
import type { Provider } from '../providers/index.js';
import type { ProviderPolicy } from './provider-policy.js';
import { errorCode } from './resolve-sources.js';

export interface BatchLoadersOptions {
  readonly providers: ReadonlyMap<string, Provider>;
  readonly policy: (provider: string) => ProviderPolicy;
  readonly observer: StoreObserver;
  /** Off only to measure N+1. */
  readonly batching: boolean;
  /** Aborted when the client goes away: passed to every batch. */
  readonly signal: AbortSignal;
  /** The verified tenant: every batch of these loaders serves it, and only it. */
  readonly tenant: string;
  readonly requestId: string | undefined;
  /** The error of a load cut short by the request's deadline. */
  readonly deadlineExceeded: () => EngramError;
}

interface SharedTimer {
  readonly id: string;
  readonly createdAt: number;
  waiters: number;
  timer: NodeJS.Timeout | undefined;
  promise: Promise<never>;
}

/**
 * One request's DataLoaders, one per provider operation: every load of the request issued in the
 * same tick becomes one batch (de-duplicated by the operation's key id), run under the provider's
 * policy. Never shared between requests.
 */
export class BatchLoaders {
  readonly #options: BatchLoadersOptions;
  readonly #loaders = new Map<string, DataLoader<unknown, unknown, string>>();
  readonly #timers = new Map<string, SharedTimer>();

  constructor(options: BatchLoadersOptions) {
    this.#options = options;
  }

  /**
   * Loads one key, failing with `PROVIDER_TIMEOUT` after `timeoutMs` or with the deadline's error
   * after `remainingMs`, whichever comes first. Resolves the value; rejects with the key's error.
   */
  async load(provider: string, operation: string, key: unknown, timeoutMs: number, remainingMs: number): Promise<unknown> {
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

  /**
   * A timer that fails the loads waiting on it. Loads of one operation issued in the same moment (one
   * batch) share a timer instead of arming one each; it is cleared when the last of them settles.
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
        reject(budget < timeoutMs ? this.#options.deadlineExceeded() : new ProviderTimeoutError({ provider, operation }, timeoutMs));
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

  #loader(providerName: string, operation: string): DataLoader<unknown, unknown, string> {
    const id = `${providerName}.${operation}`;
    let loader = this.#loaders.get(id);
    if (loader) return loader;
    const { observer, batching, signal, tenant, requestId } = this.#options;
    const provider = this.#options.providers.get(providerName) as Provider;
    const policy = this.#options.policy(providerName);
    const context = requestId === undefined ? { tenant } : { tenant, requestId };
    loader = new DataLoader<unknown, unknown, string>(
      // Errors are returned in their slots (batch contract), so DataLoader rejects only that key.
      (keys) =>
        inSpan(`batch ${id}`, { 'engram.provider': providerName, 'engram.operation': operation, 'engram.keys': keys.length }, async () => {
          const started = performance.now();
          const results = await policy.run(operation, keys, (batchSignal) => provider.load(operation, keys, { signal: batchSignal, ...context }), signal);
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
