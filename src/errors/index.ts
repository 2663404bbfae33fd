export {
  BadUserInputError,
  ConfigError,
  ContextNotFoundError,
  DeadlineExceededError,
  DefinitionError,
  EngramError,
  httpStatusByCode,
  ProviderError,
  ProviderTimeoutError,
  ProviderUnavailableError,
} from './engram-error.js';
export type { ErrorCode, InvalidArgument } from './engram-error.js';
