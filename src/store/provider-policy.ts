import {
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  handleType,
  isBrokenCircuitError,
  retry,
  SamplingBreaker,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
  type CircuitBreakerPolicy,
  type IBreaker,
  type IPolicy,
} from 'cockatiel';
import { EngramError, ProviderTimeoutError, ProviderUnavailableError } from '../errors/index.js';
import type { BreakerState } from '../observability/index.js';

export interface BreakerOptions {
  /**
   * Open after this many consecutive failed batches (used unless `failureRatio` is set).
   * @default 5
   */
  readonly consecutiveFailures?: number;
  /** Open when this share of batches fails within `samplingWindowMs` (e.g. 0.5). */
  readonly failureRatio?: number;
  /** @default 10000 */
  readonly samplingWindowMs?: number;
  /** Batches per second needed before `failureRatio` applies. @default 5 */
  readonly minimumRps?: number;
  /**
   * How long the breaker stays open before letting one probe through (half-open).
   * @default 5000
   */
  readonly halfOpenAfterMs?: number;
}

export interface ProviderPolicyOptions {
  /**
   * Time budget of one batch; the batch's signal aborts after it.
   * @default 5000
   */
  readonly timeoutMs?: number;
  /** Retries of a batch whose every key failed as unavailable or timed out (idempotent reads). */
  readonly retry?: {
    /** @default 1 */
    readonly maxAttempts?: number;
    /** First backoff; doubles per attempt. @default 50 */
    readonly initialDelayMs?: number;
    /** Upper bound of a backoff, including one asked for by `Retry-After`. @default 2000 */
    readonly maxDelayMs?: number;
  };
  readonly breaker?: BreakerOptions;
  /** Concurrent batches per provider, and how many may wait. */
  readonly bulkhead?: {
    /** @default 64 */
    readonly limit?: number;
    /** @default 1024 */
    readonly queue?: number;
  };
}

export type { BreakerState };

const STATES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/** Codes that say "the provider is not serving": they feed the breaker and may be retried. */
function isOutage(result: unknown): boolean {
  return result instanceof EngramError && (result.code === 'PROVIDER_UNAVAILABLE' || result.code === 'PROVIDER_TIMEOUT');
}

/** A batch every key of which failed as an outage; carries the per-key results. */
class BatchOutage extends Error {
  constructor(readonly results: readonly unknown[]) {
    super('every key of the batch failed');
  }

  /** Longest `Retry-After` a key's error asked for, in ms. */
  get retryAfterMs(): number {
    return this.results.reduce<number>((max, r) => {
      const ms = r instanceof EngramError ? r.details?.['retryAfterMs'] : undefined;
      return typeof ms === 'number' && ms > max ? ms : max;
    }, 0);
  }
}

/** Aborts a batch when its request's signal aborts. */
class AbortForwarder {
  readonly #batch: AbortController;

  constructor(batch: AbortController) {
    this.#batch = batch;
  }

  handleEvent(): void {
    this.#batch.abort();
  }
}

function abortBatch(batch: AbortController): void {
  batch.abort();
}

/** A batch waiting for a bulkhead slot. */
interface QueuedBatch {
  readonly signal: AbortSignal;
  readonly admit: () => void;
}

type Load = (signal: AbortSignal) => Promise<ReadonlyArray<unknown>>;

/**
 * Resilience of one provider, shared by all requests: bulkhead → retry → circuit breaker →
 * timeout. A batch counts as failed only when *every* key failed as unavailable or timed out; a
 * provider that answers some keys is up. While the breaker is open, batches fail at once with
 * `PROVIDER_UNAVAILABLE`, so the store moves to the fallback source without waiting.
 *
 * While the breaker is closed, a batch's first attempt runs outside cockatiel (one abort
 * controller and one timer, as cockatiel's timeout would make) and its success is counted on the
 * breaker directly, as cockatiel counts it. Any failure of that attempt is handed to the cockatiel
 * chain as its first attempt, so the breaker counts it and retries follow exactly as before. Open,
 * half-open and isolated breakers always run through cockatiel.
 */
export class ProviderPolicy {
  readonly provider: string;
  readonly #breaker: CircuitBreakerPolicy;
  readonly #counter: IBreaker;
  readonly #policy: IPolicy;
  readonly #timeoutMs: number;
  readonly #limit: number;
  readonly #queueLimit: number;
  readonly #queue: QueuedBatch[] = [];
  #active = 0;
  #fastRuns = 0;

  constructor(provider: string, options: ProviderPolicyOptions = {}) {
    this.provider = provider;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    const b = options.breaker ?? {};
    this.#counter = b.failureRatio === undefined
      ? new ConsecutiveBreaker(b.consecutiveFailures ?? 5)
      : new SamplingBreaker({ threshold: b.failureRatio, duration: b.samplingWindowMs ?? 10_000, minimumRps: b.minimumRps ?? 5 });
    this.#breaker = circuitBreaker(handleType(BatchOutage), { halfOpenAfter: b.halfOpenAfterMs ?? 5000, breaker: this.#counter });
    const r = options.retry ?? {};
    const initial = r.initialDelayMs ?? 50;
    const max = r.maxDelayMs ?? 2000;
    const retryPolicy = retry(handleType(BatchOutage), {
      maxAttempts: r.maxAttempts ?? 1,
      backoff: new DelegateBackoff((context) => {
        const failure = context.result;
        const asked = 'error' in failure && failure.error instanceof BatchOutage ? failure.error.retryAfterMs : 0;
        return Math.min(max, Math.max(asked, initial * 2 ** (context.attempt - 1)));
      }),
    });
    this.#limit = options.bulkhead?.limit ?? 64;
    this.#queueLimit = options.bulkhead?.queue ?? 1024;
    this.#policy = wrap(retryPolicy, this.#breaker, timeout(this.#timeoutMs, { strategy: TimeoutStrategy.Cooperative, abortOnReturn: false }));
  }

