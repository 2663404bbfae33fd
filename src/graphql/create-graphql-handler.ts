import type { GraphQLSchema } from 'graphql';
import { createYoga, type YogaServerInstance, type YogaLogger } from 'graphql-yoga';
import type { VirtualStore } from '../store/index.js';
import type { GraphQLContext } from './graphql-context.js';
import { maskError } from './mask-error.js';
import { useProvenance } from './provenance-plugin.js';

export interface GraphQLHandlerOptions {
  readonly schema: GraphQLSchema;
  readonly store: VirtualStore;
  readonly logger: YogaLogger;
  /** Query shown when GraphiQL opens. */
  readonly defaultQuery?: string;
  /** @default '/graphql' */
  readonly endpoint?: string;
}

/** Server-side context the HTTP layer passes to yoga for each request. */
export interface ServerContext {
  readonly principal?: string;
}

export type GraphQLHandler = YogaServerInstance<ServerContext, GraphQLContext>;

export function createGraphQLHandler(options: GraphQLHandlerOptions): GraphQLHandler {
  const { store } = options;
  return createYoga<ServerContext, GraphQLContext>({
    schema: options.schema,
    graphqlEndpoint: options.endpoint ?? '/graphql',
    logging: options.logger,
    landingPage: false,
    maskedErrors: { maskError, isDev: false },
    graphiql: {
      title: 'Engram',
      ...(options.defaultQuery ? { defaultQuery: options.defaultQuery } : {}),
    },
    context: ({ request, principal }) => ({
      session: store.session({ signal: request.signal, ...(principal ? { principal } : {}) }),
    }),
    plugins: [useProvenance()],
  });
}
