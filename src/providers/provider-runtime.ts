import { ContractViolationError, EngramError, errorMessage, ProviderError, ProviderUnavailableError } from '../errors/index.js';
import type { OperationSpec, ProviderDefinition, ProviderHealthReport } from './define-provider.js';
import type { BatchContext } from './operation.js';
import type { Provider, ProviderHealth } from './provider.js';
import { ProviderStatsRecorder, type ProviderStats } from './provider-stats.js';

/** Where the runtime reports failures; a pino logger fits. */
export interface ProviderLogger {
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

export interface ProviderRuntimeOptions {
  /** @default no logging */
  readonly logger?: ProviderLogger;
  /**
   * Failures of one operation with one code are logged at most once per this window (with how many
   * were left out), so an outage does not flood the log.
   * @default 10000
   */
  readonly failureLogIntervalMs?: number;
}

type AnySpec = OperationSpec<unknown, unknown>;

// Connection-level failures: the service is down or unreachable, not a bad request.
const UNREACHABLE = /ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EPIPE|socket hang up|fetch failed/i;

function defaultMapError(provider: string) {
  return (error: unknown, operation: string): EngramError => {
    const failure = { provider, operation };
    const text = error instanceof Error ? `${(error as { code?: unknown }).code ?? ''} ${error.message}` : String(error);
    return UNREACHABLE.test(text)
      ? new ProviderUnavailableError(failure, 'it is unreachable', { cause: error })
      : new ProviderError(failure, 'the operation failed', { cause: error });
  };
}

/** Strings and numbers are their own id; anything else is JSON with object keys sorted. */
export function defaultKeyId(key: unknown): string {
  if (typeof key === 'string') return key;
  if (typeof key === 'number' || typeof key === 'boolean') return `${typeof key}:${key}`;
  return JSON.stringify(key, (_name, value: unknown) =>
    value !== null && typeof value === 'object' && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : value,
  );
}

interface CompiledOperation {
  readonly spec: AnySpec;
  readonly keyId: (key: unknown) => string;
  readonly maxBatchSize: number;
}

/**
 * The chores every provider shares, owned once (as Kysely's `RuntimeDriver` owns them for a
 * dialect): the batch contract, error mapping, counting and failure logs. A provider definition
 * only says how to load a batch.
 *
 * @internal built by `createEngram` for each provider definition.
 */
export class ProviderRuntime implements Provider {
  readonly name: string;
  readonly #definition: ProviderDefinition;
  readonly #operations: ReadonlyMap<string, CompiledOperation>;
  readonly #mapError: (error: unknown, operation: string) => EngramError;
  readonly #stats: ProviderStatsRecorder;
  readonly #logger: ProviderLogger | undefined;
  readonly #logIntervalMs: number;
  readonly #lastLogged = new Map<string, { at: number; suppressed: number }>();
  readonly #countCall: () => void;

  constructor(definition: ProviderDefinition, options: ProviderRuntimeOptions = {}) {
    this.name = definition.name;
    this.#definition = definition;
    this.#stats = new ProviderStatsRecorder(definition.name);
    this.#countCall = () => this.#stats.recordCall();
    this.#logger = options.logger;
    this.#logIntervalMs = options.failureLogIntervalMs ?? 10_000;
    const mapError = definition.spec.mapError ?? defaultMapError(definition.name);
    this.#mapError = (error, operation) => {
      if (error instanceof EngramError) return error;
      const mapped: unknown = mapError(error, operation);
      return mapped instanceof EngramError ? mapped : new ProviderError({ provider: this.name, operation }, 'the operation failed', { cause: error });
    };
    this.#operations = new Map(
      Object.entries(definition.spec.operations).map(([name, spec]) => {
        const operation = spec as AnySpec;
        return [name, { spec: operation, keyId: operation.keyId ?? defaultKeyId, maxBatchSize: operation.maxBatchSize ?? 100 }];
      }),
    );
  }

  hasOperation(operation: string): boolean {
    return this.#operations.has(operation);
  }

  keyId(operation: string, key: unknown): string {
    return this.#operation(operation).keyId(key);
  }

  keyIdOf(operation: string): (key: unknown) => string {
    return this.#operation(operation).keyId;
  }

  maxBatchSize(operation: string): number {
    return this.#operation(operation).maxBatchSize;
  }

  /**
   * Loads one batch. A failed key carries a typed error in its slot; a thrown failure fills every
   * slot. It rejects only when the batch's signal has aborted (the policy then answers
   * `PROVIDER_TIMEOUT` or a cancellation). A result list of the wrong length breaks the contract: every slot gets a
   * `ContractViolationError` (no fallback hides the bug) and the violation is logged.
   */
  async load(operation: string, keys: readonly unknown[], context: BatchContext): Promise<ReadonlyArray<unknown>> {
    const op = this.#operation(operation);
    const started = performance.now();
    let results: unknown[];
    try {
      const loaded = await op.spec.load(keys, { signal: context.signal, tenant: context.tenant, countCall: this.#countCall });
      if (!Array.isArray(loaded) || loaded.length !== keys.length) {
        const violation = new ContractViolationError(this.name, operation, keys.length, Array.isArray(loaded) ? loaded.length : undefined);
        this.#logger?.error({ provider: this.name, operation, requestId: context.requestId, keys: keys.length, results: Array.isArray(loaded) ? loaded.length : typeof loaded }, violation.message);
        results = keys.map(() => violation);
      } else {
        results = loaded.map((r) => (r instanceof Error ? this.#mapError(r, operation) : r));
      }
    } catch (error) {
      // Given up on by its batch (timeout, or the client left): the policy decides which, not mapError.
      if (context.signal.aborted) throw error;
      const mapped = this.#mapError(error, operation);
      results = keys.map(() => mapped);
    }
    let errors = 0;
    for (const r of results) {
      if (r instanceof EngramError) {
        errors += 1;
        this.#logFailure(operation, r, context.requestId);
      }
    }
    this.#stats.recordBatch(operation, keys.length, errors, performance.now() - started);
    return results;
  }

  stats(): ProviderStats {
    return this.#stats.snapshot();
  }

  async health(): Promise<ProviderHealth> {
    const started = performance.now();
    let report: ProviderHealthReport;
    try {
      report = (await this.#definition.spec.health?.()) ?? { ok: true };
    } catch (error) {
      report = { ok: false, detail: errorMessage(error) };
    }
    return { provider: this.name, ok: report.ok, latencyMs: performance.now() - started, ...(report.detail ? { detail: report.detail } : {}) };
  }

  async close(): Promise<void> {
    await this.#definition.spec.close?.();
  }

  /** One log line per operation and code per window; the next one says how many were left out. */
  #logFailure(operation: string, error: EngramError, requestId: string | undefined): void {
    if (!this.#logger || error instanceof ContractViolationError) return;
    const id = `${operation}|${error.code}`;
    const now = performance.now();
    const last = this.#lastLogged.get(id);
    if (last && now - last.at < this.#logIntervalMs) {
      last.suppressed += 1;
      return;
    }
    this.#lastLogged.set(id, { at: now, suppressed: 0 });
    const cause = error.cause instanceof Error ? error.cause.message : undefined;
    this.#logger.warn(
      { provider: this.name, operation, code: error.code, requestId, ...(cause ? { cause } : {}), ...(last?.suppressed ? { suppressed: last.suppressed } : {}) },
      error.message,
    );
  }

  #operation(operation: string): CompiledOperation {
    const op = this.#operations.get(operation);
    if (!op) throw new Error(`Provider "${this.name}" has no operation "${operation}".`);
    return op;
  }
}
