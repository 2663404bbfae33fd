import { createHash } from 'node:crypto';
import { defaultExtractPersistedOperationId, usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { createGraphQLError, type GraphQLParams, type Plugin } from 'graphql-yoga';
import type { LRUCache } from 'lru-cache';
import { byteBoundedLru, stringBytes } from '../cache/index.js';
import { httpStatusByCode } from '../errors/index.js';

/** Trusted documents by id, as `npm run codegen` writes them: `{ "sha256:<hex>": "query …" }`. */
export type PersistedDocumentsManifest = Readonly<Record<string, string>>;

export interface PersistedDocumentsOptions {
  /**
   * Trusted documents, served by `documentId` (`sha256:<hex>` or bare `<hex>`) and by the APQ
   * extension (`extensions.persistedQuery.sha256Hash`). Every id must be the sha256 of its text.
   * @default {}
   */
  readonly manifest?: PersistedDocumentsManifest;
  /**
   * Execute only documents of the manifest: query text is rejected and nothing is registered.
   * @default false
   */
  readonly only?: boolean;
  /**
   * Most documents registered by Automatic Persisted Queries that are kept (in memory, least
   * recently used evicted first). Ignored when `only` is on.
   * @default 1000
   */
  readonly apqCacheSize?: number;
  /**
   * Bound on the bytes of the documents registered by Automatic Persisted Queries; a document
   * over 1/8 of it is executed but not kept (its client keeps sending the text).
   * @default 8388608 (8 MiB)
   */
  readonly apqCacheMaxBytes?: number;
}

/** The path where agents find the manifest. */
export const PERSISTED_DOCUMENTS_PATH = '/api/v1/persisted-documents.json';

/** Answered for an unknown id: the exact message APQ clients (Apollo, urql) retry on. */
export const PERSISTED_QUERY_NOT_FOUND_MESSAGE = 'PersistedQueryNotFound';

export const PERSISTED_ONLY_MESSAGE =
  'This server executes only persisted documents (PERSISTED_ONLY=true): send {"documentId": "sha256:<hash>"} ' +
  `with a hash from GET ${PERSISTED_DOCUMENTS_PATH} instead of query text.`;

export const MISSING_DOCUMENT_MESSAGE = 'Must provide a query string, a documentId or extensions.persistedQuery.sha256Hash.';

const SHA256_HEX = /^[0-9a-f]{64}$/;

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The hex digest a document id names: `sha256:<hex>` or a bare `<hex>`; anything else names nothing. */
function digestOf(documentId: string): string | undefined {
  const hex = documentId.startsWith('sha256:') ? documentId.slice('sha256:'.length) : documentId;
  return SHA256_HEX.test(hex) ? hex : undefined;
}

/** A received value for an error message: scalars as they are, structures by their type only. */
function describeReceived(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value !== null && typeof value === 'object') return 'an object';
  return String(value);
}

function apqHashOf(params: GraphQLParams): string | undefined {
  const persisted: unknown = params.extensions?.['persistedQuery'];
  if (!persisted || typeof persisted !== 'object') return undefined;
  const hash = (persisted as { sha256Hash?: unknown }).sha256Hash;
  return typeof hash === 'string' ? hash : undefined;
}

/**
 * Where persisted documents live: the trusted manifest (checked at start-up) and, unless
 * `only` is on, a bounded store of documents registered by Automatic Persisted Queries.
 */
export class PersistedDocumentStore {
  readonly only: boolean;
  readonly #trusted = new Map<string, string>();
  readonly #manifest: PersistedDocumentsManifest;
  readonly #registered: LRUCache<string, string> | undefined;

