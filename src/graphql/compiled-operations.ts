import { getOperationAST, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { compileQuery, isCompiledQuery } from 'graphql-jit';
import type { Plugin } from 'graphql-yoga';
import type { LRUCache } from 'lru-cache';
import { byteBoundedLru, stringBytes } from '../cache/index.js';

export interface CompiledOperationsOptions {
  /**
   * Bound on the estimated bytes of compiled documents (least recently used evicted first).
   * @default 16777216 (16 MiB)
   */
  readonly maxBytes?: number;
  /**
   * Executions through the full pipeline before a document is compiled: compiling costs more than
   * one execution, so a document sent once is never compiled.
   * @default 2
   */
  readonly compileAfter?: number;
}

/** Executes a compiled document: the same result `execute` gives, without re-walking the AST. */
export type CompiledExecution = (context: unknown, variables: Readonly<Record<string, unknown>> | null | undefined) => Promise<ExecutionResult> | ExecutionResult;


// Compiled code and closures measured at a few times the document's text; a floor for tiny ones.
const BYTES_PER_CHAR = 8;
const BYTES_PER_DOCUMENT = 16 * 1024;

/** Introspection is left to graphql-js: it is rare and GraphiQL's schema view depends on it. */
const INTROSPECTION = /\b__(schema|type)\b/;

/**
 * The key of an operation: its name and its text. Two operations of one document are two entries.
 * @internal
 */
export function operationKey(text: string, operationName: string | null | undefined): string {
  return operationName ? `${operationName}\n${text}` : text;
}

/**
 * Documents compiled with graphql-jit once the full pipeline has executed them a few times. Only
 * documents that yoga parsed, validated (limits included) and executed get here, and only query
 * operations: a mutation, subscription or invalid document is never compiled, so it always meets
 * the full pipeline and its exact answer.
 */
export class CompiledOperations {
  readonly #schema: GraphQLSchema;
  readonly #compiled: LRUCache<string, CompiledExecution>;
  readonly #seen: LRUCache<string, number>;
  readonly #compileAfter: number;

  constructor(schema: GraphQLSchema, options: CompiledOperationsOptions = {}) {
    this.#schema = schema;
    const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
    this.#compileAfter = Math.max(1, options.compileAfter ?? 2);
    this.#compiled = byteBoundedLru<string, CompiledExecution>({ maxBytes, sizeOf: (_run, key) => BYTES_PER_DOCUMENT + BYTES_PER_CHAR * key.length });
    this.#seen = byteBoundedLru<string, number>({ maxBytes: maxBytes / 4, sizeOf: (_count, key) => 64 + stringBytes(key) });
  }

  /** The compiled execution of an operation seen before, if any. */
  get(key: string): CompiledExecution | undefined {
    return this.#compiled.get(key);
  }

  /** Documents compiled and kept. */
  get size(): number {
    return this.#compiled.size;
  }

  /** Notes one execution of a validated document by the full pipeline; compiles it when it is due. */
  executed(key: string, document: DocumentNode, operationName: string | null | undefined): void {
    if (this.#compiled.has(key)) return;
    const count = (this.#seen.get(key) ?? 0) + 1;
    if (count < this.#compileAfter) {
      this.#seen.set(key, count);
      return;
    }
    this.#seen.delete(key);
    if (getOperationAST(document, operationName)?.operation !== 'query' || INTROSPECTION.test(key)) return;
    const compiled = compileQuery(this.#schema, document, operationName ?? undefined);
    // A document graphql-jit cannot compile keeps going through graphql-js.
    if (!isCompiledQuery(compiled)) return;
    this.#compiled.set(key, (context, variables) => compiled.query(undefined, context, variables ?? {}));
  }
}

/** What the HTTP layer puts in yoga's server context for a request whose document may be compiled. */
export interface CompileSlot {
  /** `operationKey` of the request's document. */
  readonly compileKey?: string;
}

/** Tells `CompiledOperations` about every execution of a document the HTTP layer may compile. */
export function useCompiledOperations(operations: CompiledOperations): Plugin {
  return {
    onExecute({ args }) {
      const key = (args.contextValue as CompileSlot).compileKey;
      if (typeof key === 'string') operations.executed(key, args.document, args.operationName);
    },
  };
}
