import type { GraphQLSchema } from 'graphql';
import { createYoga, type YogaServerInstance, type YogaLogger } from 'graphql-yoga';
import type { Principal } from '../auth/index.js';
import { UnauthenticatedError } from '../errors/index.js';
import type { VirtualStore } from '../store/index.js';
import { CompiledExecutor } from './compiled-executor.js';
import { CompiledOperations, useCompiledOperations, type CompiledOperationsOptions } from './compiled-operations.js';
import { createDocumentCaches, type DocumentCaches } from './document-caches.js';
import type { GraphQLContext } from './graphql-context.js';
import { maskError } from './mask-error.js';
import { useNestingLimit } from './nesting-limit.js';
import { useOperationTypes } from './operation-types.js';
import { PersistedDocumentStore, usePersistedDocuments } from './persisted-documents.js';
import { useProvenance } from './provenance-plugin.js';
import { DEFAULT_MAX_NESTING, useQueryLimits, type QueryLimits } from './query-limits.js';
import { useUrlParamsCheck } from './url-params.js';

export interface GraphQLHandlerOptions {
  readonly schema: GraphQLSchema;
  readonly store: VirtualStore;
  readonly logger: YogaLogger;
  /** Persisted documents (manifest, persisted-only mode, APQ). @default an empty manifest, APQ on */
  readonly persistedDocuments?: PersistedDocumentStore;
  /** @default '/graphql' */
  readonly endpoint?: string;
  /** Depth, alias, token, cost and directive limits (graphql-armor); `false` turns them off. */
  readonly limits?: QueryLimits | false;
  /** Parsed documents kept for reuse, bounded by bytes. @default `createDocumentCaches()` (32 MiB) */
  readonly documentCaches?: DocumentCaches;
  /**
   * Query documents seen before run compiled (graphql-jit) on the HTTP layer's direct path;
   * `false` sends every request through yoga's full pipeline. @default on, 16 MiB of compiled documents
   */
  readonly compiledExecution?: CompiledOperationsOptions | false;
}

/**
 * Server-side context the HTTP layer passes to yoga for each request: the principal the
 * authenticator verified (absent only for GraphiQL's page, which executes nothing).
 */
export interface ServerContext {
  readonly principal: Principal | undefined;
  /** A deadline the client asked for (the HTTP layer reads it from its header). */
  readonly deadlineMs?: number;
  readonly requestId?: string;
  /** False when the client asked for no `extensions.contexts`. @default true */
  readonly provenance?: boolean;
  /** Set by the HTTP layer for a document the compiled path may serve once it is compiled. */
  readonly compileKey?: string;
}

/** yoga (the full GraphQL-over-HTTP pipeline) and the compiled path for documents it has executed. */
export interface GraphQLHandler {
  readonly yoga: YogaServerInstance<ServerContext, GraphQLContext>;
  /** Absent when compiled execution is off. */
  readonly compiled: CompiledExecutor | undefined;
}

export function createGraphQLHandler(options: GraphQLHandlerOptions): GraphQLHandler {
  const { store } = options;
  const persistedDocuments = options.persistedDocuments ?? new PersistedDocumentStore();
  const operations = options.compiledExecution === false ? undefined : new CompiledOperations(options.schema, options.compiledExecution);
  const yoga = createYoga<ServerContext, GraphQLContext>({
    schema: options.schema,
    graphqlEndpoint: options.endpoint ?? '/graphql',
    logging: options.logger,
    landingPage: false,
    maskedErrors: { maskError, isDev: false },
    // The HTTP layer serves GraphiQL (`GraphiQLPage`): compressed, cacheable, loaded on first use.
    graphiql: false,
    parserAndValidationCache: options.documentCaches ?? createDocumentCaches(),
    context: ({ request, principal, deadlineMs, requestId, provenance }) => {
      // The HTTP layer answers 401 before yoga runs; this only guards other ways of calling yoga.
      if (!principal) throw new UnauthenticatedError('Authentication required.');
      return {
        session: store.session({
          principal,
          signal: request.signal,
          ...(deadlineMs === undefined ? {} : { deadlineMs }),
          ...(requestId === undefined ? {} : { requestId }),
        }),
        provenance: provenance !== false,
      };
    },
    plugins: [
      useUrlParamsCheck(),
      useOperationTypes(),
      useNestingLimit((options.limits === false ? undefined : options.limits?.maxNesting) ?? DEFAULT_MAX_NESTING),
      ...(options.limits === false ? [] : [useQueryLimits(options.limits)]),
      useProvenance(),
      ...usePersistedDocuments(persistedDocuments),
      ...(operations ? [useCompiledOperations(operations)] : []),
    ],
  });
  return { yoga, compiled: operations ? new CompiledExecutor(store, operations, persistedDocuments) : undefined };
}
