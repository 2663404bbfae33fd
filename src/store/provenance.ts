import type { ErrorCode } from '../errors/index.js';

/** One source tried for a context, in order. */
export interface SourceAttempt {
  readonly provider: string;
  readonly operation: string;
  /** Set when this source failed. */
  readonly error?: ErrorCode;
}

/** Where a context value came from: reported in `extensions.contexts` and REST `meta`. */
export interface Provenance {
  readonly context: string;
  /** Provider that answered; `null` when every source failed. */
  readonly provider: string | null;
  readonly operation: string | null;
  /** True when a source other than the primary answered. */
  readonly fallback: boolean;
  /** Error code of the primary source when `fallback` is true. */
  readonly fallbackReason?: ErrorCode;
  /** Served from the cross-request cache. */
  readonly cached: boolean;
  /** A cached value past its TTL, served because every source failed. */
  readonly stale: boolean;
  readonly latencyMs: number;
  /** Age of a cached value, in ms. */
  readonly ageMs?: number;
  /** The sources tried, in order; present only when one failed (fallback, stale or error). */
  readonly attempts?: readonly SourceAttempt[];
  /** Code of the error the context failed with, if it failed. */
  readonly error?: ErrorCode;
}
