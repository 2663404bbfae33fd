export { compileSchema, responsePath } from './compile-schema.js';
export { createGraphQLHandler } from './create-graphql-handler.js';
export type { GraphQLHandler, GraphQLHandlerOptions, ServerContext } from './create-graphql-handler.js';
export type { GraphQLContext } from './graphql-context.js';
export { maskError } from './mask-error.js';
export { DateTimeScalar, JSONScalar } from './scalars.js';
export { graphqlTypeString } from './type-strings.js';
