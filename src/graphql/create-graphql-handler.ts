import type { GraphQLSchema } from 'graphql';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { createYoga, type GraphiQLOptions, type YogaServerInstance, type YogaLogger } from 'graphql-yoga';
import { sessionOptionsFromHeaders } from '../http/request-options.js';
import type { VirtualStore } from '../store/index.js';
import type { GraphiQLExample } from './demo-operations.js';
import { createDocumentCaches, type DocumentCaches } from './document-caches.js';
import type { GraphQLContext } from './graphql-context.js';
import { maskError } from './mask-error.js';
import { useNestingLimit } from './nesting-limit.js';
import { PersistedDocumentStore, usePersistedDocuments } from './persisted-documents.js';
import { useProvenance } from './provenance-plugin.js';
import { DEFAULT_MAX_NESTING, useQueryLimits, type QueryLimits } from './query-limits.js';
import { useUrlParamsCheck } from './url-params.js';

export interface GraphQLHandlerOptions {
  readonly schema: GraphQLSchema;
  readonly store: VirtualStore;
  readonly logger: YogaLogger;
  /** Query shown when GraphiQL opens (its first tab) and in every new tab. */
  readonly defaultQuery?: string;
  /** Operations GraphiQL opens as further tabs, with their variables. @default none */
  readonly examples?: readonly GraphiQLExample[];
  /** Persisted documents (manifest, persisted-only mode, APQ). @default an empty manifest, APQ on */
  readonly persistedDocuments?: PersistedDocumentStore;
  /** @default '/graphql' */
  readonly endpoint?: string;
  /** Depth, alias, token, cost and directive limits (graphql-armor); `false` turns them off. */
  readonly limits?: QueryLimits | false;
  /** Parsed documents kept for reuse, bounded by bytes. @default `createDocumentCaches()` (32 MiB) */
  readonly documentCaches?: DocumentCaches;
}

/**
 * Server-side context the HTTP layer passes to yoga for each request: nothing beyond the request
 * itself (principal and deadline are read from its headers).
 */
export type ServerContext = Record<string, never>;

export type GraphQLHandler = YogaServerInstance<ServerContext, GraphQLContext>;

function graphiqlTabs(options: GraphQLHandlerOptions): Array<{ query: string; variables?: string }> {
  return [
    ...(options.defaultQuery ? [{ query: options.defaultQuery }] : []),
    ...(options.examples ?? []).map((example) => ({
      query: `# ${example.description}\n${example.query}\n`,
      variables: JSON.stringify(example.variables, null, 2),
    })),
  ];
}

/**
 * GraphiQL with its scripts, styles and editor workers inlined (no CDN: it works offline and
 * behind strict networks). The page is rendered once: the options never change.
 */
function offlineGraphiQL(): (options: GraphiQLOptions) => string {
  let page: string | undefined;
  return (options) => {
    page ??= renderGraphiQL(options);
    return page;
  };
}

export function createGraphQLHandler(options: GraphQLHandlerOptions): GraphQLHandler {
  const { store } = options;
  const persistedDocuments = options.persistedDocuments ?? new PersistedDocumentStore();
  const tabs = graphiqlTabs(options);
  return createYoga<ServerContext, GraphQLContext>({
    schema: options.schema,
    graphqlEndpoint: options.endpoint ?? '/graphql',
    logging: options.logger,
    landingPage: false,
    maskedErrors: { maskError, isDev: false },
    // Persisted-only mode rejects ad-hoc queries, so GraphiQL (and its introspection) could not work.
    graphiql: persistedDocuments.only
      ? false
      : {
          title: 'Engram',
          ...(options.defaultQuery ? { defaultQuery: options.defaultQuery } : {}),
          ...(tabs.length > 0 ? { defaultTabs: tabs } : {}),
          defaultEditorToolsVisibility: 'variables',
        },
    renderGraphiQL: offlineGraphiQL(),
    parserAndValidationCache: options.documentCaches ?? createDocumentCaches(),
    context: ({ request }) => ({
      session: store.session({ signal: request.signal, ...sessionOptionsFromHeaders((h) => request.headers.get(h)) }),
    }),
    plugins: [
      useUrlParamsCheck(),
      useNestingLimit((options.limits === false ? undefined : options.limits?.maxNesting) ?? DEFAULT_MAX_NESTING),
      ...(options.limits === false ? [] : [useQueryLimits(options.limits)]),
      useProvenance(),
      ...usePersistedDocuments(persistedDocuments),
    ],
  });
}
