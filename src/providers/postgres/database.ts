import type { ColumnType, Kysely } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamp with a database default. */
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface UsersTable {
  tenant_id: string;
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  created_at: DefaultTimestamp;
}

export interface ProfilesTable {
  tenant_id: string;
  user_id: string;
  locale: string;
  timezone: string;
  plan: string;
  bio: string;
  preferences: ColumnType<Record<string, unknown>, string | undefined, string>;
  updated_at: DefaultTimestamp;
}

export interface FactsTable {
  tenant_id: string;
  id: string;
  user_id: string;
  name: string;
  fact: string;
  source_node: string;
  target_node: string;
  valid_at: Timestamp | null;
  invalid_at: Timestamp | null;
  created_at: Timestamp;
}

export interface ThreadsTable {
  tenant_id: string;
  id: string;
  user_id: string;
  created_at: Timestamp;
}

export interface MessagesTable {
  tenant_id: string;
  id: string;
  thread_id: string;
  role: string;
  content: string;
  created_at: Timestamp;
}

export interface DocumentsTable {
  tenant_id: string;
  id: string;
  title: string;
  body: string;
  tags: string[];
  created_at: DefaultTimestamp;
  /** Generated `tsvector` column; never written. */
  search: ColumnType<string, never, never>;
}

/** API keys of agents and services; the secret is stored only as its SHA-256 (hex). */
export interface ApiKeysTable {
  id: string;
  tenant_id: string;
  subject: string;
  scopes: ColumnType<string[], string[] | undefined, string[]>;
  name: string;
  key_hash: string;
  created_at: DefaultTimestamp;
  expires_at: Timestamp | null;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

/** What Zep must still be told: one entry per write, delivered in `id` order within its stream. */
export interface OutboxTable {
  tenant_id: string;
  id: ColumnType<string, never, never>;
  stream: string;
  kind: 'messages' | 'facts';
  target_id: string;
  payload: ColumnType<unknown, string, string>;
  created_at: DefaultTimestamp;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: DefaultTimestamp;
  lease_until: Timestamp | null;
  lease_token: string | null;
  delivered_at: Timestamp | null;
  last_error: string | null;
}

/** The first answer of a write sent with an idempotency key. */
export interface IdempotencyKeysTable {
  tenant_id: string;
  subject: string;
  key: string;
  operation: string;
  request_hash: string;
  response: ColumnType<unknown, string, string>;
  created_at: DefaultTimestamp;
}

/** The cold store's schema, as Kysely sees it. Every table of context data carries `tenant_id`. */
export interface Database {
  users: UsersTable;
  profiles: ProfilesTable;
  facts: FactsTable;
  threads: ThreadsTable;
  messages: MessagesTable;
  documents: DocumentsTable;
  api_keys: ApiKeysTable;
  outbox: OutboxTable;
  idempotency_keys: IdempotencyKeysTable;
}

export type EngramDatabase = Kysely<Database>;
