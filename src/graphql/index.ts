export { compileSchema, responsePath } from './compile-schema.js';
export { createGraphQLHandler } from './create-graphql-handler.js';
export type { GraphiQLExample, GraphQLHandler, GraphQLHandlerOptions, ServerContext } from './create-graphql-handler.js';
export type { GraphQLContext } from './graphql-context.js';
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
export { useQueryLimits } from './query-limits.js';
export type { QueryLimits } from './query-limits.js';
