import { EngramError } from '../errors/index.js';
import type { BatchContext, OperationRef, ProviderOperation } from './operation.js';
import { ProviderStatsRecorder, type ProviderStats } from './provider-stats.js';

export interface ProviderHealth {
  readonly provider: string;
  readonly ok: boolean;
  readonly latencyMs: number;
  readonly detail?: string;
}

/** What the store needs from a provider. */
export interface Provider {
  readonly name: string;
  hasOperation(operation: string): boolean;
  /** Loads one batch under the batch contract; never rejects, failed keys carry an `EngramError`. */
  load(operation: string, keys: readonly unknown[], context: BatchContext): Promise<ReadonlyArray<unknown>>;
  keyId(operation: string, key: unknown): string;
  maxBatchSize(operation: string): number;
  stats(): ProviderStats;
  health(): Promise<ProviderHealth>;
  close(): Promise<void>;
}

type AnyOperation = ProviderOperation<unknown, unknown>;

/**
 * Shared mechanics of providers: operation table, batch-contract enforcement, error mapping
 * and stats. Subclasses register operations and say how their errors map to Engram codes.
 */
export abstract class BaseProvider implements Provider {
  readonly name: string;
  protected readonly statsRecorder: ProviderStatsRecorder;
  readonly #operations = new Map<string, AnyOperation>();

  constructor(name: string) {
    this.name = name;
    this.statsRecorder = new ProviderStatsRecorder(name);
  }

  /** Maps any failure of an operation to a client-safe, typed error. */
  protected abstract toEngramError(error: unknown, operation: string): EngramError;

  abstract health(): Promise<ProviderHealth>;

  async close(): Promise<void> {}

  protected register<K, V>(ref: OperationRef<K, V>, operation: ProviderOperation<K, V>): void {
    if (ref.provider !== this.name) {
      throw new Error(`Operation ${ref.provider}.${ref.operation} registered on provider "${this.name}".`);
    }
    this.#operations.set(ref.operation, operation as unknown as AnyOperation);
  }

  hasOperation(operation: string): boolean {
    return this.#operations.has(operation);
  }

  keyId(operation: string, key: unknown): string {
    return this.#operation(operation).keyId(key);
  }

  maxBatchSize(operation: string): number {
    return this.#operation(operation).maxBatchSize ?? 100;
  }

  async load(operation: string, keys: readonly unknown[], context: BatchContext): Promise<ReadonlyArray<unknown>> {
    const op = this.#operation(operation);
    const started = performance.now();
    let results: unknown[];
    try {
      const loaded = await op.load(keys, { signal: context.signal, tenant: context.tenant, countCall: () => this.statsRecorder.recordCall() });
      if (loaded.length !== keys.length) {
        throw new Error(`${this.name}.${operation} returned ${loaded.length} results for ${keys.length} keys`);
      }
      // An EngramError in a slot is already typed and client-safe (e.g. a key the provider refused).
      results = loaded.map((r) => (r instanceof EngramError ? r : r instanceof Error ? this.toEngramError(r, operation) : r));
    } catch (error) {
      const mapped = this.toEngramError(error, operation);
      results = keys.map(() => mapped);
    }
    const errors = results.reduce<number>((n, r) => (r instanceof Error ? n + 1 : n), 0);
    this.statsRecorder.recordBatch(operation, keys.length, errors, performance.now() - started);
    return results;
  }

  stats(): ProviderStats {
    return this.statsRecorder.snapshot();
  }

  #operation(operation: string): AnyOperation {
    const op = this.#operations.get(operation);
    if (!op) throw new Error(`Provider "${this.name}" has no operation "${operation}".`);
    return op;
  }
}
