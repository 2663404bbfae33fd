import {
  bulkhead,
  circuitBreaker,
  CircuitState,
  ConsecutiveBreaker,
  DelegateBackoff,
  handleType,
  isBrokenCircuitError,
  isBulkheadRejectedError,
  retry,
  SamplingBreaker,
  TaskCancelledError,
  timeout,
  TimeoutStrategy,
  wrap,
  type CircuitBreakerPolicy,
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

/**
 * Resilience of one provider, shared by all requests: bulkhead → retry → circuit breaker →
 * timeout (cockatiel). A batch counts as failed only when *every* key failed as unavailable or
 * timed out; a provider that answers some keys is up. While the breaker is open, batches fail at
 * once with `PROVIDER_UNAVAILABLE`, so the store moves to the fallback source without waiting.
 */
export class ProviderPolicy {
  readonly provider: string;
  readonly #breaker: CircuitBreakerPolicy;
  readonly #policy: IPolicy;
  readonly #timeoutMs: number;

  constructor(provider: string, options: ProviderPolicyOptions = {}) {
    this.provider = provider;
    this.#timeoutMs = options.timeoutMs ?? 5000;
    const b = options.breaker ?? {};
    this.#breaker = circuitBreaker(handleType(BatchOutage), {
      halfOpenAfter: b.halfOpenAfterMs ?? 5000,
      breaker: b.failureRatio === undefined
        ? new ConsecutiveBreaker(b.consecutiveFailures ?? 5)
        : new SamplingBreaker({ threshold: b.failureRatio, duration: b.samplingWindowMs ?? 10_000, minimumRps: b.minimumRps ?? 5 }),
    });
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
    const bh = bulkhead(options.bulkhead?.limit ?? 64, options.bulkhead?.queue ?? 1024);
    this.#policy = wrap(bh, retryPolicy, this.#breaker, timeout(this.#timeoutMs, { strategy: TimeoutStrategy.Cooperative, abortOnReturn: false }));
  }

  get breakerState(): BreakerState {
    return STATES[this.#breaker.state];
  }

  /** Subscribes to breaker transitions (for metrics and logs). */
  onBreakerChange(listener: (state: BreakerState) => void): void {
    this.#breaker.onStateChange((state) => listener(STATES[state]));
  }

  /**
   * Runs one batch under the policy and always resolves with one result per key
   * (values or `EngramError`s), never rejects.
   */
  async run(
    operation: string,
    keys: readonly unknown[],
    load: (signal: AbortSignal) => Promise<ReadonlyArray<unknown>>,
    signal: AbortSignal,
  ): Promise<ReadonlyArray<unknown>> {
    const failure = { provider: this.provider, operation };
    let attemptSignal: AbortSignal | undefined;
    try {
      return await this.#policy.execute(async ({ signal: batchSignal }) => {
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
        : isBulkheadRejectedError(error)
          ? new ProviderUnavailableError(failure, 'too many requests are in flight')
          : aborted && signal.aborted
            ? new ProviderUnavailableError(failure, 'the request was cancelled')
            : aborted
              ? new ProviderTimeoutError(failure, this.#timeoutMs)
              : new ProviderUnavailableError(failure, 'the batch failed', { cause: error });
      return keys.map(() => mapped);
    }
  }
}