  constructor(options: PersistedDocumentsOptions = {}) {
    this.only = options.only ?? false;
    this.#manifest = Object.freeze({ ...(options.manifest ?? {}) });
    for (const [id, text] of Object.entries(this.#manifest)) {
      const digest = digestOf(id);
      if (!digest) throw new Error(`Persisted documents manifest: id "${id}" is not "sha256:" followed by 64 lower-case hex digits.`);
      const actual = sha256Hex(text);
      if (actual !== digest) {
        throw new Error(`Persisted documents manifest: id "${id}" is not the sha256 of its document (which is sha256:${actual}); run \`npm run codegen\`.`);
      }
      this.#trusted.set(digest, text);
    }
    this.#registered = this.only
      ? undefined
      : byteBoundedLru<string, string>({
          maxBytes: options.apqCacheMaxBytes ?? 8 * 1024 * 1024,
          maxEntries: options.apqCacheSize ?? 1000,
          sizeOf: (text, digest) => stringBytes(text) + stringBytes(digest),
        });
  }

  /** The trusted manifest, as agents download it. */
  get manifest(): PersistedDocumentsManifest {
    return this.#manifest;
  }

  /** How many documents Automatic Persisted Queries registered (and still keeps). */
  get registeredCount(): number {
    return this.#registered?.size ?? 0;
  }

  /** Bytes of the registered documents; at most `apqCacheMaxBytes`. */
  get registeredBytes(): number {
    return this.#registered?.calculatedSize ?? 0;
  }

  /** The document text an id names, from the manifest first, then from APQ registrations. */
  get(documentId: string): string | undefined {
    const digest = digestOf(documentId);
    if (!digest) return undefined;
    return this.#trusted.get(digest) ?? this.#registered?.get(digest);
  }

  /**
   * Keeps an APQ document; the caller has checked that `hash` is the sha256 of `query`. Returns
   * whether it is kept (a document too large for the store is not).
   */
  register(hash: string, query: string): boolean {
    if (!this.#registered || this.#trusted.has(hash)) return false;
    this.#registered.set(hash, query);
    return this.#registered.has(hash);
  }
}

/**
 * Persisted documents over GraphQL-over-HTTP (`documentId`, POST body or GET parameter) and
 * Automatic Persisted Queries (`extensions.persistedQuery`), on top of yoga's
 * `usePersistedOperations`. Registration happens only for a query whose sha256 matches the
 * announced hash and that validates against the schema.
 */
export function usePersistedDocuments(store: PersistedDocumentStore): Plugin[] {
  const pending = new WeakMap<Request, { hash: string; query: string }>();
  const requestError = (message: string, code: string, status: number) =>
    createGraphQLError(message, { extensions: { code, http: { spec: true, status } } });

  const registration: Plugin = {
    onParams({ params, request }) {
      const hash = apqHashOf(params);
      if (store.only || !params.query || hash === undefined) return;
      const actual = sha256Hex(params.query);
      if (actual !== hash) {
        throw requestError(
          `extensions.persistedQuery.sha256Hash must be the sha256 of the query: expected "${actual}", received "${hash}".`,
          'PERSISTED_QUERY_HASH_MISMATCH',
          400,
        );
      }
      pending.set(request, { hash, query: params.query });
    },
    onValidate({ context }) {
      const request = (context as { request?: Request }).request;
      const registering = request ? pending.get(request) : undefined;
      if (!registering) return undefined;
      return ({ valid }) => {
        if (valid) store.register(registering.hash, registering.query);
      };
    },
  };

  const persisted = usePersistedOperations({
    allowArbitraryOperations: !store.only,
    extractPersistedOperationId: (params, request, context) => {
      const documentId: unknown =
        (params as GraphQLParams & { documentId?: unknown }).documentId ??
        (request.method === 'GET' ? new URL(request.url).searchParams.get('documentId') : null);
      if (typeof documentId === 'string' && documentId !== '') return documentId;
      if (documentId !== null && documentId !== undefined && documentId !== '') {
        // A structure is named by its type, never serialized: it can be nested thousands deep.
        throw requestError(`documentId must be a string, received ${describeReceived(documentId)}.`, 'BAD_REQUEST', 400);
      }
      return defaultExtractPersistedOperationId(params, request, context);
    },
    getPersistedOperation: (documentId) => store.get(documentId) ?? null,
    customErrors: {
      notFound: () =>
        requestError(PERSISTED_QUERY_NOT_FOUND_MESSAGE, 'PERSISTED_QUERY_NOT_FOUND', httpStatusByCode.PERSISTED_QUERY_NOT_FOUND),
      persistedQueryOnly: () => requestError(PERSISTED_ONLY_MESSAGE, 'PERSISTED_QUERY_ONLY', httpStatusByCode.PERSISTED_QUERY_ONLY),
      keyNotFound: () =>
        store.only
          ? requestError(PERSISTED_ONLY_MESSAGE, 'PERSISTED_QUERY_ONLY', httpStatusByCode.PERSISTED_QUERY_ONLY)
          : requestError(MISSING_DOCUMENT_MESSAGE, 'BAD_REQUEST', 400),
    },
  });

  // Registration must see the request before usePersistedOperations replaces its params.
  return [registration, persisted as Plugin];
}
