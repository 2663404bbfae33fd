/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "mutation AddFacts($userId: ID!, $facts: [FactInput!]!, $idempotencyKey: String) {\n  addFacts(userId: $userId, facts: $facts, idempotencyKey: $idempotencyKey) {\n    ids\n    delivery\n    replayed\n  }\n}": typeof types.AddFactsDocument,
    "query AgentContextBundle($userId: ID!, $threadId: ID!, $query: String, $budgetTokens: Int, $format: PromptFormat) {\n  agentContext(\n    userId: $userId\n    threadId: $threadId\n    query: $query\n    budgetTokens: $budgetTokens\n    format: $format\n  ) {\n    text\n    tokens\n    budgetTokens\n    tokenizer\n    parts {\n      name\n      context\n      provider\n      tokens\n      itemsKept\n      itemsDropped\n      truncated\n    }\n  }\n}": typeof types.AgentContextBundleDocument,
    "query AgentContext($userId: ID!, $threadId: ID!, $factLimit: Int = 5, $lastN: Int = 10) {\n  userProfile(userId: $userId) {\n    id\n    displayName\n    locale\n    timezone\n    plan\n    preferences\n  }\n  userFacts(userId: $userId, limit: $factLimit) {\n    fact\n    createdAt\n  }\n  threadContext(threadId: $threadId) {\n    context\n  }\n  threadMessages(threadId: $threadId, lastN: $lastN) {\n    role\n    content\n    createdAt\n  }\n}": typeof types.AgentContextDocument,
    "mutation AppendMessages($threadId: ID!, $messages: [MessageInput!]!, $idempotencyKey: String) {\n  appendMessages(\n    threadId: $threadId\n    messages: $messages\n    idempotencyKey: $idempotencyKey\n  ) {\n    ids\n    delivery\n    replayed\n  }\n}": typeof types.AppendMessagesDocument,
    "query OutboxStatus {\n  outboxStatus {\n    pending\n    retrying\n    delivered\n    oldestPendingAgeSeconds\n    worker {\n      delivered\n      failures\n      breaker\n    }\n  }\n}": typeof types.OutboxStatusDocument,
    "query SearchDocuments($query: String!, $limit: Int = 5) {\n  searchDocuments(query: $query, limit: $limit) {\n    id\n    title\n    snippet\n    rank\n    tags\n  }\n}": typeof types.SearchDocumentsDocument,
    "query ThreadContext($threadId: ID!) {\n  threadContext(threadId: $threadId) {\n    threadId\n    context\n  }\n}": typeof types.ThreadContextDocument,
    "query ThreadMessages($threadId: ID!, $lastN: Int = 20) {\n  threadMessages(threadId: $threadId, lastN: $lastN) {\n    id\n    role\n    content\n    createdAt\n  }\n}": typeof types.ThreadMessagesDocument,
    "query UserFacts($userId: ID!, $limit: Int = 10, $query: String) {\n  userFacts(userId: $userId, limit: $limit, query: $query) {\n    id\n    fact\n    name\n    createdAt\n    validAt\n    invalidAt\n    score\n  }\n}": typeof types.UserFactsDocument,
    "query UserProfile($userId: ID!) {\n  userProfile(userId: $userId) {\n    id\n    displayName\n    firstName\n    lastName\n    email\n    locale\n    timezone\n    plan\n    preferences\n  }\n}": typeof types.UserProfileDocument,
};
const documents: Documents = {
    "mutation AddFacts($userId: ID!, $facts: [FactInput!]!, $idempotencyKey: String) {\n  addFacts(userId: $userId, facts: $facts, idempotencyKey: $idempotencyKey) {\n    ids\n    delivery\n    replayed\n  }\n}": types.AddFactsDocument,
    "query AgentContextBundle($userId: ID!, $threadId: ID!, $query: String, $budgetTokens: Int, $format: PromptFormat) {\n  agentContext(\n    userId: $userId\n    threadId: $threadId\n    query: $query\n    budgetTokens: $budgetTokens\n    format: $format\n  ) {\n    text\n    tokens\n    budgetTokens\n    tokenizer\n    parts {\n      name\n      context\n      provider\n      tokens\n      itemsKept\n      itemsDropped\n      truncated\n    }\n  }\n}": types.AgentContextBundleDocument,
    "query AgentContext($userId: ID!, $threadId: ID!, $factLimit: Int = 5, $lastN: Int = 10) {\n  userProfile(userId: $userId) {\n    id\n    displayName\n    locale\n    timezone\n    plan\n    preferences\n  }\n  userFacts(userId: $userId, limit: $factLimit) {\n    fact\n    createdAt\n  }\n  threadContext(threadId: $threadId) {\n    context\n  }\n  threadMessages(threadId: $threadId, lastN: $lastN) {\n    role\n    content\n    createdAt\n  }\n}": types.AgentContextDocument,
    "mutation AppendMessages($threadId: ID!, $messages: [MessageInput!]!, $idempotencyKey: String) {\n  appendMessages(\n    threadId: $threadId\n    messages: $messages\n    idempotencyKey: $idempotencyKey\n  ) {\n    ids\n    delivery\n    replayed\n  }\n}": types.AppendMessagesDocument,
    "query OutboxStatus {\n  outboxStatus {\n    pending\n    retrying\n    delivered\n    oldestPendingAgeSeconds\n    worker {\n      delivered\n      failures\n      breaker\n    }\n  }\n}": types.OutboxStatusDocument,
    "query SearchDocuments($query: String!, $limit: Int = 5) {\n  searchDocuments(query: $query, limit: $limit) {\n    id\n    title\n    snippet\n    rank\n    tags\n  }\n}": types.SearchDocumentsDocument,
    "query ThreadContext($threadId: ID!) {\n  threadContext(threadId: $threadId) {\n    threadId\n    context\n  }\n}": types.ThreadContextDocument,
    "query ThreadMessages($threadId: ID!, $lastN: Int = 20) {\n  threadMessages(threadId: $threadId, lastN: $lastN) {\n    id\n    role\n    content\n    createdAt\n  }\n}": types.ThreadMessagesDocument,
    "query UserFacts($userId: ID!, $limit: Int = 10, $query: String) {\n  userFacts(userId: $userId, limit: $limit, query: $query) {\n    id\n    fact\n    name\n    createdAt\n    validAt\n    invalidAt\n    score\n  }\n}": types.UserFactsDocument,
    "query UserProfile($userId: ID!) {\n  userProfile(userId: $userId) {\n    id\n    displayName\n    firstName\n    lastName\n    email\n    locale\n    timezone\n    plan\n    preferences\n  }\n}": types.UserProfileDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation AddFacts($userId: ID!, $facts: [FactInput!]!, $idempotencyKey: String) {\n  addFacts(userId: $userId, facts: $facts, idempotencyKey: $idempotencyKey) {\n    ids\n    delivery\n    replayed\n  }\n}"): (typeof documents)["mutation AddFacts($userId: ID!, $facts: [FactInput!]!, $idempotencyKey: String) {\n  addFacts(userId: $userId, facts: $facts, idempotencyKey: $idempotencyKey) {\n    ids\n    delivery\n    replayed\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query AgentContextBundle($userId: ID!, $threadId: ID!, $query: String, $budgetTokens: Int, $format: PromptFormat) {\n  agentContext(\n    userId: $userId\n    threadId: $threadId\n    query: $query\n    budgetTokens: $budgetTokens\n    format: $format\n  ) {\n    text\n    tokens\n    budgetTokens\n    tokenizer\n    parts {\n      name\n      context\n      provider\n      tokens\n      itemsKept\n      itemsDropped\n      truncated\n    }\n  }\n}"): (typeof documents)["query AgentContextBundle($userId: ID!, $threadId: ID!, $query: String, $budgetTokens: Int, $format: PromptFormat) {\n  agentContext(\n    userId: $userId\n    threadId: $threadId\n    query: $query\n    budgetTokens: $budgetTokens\n    format: $format\n  ) {\n    text\n    tokens\n    budgetTokens\n    tokenizer\n    parts {\n      name\n      context\n      provider\n      tokens\n      itemsKept\n      itemsDropped\n      truncated\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query AgentContext($userId: ID!, $threadId: ID!, $factLimit: Int = 5, $lastN: Int = 10) {\n  userProfile(userId: $userId) {\n    id\n    displayName\n    locale\n    timezone\n    plan\n    preferences\n  }\n  userFacts(userId: $userId, limit: $factLimit) {\n    fact\n    createdAt\n  }\n  threadContext(threadId: $threadId) {\n    context\n  }\n  threadMessages(threadId: $threadId, lastN: $lastN) {\n    role\n    content\n    createdAt\n  }\n}"): (typeof documents)["query AgentContext($userId: ID!, $threadId: ID!, $factLimit: Int = 5, $lastN: Int = 10) {\n  userProfile(userId: $userId) {\n    id\n    displayName\n    locale\n    timezone\n    plan\n    preferences\n  }\n  userFacts(userId: $userId, limit: $factLimit) {\n    fact\n    createdAt\n  }\n  threadContext(threadId: $threadId) {\n    context\n  }\n  threadMessages(threadId: $threadId, lastN: $lastN) {\n    role\n    content\n    createdAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "mutation AppendMessages($threadId: ID!, $messages: [MessageInput!]!, $idempotencyKey: String) {\n  appendMessages(\n    threadId: $threadId\n    messages: $messages\n    idempotencyKey: $idempotencyKey\n  ) {\n    ids\n    delivery\n    replayed\n  }\n}"): (typeof documents)["mutation AppendMessages($threadId: ID!, $messages: [MessageInput!]!, $idempotencyKey: String) {\n  appendMessages(\n    threadId: $threadId\n    messages: $messages\n    idempotencyKey: $idempotencyKey\n  ) {\n    ids\n    delivery\n    replayed\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query OutboxStatus {\n  outboxStatus {\n    pending\n    retrying\n    delivered\n    oldestPendingAgeSeconds\n    worker {\n      delivered\n      failures\n      breaker\n    }\n  }\n}"): (typeof documents)["query OutboxStatus {\n  outboxStatus {\n    pending\n    retrying\n    delivered\n    oldestPendingAgeSeconds\n    worker {\n      delivered\n      failures\n      breaker\n    }\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query SearchDocuments($query: String!, $limit: Int = 5) {\n  searchDocuments(query: $query, limit: $limit) {\n    id\n    title\n    snippet\n    rank\n    tags\n  }\n}"): (typeof documents)["query SearchDocuments($query: String!, $limit: Int = 5) {\n  searchDocuments(query: $query, limit: $limit) {\n    id\n    title\n    snippet\n    rank\n    tags\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ThreadContext($threadId: ID!) {\n  threadContext(threadId: $threadId) {\n    threadId\n    context\n  }\n}"): (typeof documents)["query ThreadContext($threadId: ID!) {\n  threadContext(threadId: $threadId) {\n    threadId\n    context\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query ThreadMessages($threadId: ID!, $lastN: Int = 20) {\n  threadMessages(threadId: $threadId, lastN: $lastN) {\n    id\n    role\n    content\n    createdAt\n  }\n}"): (typeof documents)["query ThreadMessages($threadId: ID!, $lastN: Int = 20) {\n  threadMessages(threadId: $threadId, lastN: $lastN) {\n    id\n    role\n    content\n    createdAt\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query UserFacts($userId: ID!, $limit: Int = 10, $query: String) {\n  userFacts(userId: $userId, limit: $limit, query: $query) {\n    id\n    fact\n    name\n    createdAt\n    validAt\n    invalidAt\n    score\n  }\n}"): (typeof documents)["query UserFacts($userId: ID!, $limit: Int = 10, $query: String) {\n  userFacts(userId: $userId, limit: $limit, query: $query) {\n    id\n    fact\n    name\n    createdAt\n    validAt\n    invalidAt\n    score\n  }\n}"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "query UserProfile($userId: ID!) {\n  userProfile(userId: $userId) {\n    id\n    displayName\n    firstName\n    lastName\n    email\n    locale\n    timezone\n    plan\n    preferences\n  }\n}"): (typeof documents)["query UserProfile($userId: ID!) {\n  userProfile(userId: $userId) {\n    id\n    displayName\n    firstName\n    lastName\n    email\n    locale\n    timezone\n    plan\n    preferences\n  }\n}"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;