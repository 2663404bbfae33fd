import type { ColumnType, Kysely } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A timestamp with a database default. */
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;

export interface UsersTable {
  id: string;
  email: string;
  first_name: string;
  last_name: string;
  created_at: DefaultTimestamp;
}

export interface ProfilesTable {
  user_id: string;
  locale: string;
  timezone: string;
  plan: string;
  bio: string;
  preferences: ColumnType<Record<string, unknown>, string | undefined, string>;
  updated_at: DefaultTimestamp;
}

export interface FactsTable {
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
  id: string;
  user_id: string;
  created_at: Timestamp;
}

export interface MessagesTable {
  id: string;
  thread_id: string;
  role: string;
  content: string;
  created_at: Timestamp;
}

export interface DocumentsTable {
  id: string;
  title: string;
  body: string;
  tags: string[];
  created_at: DefaultTimestamp;
  /** Generated `tsvector` column; never written. */
  search: ColumnType<string, never, never>;
}

/** The cold store's schema, as Kysely sees it. */
export interface Database {
  users: UsersTable;
  profiles: ProfilesTable;
  facts: FactsTable;
  threads: ThreadsTable;
  messages: MessagesTable;
  documents: DocumentsTable;
}

export type EngramDatabase = Kysely<Database>;
