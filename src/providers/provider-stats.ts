export interface OperationStats {
  readonly operation: string;
  /** Batches issued (one provider round trip each for Postgres). */
  readonly batches: number;
  /** Keys requested over all batches. */
  readonly keys: number;
  /** Keys whose result was an error. */
  readonly errors: number;
  readonly totalLatencyMs: number;
  readonly maxLatencyMs: number;
}

export interface ProviderStats {
  readonly provider: string;
  readonly batches: number;
  readonly keys: number;
  readonly errors: number;
  /** Remote calls made: SQL statements for Postgres, HTTP calls for Zep. */
  readonly calls: number;
  readonly operations: readonly OperationStats[];
}

interface MutableOperationStats {
  batches: number;
  keys: number;
  errors: number;
  totalLatencyMs: number;
  maxLatencyMs: number;
}

/** Counters of one provider; cheap enough for the hot path (plain number increments). */
export class ProviderStatsRecorder {
  readonly #provider: string;
  readonly #operations = new Map<string, MutableOperationStats>();
  #calls = 0;

  constructor(provider: string) {
    this.#provider = provider;
  }

  recordBatch(operation: string, keys: number, errors: number, latencyMs: number): void {
    let entry = this.#operations.get(operation);
    if (!entry) {
      entry = { batches: 0, keys: 0, errors: 0, totalLatencyMs: 0, maxLatencyMs: 0 };
      this.#operations.set(operation, entry);
    }
    entry.batches += 1;
    entry.keys += keys;
    entry.errors += errors;
    entry.totalLatencyMs += latencyMs;
    if (latencyMs > entry.maxLatencyMs) entry.maxLatencyMs = latencyMs;
  }

  recordCall(): void {
    this.#calls += 1;
  }

  snapshot(): ProviderStats {
    const operations = [...this.#operations].map(([operation, s]) => ({ operation, ...s }));
    return {
      provider: this.#provider,
      batches: operations.reduce((n, o) => n + o.batches, 0),
      keys: operations.reduce((n, o) => n + o.keys, 0),
      errors: operations.reduce((n, o) => n + o.errors, 0),
      calls: this.#calls,
      operations,
    };
  }
}
