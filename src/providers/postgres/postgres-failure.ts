import { ProviderError, ProviderUnavailableError, type EngramError } from '../../errors/index.js';

/**
 * What a failed statement says about the database: `unavailable` when the server or the
 * connection is gone or refusing work (retry elsewhere, feed the breaker), `query` when the
 * statement itself failed.
 */
export type PostgresFailureKind = 'unavailable' | 'query';

// A FATAL or PANIC error ends the session (e.g. 55000 "database is not currently accepting
// connections" on connect): whatever its SQLSTATE, the connection is gone.
const SESSION_ENDING = new Set(['FATAL', 'PANIC']);

// SQLSTATEs that describe the server or the connection rather than the statement:
// class 08 (connection exception), 53 (insufficient resources: too many connections, out of
// memory), 57P01–57P05 (admin/crash shutdown, cannot connect now, database dropped, idle session
// timeout) and 57014 (statement cancelled, here by statement_timeout: the server is overloaded).
const UNAVAILABLE_SQLSTATE = /^(08|53)|^57P0[1-5]$|^57014$/;

// Node and driver errors that carry no SQLSTATE: the socket failed or the pool gave up.
const UNAVAILABLE_MESSAGE =
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EMFILE|Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)|PGlite is closed/i;

/**
 * Classifies a driver error by its SQLSTATE when the server sent one (a `DatabaseError`, which
 * carries a `severity`), else by its system error code or message.
 */
export function classifyPostgresFailure(error: unknown): PostgresFailureKind {
  const fields = typeof error === 'object' && error !== null ? (error as { code?: unknown; severity?: unknown }) : {};
  const code = fields.code;
  if (typeof code === 'string' && typeof fields.severity === 'string') {
    return SESSION_ENDING.has(fields.severity) || UNAVAILABLE_SQLSTATE.test(code) ? 'unavailable' : 'query';
  }
  const text = `${typeof code === 'string' ? code : ''} ${error instanceof Error ? error.message : String(error)}`;
  return UNAVAILABLE_MESSAGE.test(text) ? 'unavailable' : 'query';
}

/**
 * The typed error of a failed statement. Driver messages can carry SQL and data: clients get a
 * generic reason, the cause keeps the detail.
 */
export function toPostgresEngramError(error: unknown, failure: { readonly provider: string; readonly operation: string }): EngramError {
  return classifyPostgresFailure(error) === 'unavailable'
    ? new ProviderUnavailableError(failure, 'the database is unreachable', { cause: error })
    : new ProviderError(failure, 'the query failed', { cause: error });
}
