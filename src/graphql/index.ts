export { compileSchema, responsePath } from './compile-schema.js';
export { CompiledExecutor, regularMediaType } from './compiled-executor.js';
export type { CompiledExecutorStats, CompiledRequest, CompiledResponse } from './compiled-executor.js';
export { CompiledOperations, operationKey, useCompiledOperations } from './compiled-operations.js';
export type { CompiledExecution, CompiledOperationsOptions } from './compiled-operations.js';
export { createGraphQLHandler } from './create-graphql-handler.js';
export type { GraphQLHandler, GraphQLHandlerOptions, ServerContext } from './create-graphql-handler.js';
export { GraphiQLPage } from './graphiql-page.js';
export type { GraphiQLExample, GraphiQLPageOptions, StaticFile } from './graphiql-page.js';
export type { GraphQLContext } from './graphql-context.js';
export { createDocumentCaches, estimateDocumentBytes } from './document-caches.js';
export type { DocumentCaches, DocumentCachesOptions } from './document-caches.js';
export { documentNesting, useNestingLimit } from './nesting-limit.js';
export { OperationTypesRule, useOperationTypes } from './operation-types.js';
export {
  MISSING_DOCUMENT_MESSAGE,
  PERSISTED_DOCUMENTS_PATH,
  PERSISTED_ONLY_MESSAGE,
  PERSISTED_QUERY_NOT_FOUND_MESSAGE,
  PersistedDocumentStore,
  usePersistedDocuments,
} from './persisted-documents.js';
export type { PersistedDocumentsManifest, PersistedDocumentsOptions } from './persisted-documents.js';
export { maskError } from './mask-error.js';
export { DateTimeScalar, JSONScalar } from './scalars.js';
export { graphqlTypeString } from './type-strings.js';
export { useUrlParamsCheck } from './url-params.js';
export { yogaLogger } from './yoga-logger.js';
export { DEFAULT_MAX_NESTING, useQueryLimits } from './query-limits.js';
export type { QueryLimits } from './query-limits.js';
