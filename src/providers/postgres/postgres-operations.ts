import { operationRef } from '../operation.js';

export interface UserProfileRow {
  readonly id: string;
  readonly email: string;
  readonly firstName: string;
  readonly lastName: string;
  readonly locale: string | null;
  readonly timezone: string | null;
  readonly plan: string | null;
  readonly bio: string | null;
  readonly preferences: Record<string, unknown> | null;
  readonly createdAt: string;
}

export interface FactRow {
  readonly id: string;
  readonly name: string;
  readonly fact: string;
  readonly sourceNode: string;
  readonly targetNode: string;
  readonly validAt: string | null;
  readonly invalidAt: string | null;
  readonly createdAt: string;
}

export interface MessageRow {
  readonly id: string;
  readonly role: string;
  readonly content: string;
  readonly createdAt: string;
}

export interface DocumentHit {
  readonly id: string;
  readonly title: string;
  readonly snippet: string;
  readonly tags: readonly string[];
  readonly rank: number;
}

export interface ThreadFactsRow {
  readonly threadId: string;
  readonly userId: string;
  readonly facts: readonly FactRow[];
}

/** A thread with writes not yet delivered to Zep: its user's latest facts and its last messages. */
export interface PendingThreadContextRow extends ThreadFactsRow {
  readonly messages: readonly MessageRow[];
}

export interface UserFactsKey {
  readonly userId: string;
  readonly limit: number;
}

export interface ThreadMessagesKey {
  readonly threadId: string;
  readonly lastN: number;
}

export interface DocumentSearchKey {
  readonly query: string;
  readonly limit: number;
}

/** Operations of the `postgres` provider, for context definitions' sources. Every one reads the batch's tenant only. */
export const postgresOps = {
  /** A user with their profile; `null` when the user does not exist. */
  userProfile: operationRef<string, UserProfileRow | null>('postgres', 'userProfile'),
  /** The latest `limit` valid archived facts of a user, newest first. */
  userFacts: operationRef<UserFactsKey, FactRow[]>('postgres', 'userFacts'),
  /** The last `lastN` archived messages of a thread, oldest first; `null` for an unknown thread. */
  threadMessages: operationRef<ThreadMessagesKey, MessageRow[] | null>('postgres', 'threadMessages'),
  /**
   * The last `lastN` messages of a thread that has writes not yet delivered to Zep (fresher than
   * Zep); `false` when everything was delivered (ask Zep).
   */
  pendingThreadMessages: operationRef<ThreadMessagesKey, MessageRow[] | false>('postgres', 'pendingThreadMessages'),
  /**
   * A thread whose messages or user's facts Zep has not received yet: facts and last 4 messages
   * from Postgres (fresher than Zep); `false` when everything was delivered (ask Zep).
   */
  pendingThreadContext: operationRef<string, PendingThreadContextRow | false>('postgres', 'pendingThreadContext'),
  /** The thread's user and their latest facts; `null` for an unknown thread. */
  threadFacts: operationRef<string, ThreadFactsRow | null>('postgres', 'threadFacts'),
  /** The user a thread belongs to (its owner, for access rules); `null` for an unknown thread. */
  threadOwner: operationRef<string, string | null>('postgres', 'threadOwner'),
  /** Full-text search over documents, best match first. */
  searchDocuments: operationRef<DocumentSearchKey, DocumentHit[]>('postgres', 'searchDocuments'),
} as const;
