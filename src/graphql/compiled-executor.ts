import type { ExecutionResult, GraphQLError } from 'graphql';
import type { Principal } from '../auth/index.js';
import type { VirtualStore } from '../store/index.js';
import { operationKey, type CompiledOperations, type CompileSlot } from './compiled-operations.js';
import type { GraphQLContext } from './graphql-context.js';
import { maskError } from './mask-error.js';
import type { PersistedDocumentStore } from './persisted-documents.js';

/** A POST request as the HTTP layer received it (body already parsed). */
export interface CompiledRequest {
  readonly body: unknown;
  readonly accept: string | undefined;
  readonly origin: string | undefined;
  /** True when the request carries CORS preflight headers yoga would echo: left to yoga. */
  readonly corsRequestHeaders: boolean;
  readonly principal: Principal;
  readonly requestId: string;
  readonly deadlineMs: number | undefined;
  /** Whether the client wants `extensions.contexts`. */
  readonly provenance: boolean;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
}

export interface CompiledExecutorStats {
  /** Query documents compiled and kept. */
  readonly documents: number;
  /** Requests answered by a compiled document since start-up. */
  readonly answered: number;
}

/** The complete answer to send: yoga would have sent these bytes with this status and these headers. */
export interface CompiledResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

type RegularMediaType = 'application/graphql-response+json' | 'application/json';
const REGULAR_MEDIA_TYPES: readonly RegularMediaType[] = ['application/graphql-response+json', 'application/json'];
const BODY_KEYS = new Set(['query', 'variables', 'operationName', 'extensions', 'documentId']);

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const isOptional = (value: unknown, check: (v: unknown) => boolean): boolean => value === undefined || value === null || check(value);

const matches = (candidate: string, asked: string): boolean => {
  const [pre, suf] = asked.split('/');
  const [candidatePre, candidateSuf] = candidate.split('/');
  return (pre === '*' || pre === candidatePre) && (suf === '*' || suf === candidateSuf);
};

/**
 * The media type yoga answers a regular result with, by its own rule: the first type of the
 * client's `Accept` that a JSON type matches wins, `application/json` on a tie (`*`/`*`); types
 * with a charset other than utf-8 are skipped. `undefined` when only other processors (SSE,
 * multipart) or none would answer: yoga keeps those.
 */
export function regularMediaType(accept: string | undefined): RegularMediaType | undefined {
  const asked = (accept || '*/*').replace(/\s/g, '').toLowerCase().split(',');
  let chosen: RegularMediaType | undefined;
  for (let i = asked.length - 1; i >= 0; i--) {
    const [mediaType, ...params] = (asked[i] as string).split(';');
    if (mediaType === undefined || (params.find((p) => p.includes('charset=')) ?? 'charset=utf-8') !== 'charset=utf-8') continue;
    for (const candidate of REGULAR_MEDIA_TYPES) if (matches(candidate, mediaType)) chosen = candidate;
  }
  return chosen;
}

/** An error as yoga sends it: masked, then without its internal extensions (`http`, `unexpected`). */
function clientError(error: GraphQLError, status: { value: number }, applicationJson: boolean): Record<string, unknown> {
  const masked = maskError(error, 'Unexpected error.', false) as GraphQLError;
  const json: Record<string, unknown> = { message: masked.message };
  // Compiled errors carry locations but no AST nodes, which masking would need to rebuild them.
  const locations = masked.locations ?? error.locations;
  if (locations) json['locations'] = locations;
  const path = masked.path ?? error.path;
  if (path) json['path'] = path;
  const { http, unexpected: _unexpected, ...extensions } = (masked.extensions ?? {}) as Record<string, unknown> & { http?: { status?: number; spec?: boolean } };
  if (http?.status && !(applicationJson && http.spec) && http.status > status.value) status.value = http.status;
  if (Object.keys(extensions).length > 0) json['extensions'] = extensions;
  return json;
}

/**
 * The common request without yoga's request pipeline: a JSON POST naming a query document the
 * full pipeline has validated and executed before (by text, `documentId` or APQ hash) runs its
 * compiled form, and the answer is written as yoga writes it (masking, `extensions.contexts`,
 * status and content type by GraphQL over HTTP, CORS). Anything else — first sight, GET, batches,
 * unusual parameters, APQ registration, invalid variables, persisted-only text — goes to yoga.
 */
