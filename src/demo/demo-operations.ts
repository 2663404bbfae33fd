import { print } from 'graphql';
import {
  AgentContextBundleDocument,
  AgentContextDocument,
  SearchDocumentsDocument,
  ThreadContextDocument,
  ThreadMessagesDocument,
  UserFactsDocument,
  UserProfileDocument,
} from '../generated/graphql.js';
import manifest from '../generated/persisted-documents.json' with { type: 'json' };
import type { GraphiQLExample, PersistedDocumentsManifest } from '../graphql/index.js';

/** The query GraphiQL opens with in the demo. */
export const DEFAULT_GRAPHIQL_QUERY = `# Engram: context for agents and front ends.
query DemoContext {
  userProfile(userId: "u1") { id displayName email locale plan }
  userFacts(userId: "u1", limit: 3) { fact createdAt }
  threadMessages(threadId: "t1", lastN: 4) { role content }
  threadContext(threadId: "t1") { context }
  searchDocuments(query: "batching", limit: 2) { title snippet }
  # The same, as one block of text for a prompt, within an exact token budget:
  agentContext(userId: "u1", threadId: "t1", query: "batching", budgetTokens: 300) {
    text tokens parts { name provider itemsKept itemsDropped }
  }
}
`;

/**
 * The persisted documents of the demo operations (`operations/*.graphql`), as written by
 * `npm run codegen`: sha256 id → document text.
 */
export const demoPersistedDocuments: PersistedDocumentsManifest = manifest;

/** The demo operations (`operations/*.graphql`) with variables that hit the demo data set. */
export const demoOperations: readonly GraphiQLExample[] = [
  {
    description: 'Everything an agent needs before answering in a thread, in one round trip.',
    query: print(AgentContextDocument),
    variables: { userId: 'u1', threadId: 't1' },
  },
  {
    description: 'The same, as one prompt-ready block of text under an exact token budget (the agentContext bundle).',
    query: print(AgentContextBundleDocument),
    variables: { userId: 'u1', threadId: 't1', query: 'batching', budgetTokens: 300, format: 'MARKDOWN' },
  },
  { description: 'Who the user is.', query: print(UserProfileDocument), variables: { userId: 'u1' } },
  { description: 'What is known about the user.', query: print(UserFactsDocument), variables: { userId: 'u1', limit: 3 } },
  { description: 'The latest messages of a thread.', query: print(ThreadMessagesDocument), variables: { threadId: 't1', lastN: 4 } },
  { description: 'A prompt-ready context block for a thread.', query: print(ThreadContextDocument), variables: { threadId: 't1' } },
  { description: 'Documents relevant to a query.', query: print(SearchDocumentsDocument), variables: { query: 'batching', limit: 2 } },
];
