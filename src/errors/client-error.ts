import { BadUserInputError, EngramError, type ErrorCode } from './engram-error.js';

/** What a client is told about a failure, whatever the surface (GraphQL, REST, MCP). */
export interface ClientError {
  /** HTTP status a REST (or whole-request) answer uses. */
  readonly status: number;
  readonly code: ErrorCode;
  readonly message: string;
  /** Client-safe details: `invalidArgs` for bad input, else the error's own details. */
  readonly details: Readonly<Record<string, unknown>>;
}

const UNEXPECTED: ClientError = { status: 500, code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error.', details: {} };

/**
 * The one mapping from errors to what clients see. An `EngramError` keeps its code, message and safe
 * details; anything else is masked (no message, stack or cause leaves the process).
 */
export function toClientError(error: unknown): ClientError {
  if (!(error instanceof EngramError)) return UNEXPECTED;
  const details = error instanceof BadUserInputError ? { invalidArgs: error.invalidArgs } : (error.details ?? {});
  return { status: error.httpStatus, code: error.code, message: error.message, details };
}

/** Codes whose details REST bodies carry: what the caller needs to fix the request. */
const REST_DETAILS: ReadonlySet<ErrorCode> = new Set(['BAD_USER_INPUT', 'BUDGET_TOO_SMALL']);

/** The REST body of a client error: `{"error":{"code","message",…details}}`. */
export function restErrorBody(error: ClientError): { error: Record<string, unknown> } {
  return { error: { code: error.code, message: error.message, ...(REST_DETAILS.has(error.code) ? error.details : {}) } };
}

/** The message of anything thrown, for logs and operator-facing details (never for clients). */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
