import type { DocumentNode, GraphQLError } from 'graphql';
import { byteBoundedLru, stringBytes } from '../cache/index.js';

export interface DocumentCachesOptions {
  /**
   * Bound on the estimated bytes of parsed documents kept for reuse (keyed by their text); parse
   * errors get an eighth of it on top. A document over 1/8 of the bound is parsed but not kept.
   * @default 33554432 (32 MiB)
   */
  readonly maxBytes?: number;
}

/** yoga's `parserAndValidationCache`, bounded by bytes, and what it holds. */
export interface DocumentCaches {
  readonly documentCache: { get(key: string): DocumentNode | undefined; set(key: string, value: DocumentNode): void };
  readonly errorCache: { get(key: string): unknown; set(key: string, value: unknown): void };
  /** Validation results are kept per parsed document (a WeakMap in yoga), so they go with it. */
  readonly validationCache: true;
  /** Estimated bytes held by both caches. */
  readonly bytes: () => number;
}

// Measured with graphql 16: a parsed document costs about 300–500 bytes per lexer token (tokens
// stay linked from every node's location), and long literals and comments are copied once.
const BYTES_PER_TOKEN = 512;

function tokenCount(document: DocumentNode): number {
  let count = 0;
  for (let token = document.loc?.startToken ?? null; token; token = token.next) count += 1;
  return count;
}

/** Estimated heap of a cached document: its text (and copies of its literals) plus its tokens. */
export function estimateDocumentBytes(text: string, document: DocumentNode): number {
  return stringBytes(text) + BYTES_PER_TOKEN * tokenCount(document);
}

/**
 * Parse and validation caches for yoga, bounded by bytes instead of yoga's 1024 entries: with
 * 200 KB documents, 1024 entries are hundreds of megabytes.
 */
export function createDocumentCaches(options: DocumentCachesOptions = {}): DocumentCaches {
  const maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
  const documents = byteBoundedLru<string, DocumentNode>({ maxBytes, sizeOf: (document, text) => estimateDocumentBytes(text, document) });
  const errors = byteBoundedLru<string, GraphQLError>({ maxBytes: maxBytes / 8, sizeOf: (_error, text) => stringBytes(text) + 1024 });
  return {
    documentCache: documents,
    errorCache: {
      get: (key) => errors.get(key),
      set: (key, value) => {
        if (value instanceof Error) errors.set(key, value as GraphQLError);
      },
    },
    validationCache: true,
    bytes: () => documents.calculatedSize + errors.calculatedSize,
  };
}
