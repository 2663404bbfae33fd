import { operationRef } from '../operation.js';

/** One message of a Zep thread. */
export interface ZepMessage {
  /** Zep's message uuid. */
  readonly id: string;
  /** Zep's role type: `user`, `assistant`, `system`, `tool`, `function` or `norole`. */
  readonly role: string;
  readonly content: string;
  /** ISO 8601. */
  readonly createdAt: string;
}

/** A fact (an edge of the user's knowledge graph). */
export interface ZepFact {
  /** Zep's edge uuid. */
  readonly id: string;
  /** Relation name, e.g. `PREFERS`. */
  readonly name: string;
  readonly fact: string;
  /** Name of the source entity when Zep sends it with the edge; `null` otherwise (never looked up). */
  readonly sourceNode: string | null;
  /** Name of the target entity when Zep sends it with the edge; `null` otherwise (never looked up). */
  readonly targetNode: string | null;
  readonly validAt: string | null;
  readonly invalidAt: string | null;
  readonly createdAt: string;
  /** Relevance to the query as Zep scored it; `null` when Zep sent none. */
  readonly score: number | null;
}

/** An entity (a node of the user's knowledge graph). */
export interface ZepNode {
  readonly id: string;
  readonly name: string;
  /** `null` when Zep has no summary (blank). */
  readonly summary: string | null;
  readonly labels: string[];
  readonly createdAt: string;
  readonly score: number | null;
}

/** An episode: a message or piece of data the graph was built from. */
export interface ZepEpisode {
  readonly id: string;
  readonly content: string;
  /** `message`, `text`, `json`, … */
  readonly source: string | null;
  readonly createdAt: string;
  readonly score: number | null;
}

export type ZepSearchScope = 'edges' | 'nodes' | 'episodes';

/** Graph search results: only the list of the searched scope is filled, the others are empty. */
export interface ZepGraphSearchResult {
  readonly edges: ZepFact[];
  readonly nodes: ZepNode[];
  readonly episodes: ZepEpisode[];
}

/** Zep's context block for a thread (facts and entities relevant to its latest messages). */
export interface ZepThreadContext {
  readonly threadId: string;
  readonly context: string;
}

export interface ZepUser {
  readonly id: string;
  readonly email: string | null;
  readonly firstName: string | null;
  readonly lastName: string | null;
  readonly metadata: Record<string, unknown> | null;
  readonly createdAt: string | null;
}

export interface ZepThreadMessagesKey {
  readonly threadId: string;
  /** How many of the latest messages; at least 1. */
  readonly lastN: number;
}

export interface ZepUserFactsKey {
  readonly userId: string;
  /** Facts most relevant to this text; absent or blank: the most recent facts. */
  readonly query?: string;
  /** 1–50 (Zep's cap). */
  readonly limit: number;
}

export interface ZepGraphSearchKey {
  readonly userId: string;
  /** Blank searches like {@link ZepUserFactsKey.query}. */
  readonly query: string;
  readonly scope: ZepSearchScope;
  /** 1–50 (Zep's cap). */
  readonly limit: number;
}

/** Operations of the `zep` provider, for context definitions' sources. */
export const zepOps = {
  /** Zep's context block of a thread; `null` for an unknown thread. */
  threadContext: operationRef<string, ZepThreadContext | null>('zep', 'threadContext'),
  /** The last `lastN` messages of a thread, oldest first; `null` for an unknown thread. */
  threadMessages: operationRef<ZepThreadMessagesKey, ZepMessage[] | null>('zep', 'threadMessages'),
  /** Facts of a user, most relevant to `query` first (most recent first without one); `[]` for an unknown user. */
  userFacts: operationRef<ZepUserFactsKey, ZepFact[]>('zep', 'userFacts'),
  /** Searches a user's graph in one scope; every list empty for an unknown user. */
  graphSearch: operationRef<ZepGraphSearchKey, ZepGraphSearchResult>('zep', 'graphSearch'),
  /** A Zep user; `null` when the user does not exist. */
  user: operationRef<string, ZepUser | null>('zep', 'user'),
} as const;
