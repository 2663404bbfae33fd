/**
 * Engram's public entry. Everything a team needs to build on the kernel: compose an Engram from
 * providers and context definitions, declare new providers and contexts in one file each, verify
 * callers, and handle typed errors. Deep imports into `src/<folder>/…` are for Engram's own code.
 */

// Composition
export { createEngram } from './create-engram.js';
export type { Engram, EngramOptions, WritesOptions } from './create-engram.js';

// Memory writes (PostgreSQL first, Zep through the outbox)
export type { OutboxStatus, OutboxWorkerOptions } from './outbox/index.js';
export type { Delivery, WriteReceipt } from './writes/index.js';

// Contexts (context-as-code)
export { dateTime, defineBundle, defineContext, id } from './context/index.js';
export type {
  BundleDefinition,
  BundleDefinitionInput,
  CachePolicy,
  ContextDefinition,
  ContextDefinitionInput,
  ContextSource,
  PartOptions,
  RegisteredBundle,
  SourceOptions,
} from './context/index.js';
export type { PromptContext, PromptFormat, PromptPart, TokenizerName } from './prompt/index.js';

// Providers
export { defineProvider, operationRef } from './providers/index.js';
export type {
  OperationContext,
  OperationRef,
  OperationSpec,
  ProviderDefinition,
  ProviderHealthReport,
  ProviderSpec,
} from './providers/index.js';
export { createStatementRunner, migrateToLatest, openDatabase, postgresOps, postgresProvider } from './providers/postgres/index.js';
export type { DatabaseOptions, EngramDatabase, OpenedDatabase, PostgresProviderOptions, StatementOptions, StatementRunner } from './providers/postgres/index.js';
export { createZepClient, zepOps, zepProvider } from './providers/zep/index.js';
export type { ZepProviderOptions } from './providers/zep/index.js';

// Identity and access
export { ApiKeyStore, Authenticator, JwtVerifier, Scopes } from './auth/index.js';
export type { AccessRule, AuthOptions, JwtVerifierOptions, OwnerRule, Principal } from './auth/index.js';

// Store
export { MemoryContextCache, RedisContextCache } from './store/index.js';
export type { BundleProvenance, BundleResult, ContextCache, Provenance, ProviderPolicyOptions } from './store/index.js';

// MCP (the tools are `engram.mcpTools`, served at `/mcp`; `serveMcpStdio` serves them over stdio)
export { serveMcpStdio } from './mcp/index.js';
export type { McpTool, McpToolSet, StdioServerOptions } from './mcp/index.js';

// Errors
export {
  BadUserInputError,
  BudgetTooSmallError,
  ContractViolationError,
  EngramError,
  ForbiddenError,
  IdempotencyKeyReusedError,
  NotFoundError,
  ProviderError,
  ProviderTimeoutError,
  ProviderUnavailableError,
  UnauthenticatedError,
} from './errors/index.js';
export type { ErrorCode } from './errors/index.js';
