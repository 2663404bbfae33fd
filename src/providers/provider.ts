import type { BatchContext } from './operation.js';
import type { ProviderStats } from './provider-stats.js';

export interface ProviderHealth {
  readonly provider: string;
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly detail?: string;
}

/** What the store needs from a provider: implemented once, by `ProviderRuntime`, for every provider definition. */
export interface Provider {
  readonly name: string;
  hasOperation(operation: string): boolean;
  /** Loads one batch under the batch contract; failed keys carry an `EngramError`; rejects only once the batch's signal aborted. */
  load(operation: string, keys: readonly unknown[], context: BatchContext): Promise<ReadonlyArray<unknown>>;
  keyId(operation: string, key: unknown): string;
  /** The key id function of an operation, for a loader to call without looking the operation up per key. */
  keyIdOf(operation: string): (key: unknown) => string;
  maxBatchSize(operation: string): number;
  stats(): ProviderStats;
  health(): Promise<ProviderHealth>;
  close(): Promise<void>;
}
