import { Zep, ZepError, ZepTimeoutError } from '@getzep/zep-cloud';
import {
  EngramError,
  ProviderError,
  ProviderTimeoutError,
  ProviderUnavailableError,
} from '../../errors/index.js';

/**
 * A call given up because the batch's signal aborted, before it started or while the SDK waited
 * to retry (its backoff does not watch the signal).
 * @internal
 */
export class ZepCallAbortedError extends Error {
  constructor() {
    super('The user aborted a request');
    this.name = 'ZepCallAbortedError';
  }
}

/**
 * Zep answered with a success status but without a field Engram needs.
 * @internal
 */
export class ZepResponseError extends Error {
  constructor(problem: string) {
    super(`Unexpected Zep response: ${problem}`);
    this.name = 'ZepResponseError';
  }
}

/**
 * `true` for Zep's "no such user/thread": the SDK throws `Zep.NotFoundError` for endpoints that
 * declare a 404 and a plain `ZepError` with status 404 for the others (e.g. graph search).
 * @internal
 */
export function isNotFound(error: unknown): boolean {
  return error instanceof ZepError && error.statusCode === 404;
}

/** Zep answers a duplicate user or thread with 400 ("... already exists") or 409. */
export function isAlreadyExists(error: unknown): boolean {
  if (!(error instanceof ZepError)) return false;
  if (error instanceof Zep.ConflictError || error.statusCode === 409) return true;
  return error instanceof Zep.BadRequestError && /already exist/i.test(error.message);
}

// Node's fetch reports every connection failure as "fetch failed"; the rest are belt and braces.
const UNREACHABLE = /fetch failed|ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|ETIMEDOUT|socket hang up|other side closed/i;

// The SDK aborts its per-call timer with the reason "timeout" and reports the rejection as
// `ZepError({ message: toJson(reason) })`, i.e. with the quotes; `ZepTimeoutError` is unused in 3.30.
const TIMEOUT = /^"?timeout"?$/;

/**
 * `Retry-After` in ms: delta-seconds or an HTTP date; `undefined` when absent or unreadable.
 * @internal
 */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** What failed, as the Engram errors name it. */
interface Failure {
  readonly provider: string;
  readonly operation: string;
}

/**
 * Maps a failure of a Zep call to a client-safe Engram error. Messages never carry Zep's response
 * body or a stack; the original error stays as `cause` for logs.
 * @internal
 */
export function toZepEngramError(error: unknown, failure: Failure, timeoutMs: number): EngramError {
  if (error instanceof EngramError) return error;
  const options = { cause: error };
  const unavailable = (reason: string): EngramError => new ProviderUnavailableError(failure, reason, options);
  const unexpected = (): EngramError => new ProviderError(failure, 'Zep sent an unexpected response', options);

  if (error instanceof ZepCallAbortedError) return unavailable('the request was aborted');
  if (error instanceof ZepTimeoutError) return new ProviderTimeoutError(failure, timeoutMs, options);
  if (error instanceof ZepResponseError) return unexpected();

  const status = error instanceof ZepError ? error.statusCode : undefined;
  if (status !== undefined) {
    if (status === 401 || status === 403) return unavailable('Zep rejected the API key');
    if (status === 408 || status === 429 || status >= 500) {
      const retryAfterMs = parseRetryAfter(error instanceof ZepError ? error.rawResponse?.headers.get('retry-after') : undefined);
      return new ProviderUnavailableError(failure, `Zep answered ${status}`, { ...options, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
    }
    if (status >= 400) return new ProviderError(failure, `Zep rejected the request (HTTP ${status})`, options);
    // A success status whose body the SDK could not read (not JSON).
    return unexpected();
  }

  const message = error instanceof Error ? error.message : '';
  if (TIMEOUT.test(message)) return new ProviderTimeoutError(failure, timeoutMs, options);
  if (message === 'The user aborted a request' || (error instanceof Error && error.name === 'AbortError')) {
    return unavailable('the request was aborted');
  }
  if (UNREACHABLE.test(message)) return unavailable('Zep is unreachable');
  return unexpected();
}
