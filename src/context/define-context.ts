import type { z } from 'zod';
import type { AccessRule } from '../auth/index.js';
import type { OperationRef } from '../providers/index.js';

/** Arguments of a context: a zod object whose fields are scalars, enums or lists of them. */
export type ArgsSchema = z.ZodObject;

/**
 * One way of serving a context: a provider operation, how to build its key from the
 * validated arguments, and how to turn its value into the context's output.
 */
export interface ContextSource<Args, Output> {
  readonly provider: string;
  readonly operation: string;
  readonly key: (args: Args) => unknown;
  readonly map: (value: unknown, args: Args) => Output;
  /**
   * True when the source has nothing fresher to say for this value: the next source is tried, and
   * that is not a fallback (e.g. Postgres answers a thread with writes not yet delivered to Zep).
   */
  readonly passOn?: (value: unknown) => boolean;
  /**
   * Time budget for this source before the next one is tried.
   * @default the store's `providerTimeoutMs`
   */
  readonly timeoutMs?: number;
}

export interface SourceOptions<Args, Output, K, V> {
  readonly key: (args: Args) => K;
  /**
   * Turns the operation's value into the context output; not called for `null` (data absent).
   * @default identity
   */
  readonly map?: (value: NonNullable<V>, args: Args) => Output;
  /** The operation's value means "ask the next source" (not a failure, not a fallback). */
  readonly passOn?: (value: V) => boolean;
  readonly timeoutMs?: number;
}

/** `from`, bound to one definition's argument and output types. */
export type SourceFactory<Args, Output> = <K, V>(
  ref: OperationRef<K, V>,
  options: SourceOptions<Args, Output, K, V>,
) => ContextSource<Args, Output>;

/** Builds a typed source from an operation reference. */
export function from<Args, Output, K, V>(
  ref: OperationRef<K, V>,
  options: SourceOptions<Args, Output, K, V>,
): ContextSource<Args, Output> {
  const map = options.map ?? ((value: NonNullable<V>) => value as unknown as Output);
  return {
    provider: ref.provider,
    operation: ref.operation,
    key: options.key,
    map: map as (value: unknown, args: Args) => Output,
    ...(options.passOn === undefined ? {} : { passOn: options.passOn as (value: unknown) => boolean }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
}

export interface CachePolicy {
  /** How long a value is served from the cross-request cache. */
  readonly ttlSeconds: number;
  /**
   * How long past its TTL a cached value may still be served when every source fails.
   * @default 0
   */
  readonly staleIfErrorSeconds?: number;
  /**
   * Who shares an entry. Keys always carry the verified tenant, and access rules are checked before
   * the cache is read, so `tenant` (one entry per tenant and arguments) is safe for values that depend
   * only on the arguments; `subject` keeps one entry per caller, for values that depend on who asks.
   * @default 'tenant'
   */
  readonly scope?: 'tenant' | 'subject';
}

export interface ContextDefinitionInput<A extends ArgsSchema, O extends z.ZodType> {
  /** camelCase, GraphQL-safe and unique: becomes `Query.<name>` and `/api/v1/context/<name>`. */
  readonly name: string;
  readonly description: string;
  readonly args: A;
  /** A zod object, or an array of objects; `.nullable()` when the context may be absent. */
  readonly output: O;
  /**
   * Primary first, then fallbacks, tried in order. Receives `from`, typed for this
   * definition's arguments and output: `sources: (from) => [from(ref, { key, map })]`.
   */
  readonly sources: (from: SourceFactory<z.output<A>, z.output<O>>) => ReadonlyArray<ContextSource<z.output<A>, z.output<O>>>;
  readonly cache?: CachePolicy;
  /**
   * Who may read this context (required: a definition without a rule is refused at start-up).
   * E.g. `{ owner: (args) => args.userId }`, or `'public'` for every principal of a tenant.
   */
  readonly access: AccessRule<z.output<A>>;
  /** GraphQL name of the output object type. @default PascalCase(name) */
  readonly typeName?: string;
}

/**
 * A registered context definition with its types erased, as the store and compilers see it. The
 * type parameters only remember the arguments and output for typed uses (bundle parts).
 */
export interface ContextDefinition<Args = unknown, Output = unknown> {
  /** @internal phantom: never set. */
  readonly '~types'?: { readonly args: Args; readonly output: Output };
  readonly name: string;
  readonly description: string;
  readonly args: ArgsSchema;
  readonly output: z.ZodType;
  readonly sources: ReadonlyArray<ContextSource<unknown, unknown>>;
  readonly cache: CachePolicy | undefined;
  readonly access: AccessRule<unknown> | undefined;
  readonly typeName: string | undefined;
}

/**
 * Declares a context in code. Types flow from the zod schemas to the sources' `key` and `map`.
 * Validation of the whole definition happens when it is added to a `ContextRegistry`.
 */
export function defineContext<A extends ArgsSchema, O extends z.ZodType>(
  input: ContextDefinitionInput<A, O>,
): ContextDefinition<z.input<A>, z.output<O>> {
  return {
    name: input.name,
    description: input.description,
    args: input.args,
    output: input.output,
    sources: input.sources(from) as unknown as ReadonlyArray<ContextSource<unknown, unknown>>,
    cache: input.cache,
    access: input.access as AccessRule<unknown>,
    typeName: input.typeName,
  };
}
