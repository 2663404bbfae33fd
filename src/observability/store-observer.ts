import type { ErrorCode } from '../errors/index.js';

/** A provider's circuit breaker, as the store reports it. */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

/** One provider batch as the store saw it, after policies. */
export interface BatchEvent {
  readonly provider: string;
  readonly operation: string;
  readonly keys: number;
  readonly latencyMs: number;
  /** Error code of each failed key. */
  readonly errors: readonly ErrorCode[];
}

/**
 * What the store reports for metrics and tracing. Every method is called on the hot path and
 * must be cheap; the default observer does nothing.
 */
export interface StoreObserver {
  batch(event: BatchEvent): void;
  cache(context: string, outcome: 'hit' | 'miss' | 'stale'): void;
  fallback(context: string, from: string, reason: ErrorCode): void;
  breaker(provider: string, state: BreakerState): void;
}

export const noopObserver: StoreObserver = {
  batch: () => {},
  cache: () => {},
  fallback: () => {},
  breaker: () => {},
};
