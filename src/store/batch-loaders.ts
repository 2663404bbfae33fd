import DataLoader from 'dataloader';
import { DeadlineExceededError, ProviderTimeoutError, type ErrorCode } from '../errors/index.js';
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
  /** The request's deadline, as a `performance.now()` time: a load cut short by it fails with `DEADLINE_EXCEEDED`. */
  readonly deadlineAt: number;
  /** The request's time budget, for the error's message. */
  readonly deadlineMs: number;
}

// Shared by every batch without a failed key; never written (a failing batch gets its own list).
const NO_ERRORS: ErrorCode[] = [];

/** One provider operation's loader in this request, for the loads of one time budget. */
interface OperationLoader {
  readonly provider: string;
  readonly operation: string;
  readonly timeoutMs: number;
  loader: DataLoader<unknown, unknown, string>;
  /** Loaders of the same operation for loads with another `timeoutMs` (a source's own). */
  others: Map<number, OperationLoader> | undefined;
}

/**
 * One request's DataLoaders, one per provider operation: every load of the request issued in the
 * same tick becomes one batch (de-duplicated by the operation's key id), run under the provider's
 * policy. Never shared between requests.
 *
 * Time limits are kept per batch, not per load: a batch's promise fails with `PROVIDER_TIMEOUT`
 * after its loads' `timeoutMs`, or with the deadline's error when the request's deadline comes
 * first, so every load waits on DataLoader's promise alone (no promise, closure or timer per field).
 * Loads whose source sets another `timeoutMs` get a loader (and batches) of their own.
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
   * at the request's deadline, whichever comes first. Resolves the value; rejects with the key's error.
   */
  load(provider: string, operation: string, key: unknown, timeoutMs: number): Promise<unknown> {
    return this.#loader(provider, operation, timeoutMs).loader.load(key);
  }

  #loader(providerName: string, operation: string, timeoutMs: number): OperationLoader {
    let byOperation = this.#loaders.get(providerName);
    if (!byOperation) {
      byOperation = new Map();
      this.#loaders.set(providerName, byOperation);
    }
    let entry = byOperation.get(operation);
    if (!entry) {
      entry = this.#create(providerName, operation, timeoutMs);
      byOperation.set(operation, entry);
    }
    if (entry.timeoutMs === timeoutMs) return entry;
    entry.others ??= new Map();
    let other = entry.others.get(timeoutMs);
    if (!other) {
      other = this.#create(providerName, operation, timeoutMs);
      entry.others.set(timeoutMs, other);
    }
    return other;
  }

  #create(providerName: string, operation: string, timeoutMs: number): OperationLoader {
    const { batching } = this.#options;
    const provider = this.#options.providers.get(providerName) as Provider;
    const entry: OperationLoader = { provider: providerName, operation, timeoutMs, loader: undefined as never, others: undefined };
    // Closures are passed inline, never named: under tsx (keepNames) a named closure costs a defineProperty each time it is made.
    entry.loader = new DataLoader<unknown, unknown, string>(
      // Errors are returned in their slots (batch contract), so DataLoader rejects only that key.
      (keys) =>
        this.#bounded(
          entry,
          isTracingEnabled()
            ? inSpan(`batch ${providerName}.${operation}`, { 'engram.provider': providerName, 'engram.operation': operation, 'engram.keys': keys.length }, () => this.#runBatch(provider, operation, keys))
            : this.#runBatch(provider, operation, keys),
        ),
      {
        cacheKeyFn: provider.keyIdOf(operation),
        maxBatchSize: batching ? provider.maxBatchSize(operation) : 1,
        batch: batching,
        cache: batching,
      },
    );
    return entry;
  }

  /**
   * The batch's results, or its time limit's error when they come later: `PROVIDER_TIMEOUT` after
   * the loader's `timeoutMs`, the deadline's error at the request's deadline when that is sooner.
   * The batch itself is left to its policy (which has its own timeout and the request's signal).
   */
  #bounded(entry: OperationLoader, running: Promise<unknown[]>): Promise<unknown[]> {
    const budget = Math.min(entry.timeoutMs, this.#options.deadlineAt - performance.now());
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(budget < entry.timeoutMs ? new DeadlineExceededError(this.#options.deadlineMs) : new ProviderTimeoutError({ provider: entry.provider, operation: entry.operation }, entry.timeoutMs));
      }, Math.max(0, budget));
      running.then(
        (results) => {
          clearTimeout(timer);
          resolve(results);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    });
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