  get breakerState(): BreakerState {
    return STATES[this.#breaker.state];
  }

  /** @internal batches whose first attempt skipped cockatiel (the healthy path), for tests. */
  get fastRuns(): number {
    return this.#fastRuns;
  }

  /** Subscribes to breaker transitions (for metrics and logs). */
  onBreakerChange(listener: (state: BreakerState) => void): void {
    this.#breaker.onStateChange((state) => listener(STATES[state]));
  }

  /**
   * Runs one batch under the policy and always resolves with one result per key
   * (values or `EngramError`s), never rejects.
   */
  async run(operation: string, keys: readonly unknown[], load: Load, signal: AbortSignal): Promise<ReadonlyArray<unknown>> {
    if (signal.aborted) return this.#failAll(operation, keys, 'the request was cancelled');
    if (this.#active >= this.#limit) {
      if (this.#queue.length >= this.#queueLimit) return this.#failAll(operation, keys, 'too many requests are in flight');
      // The slot is handed over by the batch that releases it, so `#active` already counts this one.
      await new Promise<void>((admit) => this.#queue.push({ signal, admit }));
      if (signal.aborted) {
        this.#release();
        return this.#failAll(operation, keys, 'the request was cancelled');
      }
    } else {
      this.#active += 1;
    }
    try {
      return this.#breaker.state === CircuitState.Closed
        ? await this.#runClosed(operation, keys, load, signal)
        : await this.#runPolicy(operation, keys, load, signal, undefined);
    } finally {
      this.#release();
    }
  }

  #release(): void {
    const next = this.#queue.shift();
    if (next) next.admit();
    else this.#active -= 1;
  }

  #failAll(operation: string, keys: readonly unknown[], reason: string): unknown[] {
    const error = new ProviderUnavailableError({ provider: this.provider, operation }, reason);
    return keys.map(() => error);
  }

  /** The healthy path: the first attempt without cockatiel; a failure goes on through it. */
  async #runClosed(operation: string, keys: readonly unknown[], load: Load, signal: AbortSignal): Promise<ReadonlyArray<unknown>> {
    this.#fastRuns += 1;
    const batch = new AbortController();
    // A listener object and a module function, not closures: named closures cost a defineProperty under tsx.
    const forward = new AbortForwarder(batch);
    signal.addEventListener('abort', forward);
    const timer = setTimeout(abortBatch, this.#timeoutMs, batch);
    let failure: unknown;
    try {
      const results = await load(batch.signal);
      if (!(results.length > 0 && results.every(isOutage))) {
        this.#counter.success(CircuitState.Closed);
        return results;
      }
      failure = new BatchOutage(results);
    } catch (error) {
      failure = error;
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', forward);
    }
    return this.#runPolicy(operation, keys, load, signal, { failure, signal: batch.signal });
  }

  /** Through cockatiel's retry → breaker → timeout; `first`, when given, is the outcome of the first attempt. */
  async #runPolicy(
    operation: string,
    keys: readonly unknown[],
    load: Load,
    signal: AbortSignal,
    first: { readonly failure: unknown; readonly signal: AbortSignal } | undefined,
  ): Promise<ReadonlyArray<unknown>> {
    const failure = { provider: this.provider, operation };
    let attemptSignal: AbortSignal | undefined;
    let replay = first;
    try {
      return await this.#policy.execute(async ({ signal: batchSignal }) => {
        if (replay) {
          attemptSignal = replay.signal;
          const { failure: replayed } = replay;
          replay = undefined;
          throw replayed;
        }
        attemptSignal = batchSignal;
        const results = await load(batchSignal);
        if (results.length > 0 && results.every(isOutage)) throw new BatchOutage(results);
        return results;
      }, signal);
    } catch (error) {
      if (error instanceof BatchOutage) return error.results;
      // A load that gave up because its batch signal aborted was cancelled (the client left) or timed out.
      // (cockatiel 3.2's isTaskCancelledError tests the bulkhead's marker, so the class is checked instead.)
      const aborted = error instanceof TaskCancelledError || attemptSignal?.aborted === true;
      const mapped = isBrokenCircuitError(error)
        ? new ProviderUnavailableError(failure, 'its circuit breaker is open')
        : aborted && signal.aborted
          ? new ProviderUnavailableError(failure, 'the request was cancelled')
          : aborted
            ? new ProviderTimeoutError(failure, this.#timeoutMs)
            : new ProviderUnavailableError(failure, 'the batch failed', { cause: error });
      return keys.map(() => mapped);
    }
  }
}
