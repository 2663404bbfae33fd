import type { EngramError } from '../errors/index.js';
import { operationRef, type OperationContext, type OperationRef } from './operation.js';

/**
 * One batched operation of a provider. The batch contract: `load` returns exactly one result per
 * key, in key order; a key that failed gets an `Error` in its slot and never fails its neighbours.
 */
export interface OperationSpec<K, V> {
  load(keys: readonly K[], context: OperationContext): Promise<ReadonlyArray<V | Error>>;
  /**
   * Identity of a key: keys with equal ids are loaded once per request.
   * @default the key itself for strings and numbers, else its JSON with sorted object keys
   */
  readonly keyId?: (key: K) => string;
  /**
   * Largest batch the operation accepts; larger ones are split.
   * @default 100
   */
  readonly maxBatchSize?: number;
}

/** What a provider reports about itself when asked (health checks, `/readyz`). */
export interface ProviderHealthReport {
  readonly ok: boolean;
  /** Why it is not ok; shown only to `engram:admin`. */
  readonly detail?: string;
}

/** A provider in one object: its name, its operations, and optionally how its failures map to codes. */
export interface ProviderSpec<O> {
  /** Unique among the providers of one Engram; sources name it (`postgres`, `zep`, `weather`). */
  readonly name: string;
  readonly operations: O;
  /**
   * Turns any failure of an operation (thrown, or an `Error` in a slot) into a client-safe typed
   * error. Return an `EngramError`; anything else is treated as `PROVIDER_ERROR`.
   * @default network-level failures are PROVIDER_UNAVAILABLE, others PROVIDER_ERROR
   */
  readonly mapError?: (error: unknown, operation: string) => EngramError;
  /** @default always ok */
  readonly health?: () => Promise<ProviderHealthReport>;
  /** Releases what the provider holds (pools, sockets). */
  readonly close?: () => Promise<void>;
}

// Loose bounds for the operation table; exact key and value types are recovered per operation.
type AnyOperationSpec = OperationSpec<never, unknown>;

/** The key type of an operation spec. */
export type SpecKey<S> = S extends { load(keys: readonly (infer K)[], context: OperationContext): unknown } ? K : never;
/** The value type of an operation spec (errors excluded). */
export type SpecValue<S> = S extends { load(keys: never, context: OperationContext): Promise<ReadonlyArray<infer R>> } ? Exclude<R, Error> : never;

/** A provider definition: the spec, plus typed references to its operations for `defineContext`. */
export interface ProviderDefinition<O extends Record<string, AnyOperationSpec> = Record<string, AnyOperationSpec>> {
  readonly name: string;
  /** `from(weather.ops.forecast, { key: … })` in a context's sources. */
  readonly ops: { readonly [N in keyof O]: OperationRef<SpecKey<O[N]>, SpecValue<O[N]>> };
  /** @internal read by the runtime wrapper */
  readonly spec: ProviderSpec<O>;
}

const NAME = /^[a-z][a-zA-Z0-9_-]{0,63}$/;

/**
 * Declares a provider in one file. The returned definition is what `createEngram({ providers })`
 * takes; its `ops` are connection-free references that context definitions use as sources.
 *
 * ```ts
 * export const weather = defineProvider({
 *   name: 'weather',
 *   operations: {
 *     forecast: { load: async (cities: readonly string[]) => fetchForecasts(cities) },
 *   },
 * });
 * ```
 * Batching, de-duplication, timeouts, retries, breaker, error mapping and counting come from Engram.
 */
export function defineProvider<const O extends Record<string, AnyOperationSpec>>(spec: ProviderSpec<O>): ProviderDefinition<O> {
  if (!NAME.test(spec.name)) throw new RangeError(`defineProvider: name must match ${NAME} (received ${JSON.stringify(spec.name)}).`);
  const names = Object.keys(spec.operations);
  if (names.length === 0) throw new RangeError(`defineProvider("${spec.name}"): operations must not be empty.`);
  for (const name of names) {
    const operation = spec.operations[name] as AnyOperationSpec;
    if (typeof operation.load !== 'function') throw new RangeError(`defineProvider("${spec.name}"): operation "${name}" has no load function.`);
    const max = operation.maxBatchSize;
    if (max !== undefined && !(Number.isInteger(max) && max >= 1)) {
      throw new RangeError(`defineProvider("${spec.name}"): operation "${name}" has maxBatchSize ${max}; expected an integer of at least 1.`);
    }
  }
  const ops = Object.fromEntries(names.map((name) => [name, operationRef(spec.name, name)]));
  return { name: spec.name, ops: ops as ProviderDefinition<O>['ops'], spec };
}