export class CompiledExecutor {
  readonly #store: VirtualStore;
  readonly #operations: CompiledOperations;
  readonly #persisted: PersistedDocumentStore;
  #answered = 0;

  constructor(store: VirtualStore, operations: CompiledOperations, persisted: PersistedDocumentStore) {
    this.#store = store;
    this.#operations = operations;
    this.#persisted = persisted;
  }

  stats(): CompiledExecutorStats {
    return { documents: this.#operations.size, answered: this.#answered };
  }

  /**
   * Answers the request from a compiled document, or returns what yoga needs to compile it later
   * (`compileKey`), or `undefined` when the request is not one the compiled path could ever serve.
   */
  async respond(request: CompiledRequest): Promise<CompiledResponse | CompileSlot | undefined> {
    const body = request.body;
    if (!isObject(body)) return undefined;
    for (const key in body) if (!BODY_KEYS.has(key)) return undefined;
    const { variables, operationName, extensions } = body;
    if (!isOptional(variables, isObject) || !isOptional(operationName, (v) => typeof v === 'string') || !isOptional(extensions, isObject)) return undefined;
    const text = this.#documentText(body);
    if (text === undefined) return undefined;
    const key = operationKey(text, operationName as string | null | undefined);
    const run = this.#operations.get(key);
    const mediaType = regularMediaType(request.accept);
    if (!run || !mediaType || request.corsRequestHeaders) return { compileKey: key };

    const session = this.#store.session({
      principal: request.principal,
      signal: request.signal,
      requestId: request.requestId,
      ...(request.deadlineMs === undefined ? {} : { deadlineMs: request.deadlineMs }),
    });
    const context: GraphQLContext = { session, provenance: request.provenance };
    let result: ExecutionResult;
    try {
      result = await run(context, variables as Record<string, unknown> | null | undefined);
    } catch {
      return { compileKey: key };
    }
    // No data: the request failed before execution (e.g. variables that do not coerce), so nothing
    // ran; yoga gives that answer in its own words.
    if (!('data' in result)) return { compileKey: key };

    const status = { value: 200 };
    // One object, one JSON.stringify: a flat string, which Fastify measures and Node writes without
    // first flattening the rope that concatenated pieces would make.
    const response: { errors?: Array<Record<string, unknown>>; data?: unknown; extensions?: { contexts: Record<string, unknown> } } = {};
    if (result.errors && result.errors.length > 0) {
      response.errors = result.errors.map((error) => clientError(error, status, mediaType === 'application/json'));
    }
    response.data = result.data;
    if (request.provenance && session.provenance.size > 0) response.extensions = { contexts: Object.fromEntries(session.provenance) };
    const out = JSON.stringify(response);

    const headers: Record<string, string> = { 'content-type': `${mediaType}; charset=utf-8` };
    if (request.origin !== undefined) {
      // yoga's default CORS answer to a simple request: the caller's origin, with credentials.
      headers['access-control-allow-origin'] = request.origin;
      headers['vary'] = 'Origin';
      headers['access-control-allow-credentials'] = 'true';
    }
    this.#answered += 1;
    return { status: status.value, headers, body: out };
  }

  /** The text a body names: its query, or the persisted document of its `documentId` or APQ hash. */
  #documentText(body: Record<string, unknown>): string | undefined {
    const { query, documentId, extensions } = body;
    if (typeof query === 'string') {
      // Query text in persisted-only mode, or an APQ registration, is yoga's to answer.
      if (this.#persisted.only || documentId !== undefined || (isObject(extensions) && extensions['persistedQuery'] !== undefined)) return undefined;
      return query;
    }
    if (query !== undefined && query !== null) return undefined;
    if (typeof documentId === 'string') return this.#persisted.get(documentId);
    if (documentId !== undefined && documentId !== null) return undefined;
    const persisted = isObject(extensions) ? extensions['persistedQuery'] : undefined;
    if (!isObject(persisted) || persisted['version'] !== 1 || typeof persisted['sha256Hash'] !== 'string') return undefined;
    return this.#persisted.get(persisted['sha256Hash']);
  }
}
