/** What the store passes with every batch. */
export interface BatchContext {
  /** Aborted when the batch's time budget is spent or the client went away. */
  readonly signal: AbortSignal;
  /**
   * The verified tenant of the request the batch serves. A provider must never answer a key from
   * another tenant's data: every statement filters by it, every remote id is namespaced by it.
   */
  readonly tenant: string;
  /** The request the batch serves (loaders are per request), for failure logs. */
  readonly requestId?: string;
}

/** What an operation's `load` receives: the batch's signal and tenant, and a call counter. */
export interface OperationContext {
  readonly signal: AbortSignal;
  readonly tenant: string;
  /** Counts one remote call (an SQL statement, an HTTP call) in the provider's stats and metrics. */
  countCall(): void;
}

/**
 * A typed, connection-free reference to a provider operation. Context definitions name their
 * sources with these, so that definitions can be declared (and the schema compiled) before any
 * provider is connected.
 */
export interface OperationRef<K, V> {
  readonly provider: string;
  readonly operation: string;
  /** Phantom field carrying the key and value types; never set at run time. */
  readonly __types?: (key: K) => V;
}

export function operationRef<K, V>(provider: string, operation: string): OperationRef<K, V> {
  return { provider, operation };
}

/** `provider.operation`, the id used in stats, provenance and loader maps. */
export function operationId(ref: { readonly provider: string; readonly operation: string }): string {
  return `${ref.provider}.${ref.operation}`;
}
