/** Stable error codes exposed to clients in `errors[].extensions.code` and REST bodies. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'CONTEXT_NOT_FOUND'
  | 'NOT_FOUND'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'PROVIDER_UNAVAILABLE'
  | 'PROVIDER_TIMEOUT'
  | 'PROVIDER_ERROR'
  | 'DEADLINE_EXCEEDED'
  | 'BUDGET_TOO_SMALL'
  | 'PERSISTED_QUERY_NOT_FOUND'
  | 'PERSISTED_QUERY_ONLY'
  | 'SERVICE_UNAVAILABLE'
  | 'INTERNAL_SERVER_ERROR';

/** HTTP status that a REST response uses for each code. */
export const httpStatusByCode: Readonly<Record<ErrorCode, number>> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  CONTEXT_NOT_FOUND: 404,
  NOT_FOUND: 404,
  IDEMPOTENCY_KEY_REUSED: 422,
  PROVIDER_UNAVAILABLE: 502,
  PROVIDER_ERROR: 502,
  PROVIDER_TIMEOUT: 504,
  DEADLINE_EXCEEDED: 504,
  // The request is well-formed but cannot be satisfied as asked: a larger budget can.
  BUDGET_TOO_SMALL: 422,
  PERSISTED_QUERY_NOT_FOUND: 404,
  PERSISTED_QUERY_ONLY: 400,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_SERVER_ERROR: 500,
};

/**
 * Base class of every error a client may see. Anything that is not an `EngramError`
 * is masked before it leaves the process.
 */
export abstract class EngramError extends Error {
  abstract readonly code: ErrorCode;
  /** Extra, client-safe details (e.g. which argument was wrong). */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(message: string, details?: Record<string, unknown>, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.details = details;
  }

  get httpStatus(): number {
    return httpStatusByCode[this.code];
  }
}

export interface InvalidArgument {
  /** Dotted path of the argument, e.g. `limit` or `filter.tags.0`. */
  readonly field: string;
  readonly reason: string;
}

export class BadUserInputError extends EngramError {
  readonly code = 'BAD_USER_INPUT' as const;
  readonly invalidArgs: readonly InvalidArgument[];

  constructor(message: string, invalidArgs: readonly InvalidArgument[]) {
    super(message, { invalidArgs });
    this.invalidArgs = invalidArgs;
  }
}

/** Missing, malformed, expired or unknown credentials: HTTP 401 with `WWW-Authenticate: Bearer`. */
export class UnauthenticatedError extends EngramError {
  readonly code = 'UNAUTHENTICATED' as const;

  /** @param reason why the credentials were refused, safe to show (never echoes the credential) */
  constructor(reason: string) {
    super(reason);
  }
}

/**
 * A verified principal may not read this. The message never says whether the record exists:
 * "not yours" and "not there" read the same.
 */
export class ForbiddenError extends EngramError {
  readonly code = 'FORBIDDEN' as const;

  constructor(message: string, details?: Record<string, unknown>) {
    super(message, details);
  }
}

/** Engram cannot serve the request right now for a reason of its own (e.g. credentials cannot be checked). */
export class ServiceUnavailableError extends EngramError {
  readonly code = 'SERVICE_UNAVAILABLE' as const;

  constructor(message: string, options?: ErrorOptions) {
    super(message, undefined, options);
  }
}

export class ContextNotFoundError extends EngramError {
  readonly code = 'CONTEXT_NOT_FOUND' as const;

  constructor(name: string) {
    super(`Unknown context "${name}".`, { context: name });
  }
}

/** A record a write names (a thread, a user) does not exist in the caller's tenant. */
export class NotFoundError extends EngramError {
  readonly code = 'NOT_FOUND' as const;

  constructor(kind: string, id: string) {
    super(`No ${kind} "${id}" exists in your tenant.`, { kind, id });
  }
}

/** An idempotency key sent again with a different request than the first time. */
export class IdempotencyKeyReusedError extends EngramError {
  readonly code = 'IDEMPOTENCY_KEY_REUSED' as const;

  constructor(key: string, operation: string) {
    super(`The idempotency key "${key}" was first used for a different ${operation} request; send a new key for a new request.`, { idempotencyKey: key });
  }
}

/** What a provider failure looks like to the store: the provider and operation that failed. */
interface ProviderFailure {
  readonly provider: string;
  readonly operation: string;
}

export class ProviderUnavailableError extends EngramError {
  readonly code = 'PROVIDER_UNAVAILABLE' as const;

  /** @param retryAfterMs how long the provider asked callers to wait (`Retry-After`), if it did */
  constructor(failure: ProviderFailure, reason: string, options?: ErrorOptions & { retryAfterMs?: number }) {
    const retryAfter = options?.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs };
    super(`Provider "${failure.provider}" is unavailable for "${failure.operation}": ${reason}.`, { ...failure, ...retryAfter }, options);
  }
}

export class ProviderTimeoutError extends EngramError {
  readonly code = 'PROVIDER_TIMEOUT' as const;

  constructor(failure: ProviderFailure, timeoutMs: number, options?: ErrorOptions) {
    super(`Provider "${failure.provider}" did not answer "${failure.operation}" within ${timeoutMs} ms.`, { ...failure, timeoutMs }, options);
  }
}

export class ProviderError extends EngramError {
  readonly code = 'PROVIDER_ERROR' as const;

  constructor(failure: ProviderFailure, reason: string, options?: ErrorOptions) {
    super(`Provider "${failure.provider}" failed "${failure.operation}": ${reason}.`, { ...failure }, options);
  }
}

export class DeadlineExceededError extends EngramError {
  readonly code = 'DEADLINE_EXCEEDED' as const;

  constructor(deadlineMs: number) {
    super(`The request deadline of ${deadlineMs} ms was exceeded.`, { deadlineMs });
  }
}

/** The priority-0 parts of a bundle do not fit the budget asked for; the message gives the minimum. */
export class BudgetTooSmallError extends EngramError {
  readonly code = 'BUDGET_TOO_SMALL' as const;

  constructor(bundle: string, budgetTokens: number, minimumTokens: number, detail: { readonly parts: readonly string[]; readonly format: string; readonly tokenizer: string }) {
    super(
      `Bundle "${bundle}" needs at least ${minimumTokens} tokens for its priority-0 parts (${detail.parts.join(', ')}) in ${detail.format} with ${detail.tokenizer}; budgetTokens is ${budgetTokens}.`,
      { budgetTokens, minimumTokens },
    );
  }
}

/**
 * A provider broke the batch contract (one result per key, in key order). A bug, not an outage:
 * it fails the field loudly and never triggers a fallback that would hide it.
 */
export class ContractViolationError extends EngramError {
  readonly code = 'INTERNAL_SERVER_ERROR' as const;

  constructor(provider: string, operation: string, keys: number, results: number | undefined) {
    super(
      `Provider "${provider}" broke the batch contract in "${operation}": load must return a list with one result per key, in key order ` +
        `(an Error in the slot of a failed key); it returned ${results === undefined ? 'no list' : `${results} result${results === 1 ? '' : 's'}`} for ${keys} key${keys === 1 ? '' : 's'}.`,
      { provider, operation },
    );
  }
}

/** Thrown at start-up: a context definition or the registry is invalid. Never reaches a client. */
export class DefinitionError extends Error {
  constructor(definition: string, problem: string) {
    super(`Context definition "${definition}": ${problem}`);
    this.name = 'DefinitionError';
  }
}

/** Thrown at start-up: the environment does not describe a valid configuration. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
