import DataLoader from 'dataloader';
import { DeadlineExceededError, ProviderTimeoutError, type EngramError, type ErrorCode } from '../errors/index.js';
import { isTracingEnabled, inSpan, type StoreObserver } from '../observability/index.js';
import type { Provider } from '../providers/index.js';
import type { ProviderPolicy } from './provider-policy.js';
import { errorCode } from './resolve-sources.js';

export interface BatchLoadersOptions {
  readonly providers: ReadonlyMap<string, Provider>;
  readonly policies: { policy(provider: string): ProviderPolicy };
  readonly observer: StoreObserver;
  /** Off only to measure N+1. */
  readonly batching: boolean;
  /** Aborted when the client goes away: passed to every batch. */
  readonly signal: AbortSignal;
  /** The verified tenant: every batch of these loaders serves it, and only it. */
  readonly tenant: string;
  readonly requestId: string | undefined;
  /** The request's deadline: a load cut short by it fails with `DEADLINE_EXCEEDED`. */
  readonly deadlineMs: number;
}

// Shared by every batch without a failed key; never written (a failing batch gets its own list).
const NO_ERRORS: ErrorCode[] = [];

/** A timer shared by the loads of one operation and budget issued in the same moment (one batch). */
interface SharedTimer {
  readonly timeoutMs: number;
  readonly createdAt: number;
  waiters: number;
  /** Fails the loads still waiting; a settled load ignores it. */
  readonly fail: Array<(error: EngramError) => void>;
  timer: NodeJS.Timeout | undefined;
}

/** One provider operation's loader in this request, and its timers by budget. */
interface OperationLoader {
  readonly provider: string;
  readonly operation: string;
  readonly loader: DataLoader<unknown, unknown, string>;
  readonly timers: Map<number, SharedTimer>;
}

/**
 * One request's DataLoaders, one per provider operation: every load of the request issued in the
 * same tick becomes one batch (de-duplicated by the operation's key id), run under the provider's
 * policy. Never shared between requests.
 */
export class BatchLoaders {
  readonly #options: BatchLoadersOptions;
  /** By provider, then operation: looked up with the names as they are, no id built per load. */
  readonly #loaders = new Map<string, Map<string, OperationLoader>>();

  constructor(options: BatchLoadersOptions) {
    this.#options = options;
  }

  /**
   * Loads one key, failing with `PROVIDER_TIMEOUT` after `timeoutMs` or with the deadline's error
   * after `remainingMs`, whichever comes first. Resolves the value; rejects with the key's error.
   */
  load(provider: string, operation: string, key: unknown, timeoutMs: number, remainingMs: number): Promise<unknown> {
    const entry = this.#loader(provider, operation);
    const pending = entry.loader.load(key);
    const shared = this.#timerFor(entry, timeoutMs, remainingMs);
    return new Promise((resolve, reject) => {
      shared.fail.push(reject);
      pending.then(
        (value) => {
          this.#release(entry, shared);
          if (value instanceof Error) reject(value);
          else resolve(value);
        },
        (error: unknown) => {
          this.#release(entry, shared);
          reject(error);
        },
      );
    });
  }

  /**
   * A timer that fails the loads waiting on it. Loads of one operation issued in the same moment (one
   * batch) share a timer instead of arming one each; it is cleared when the last of them settles.
   */
  #timerFor(entry: OperationLoader, timeoutMs: number, remainingMs: number): SharedTimer {
    const now = performance.now();
    const existing = entry.timers.get(timeoutMs);
    if (existing && now - existing.createdAt < 1) {
      existing.waiters += 1;
      return existing;
    }
    const budget = Math.min(timeoutMs, remainingMs);
    const shared: SharedTimer = { timeoutMs, createdAt: now, waiters: 1, fail: [], timer: undefined };
    shared.timer = setTimeout(() => {
      if (entry.timers.get(timeoutMs) === shared) entry.timers.delete(timeoutMs);
      const error = budget < timeoutMs ? new DeadlineExceededError(this.#options.deadlineMs) : new ProviderTimeoutError({ provider: entry.provider, operation: entry.operation }, timeoutMs);
      for (const fail of shared.fail) fail(error);
    }, budget);
    entry.timers.set(timeoutMs, shared);
    return shared;
  }

  #release(entry: OperationLoader, shared: SharedTimer): void {
    shared.waiters -= 1;
    if (shared.waiters === 0) {
      clearTimeout(shared.timer);
      if (entry.timers.get(shared.timeoutMs) === shared) entry.timers.delete(shared.timeoutMs);
    }
  }

  #loader(providerName: string, operation: string): OperationLoader {
    let byOperation = this.#loaders.get(providerName);
    if (!byOperation) {
      byOperation = new Map();
      this.#loaders.set(providerName, byOperation);
    }
    let entry = byOperation.get(operation);
    if (!entry) {
      entry = this.#create(providerName, operation);
      byOperation.set(operation, entry);
    }
    return entry;
  }

  #create(providerName: string, operation: string): OperationLoader {
    const { batching } = this.#options;
    const provider = this.#options.providers.get(providerName) as Provider;
    // Closures are passed inline, never named: under tsx (keepNames) a named closure costs a defineProperty each time it is made.
    const loader = new DataLoader<unknown, unknown, string>(
      // Errors are returned in their slots (batch contract), so DataLoader rejects only that key.
      (keys) =>
        isTracingEnabled()
          ? inSpan(`batch ${providerName}.${operation}`, { 'engram.provider': providerName, 'engram.operation': operation, 'engram.keys': keys.length }, () => this.#runBatch(provider, operation, keys))
          : this.#runBatch(provider, operation, keys),
      {
        cacheKeyFn: provider.keyIdOf(operation),
        maxBatchSize: batching ? provider.maxBatchSize(operation) : 1,
        batch: batching,
        cache: batching,
      },
    );
    return { provider: providerName, operation, loader, timers: new Map() };
  }

  async #runBatch(provider: Provider, operation: string, keys: readonly unknown[]): Promise<unknown[]> {
    const { observer, signal, tenant, requestId } = this.#options;
    const started = performance.now();
    const policy = this.#options.policies.policy(provider.name);
    const results = await policy.run(
      operation,
      keys,
      (batchSignal) => provider.load(operation, keys, requestId === undefined ? { signal: batchSignal, tenant } : { signal: batchSignal, tenant, requestId }),
      signal,
    );
    let errors: ErrorCode[] = NO_ERRORS;
    for (const r of results) {
      if (!(r instanceof Error)) continue;
      if (errors === NO_ERRORS) errors = [];
      errors.push(errorCode(r));
    }
    observer.batch({ provider: provider.name, operation, keys: keys.length, latencyMs: performance.now() - started, errors });
    return results as unknown[];
  }
}

