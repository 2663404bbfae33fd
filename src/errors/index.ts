export {
  BadUserInputError,
  BudgetTooSmallError,
  ConfigError,
  ContextNotFoundError,
  ContractViolationError,
  DeadlineExceededError,
  DefinitionError,
  EngramError,
  ForbiddenError,
  httpStatusByCode,
  IdempotencyKeyReusedError,
  NotFoundError,
  ProviderError,
  ProviderTimeoutError,
  ProviderUnavailableError,
  ServiceUnavailableError,
  UnauthenticatedError,
} from './engram-error.js';
export type { ErrorCode, InvalidArgument } from './engram-error.js';
export { errorMessage, restErrorBody, toClientError } from './client-error.js';
export type { ClientError } from './client-error.js';
