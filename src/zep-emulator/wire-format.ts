/**
 * JSON shapes the emulator puts on the wire, snake_case exactly as Zep Cloud API v2 sends them and as
 * `@getzep/zep-cloud` 3.30 parses them (its `serialization` schemas are the source of truth).
 * Optional fields are omitted rather than sent as `null`.
 * @internal
 */

/** Zep's error body (`ApiError`); every non-2xx answer of the emulator has this shape. */
export interface WireApiError {
  readonly message: string;
}

/** Zep's `SuccessResponse`, the answer of deletes. */
export interface WireSuccess {
  readonly message: string;
}

export type WireRoleType = 'norole' | 'system' | 'assistant' | 'user' | 'function' | 'tool';

export interface WireUser {
  readonly uuid: string;
  readonly id: number;
  readonly user_id: string;
  readonly project_uuid: string;
  readonly email?: string;
  readonly first_name?: string;
  readonly last_name?: string;
  readonly metadata?: Record<string, unknown>;
  readonly time_zone?: string;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface WireThread {
  readonly uuid: string;
  readonly thread_id: string;
  readonly user_id: string;
  readonly user_uuid: string;
  readonly project_uuid: string;
  readonly created_at: string;
}

export interface WireMessage {
  readonly uuid: string;
  readonly role: WireRoleType;
  readonly content: string;
  readonly name?: string;
  readonly metadata?: Record<string, unknown>;
  readonly created_at: string;
  readonly processed: boolean;
}

export interface WireMessageList {
  readonly messages: readonly WireMessage[];
  readonly row_count: number;
  readonly total_count: number;
  readonly thread_created_at: string;
  readonly user_id: string;
  readonly user_uuid: string;
}

export interface WireAddMessagesResponse {
  readonly message_uuids: readonly string[];
  readonly context?: string;
}

export interface WireThreadContext {
  readonly context: string;
}

export interface WireGraph {
  readonly uuid: string;
  readonly id: number;
  readonly graph_id: string;
  readonly project_uuid: string;
  readonly name?: string;
  readonly description?: string;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface WireEntityNode {
  readonly uuid: string;
  readonly name: string;
  readonly summary: string;
  readonly labels: readonly string[];
  readonly attributes?: Record<string, unknown>;
  readonly created_at: string;
  readonly score?: number;
}

export interface WireEntityEdge {
  readonly uuid: string;
  readonly name: string;
  readonly fact: string;
  readonly source_node_uuid: string;
  readonly target_node_uuid: string;
  readonly source_node_name: string;
  readonly target_node_name: string;
  readonly attributes?: Record<string, unknown>;
  readonly episodes: readonly string[];
  readonly created_at: string;
  readonly valid_at?: string;
  readonly invalid_at?: string;
  readonly expired_at?: string;
  readonly score?: number;
}

export type WireGraphDataType = 'text' | 'json' | 'message' | 'fact_triple';

export interface WireEpisode {
  readonly uuid: string;
  readonly content: string;
  readonly source: WireGraphDataType;
  readonly source_description?: string;
  /** The speaker's name for message episodes. */
  readonly role?: string;
  readonly role_type?: WireRoleType;
  readonly thread_id?: string;
  readonly metadata?: Record<string, unknown>;
  readonly processed: boolean;
  readonly created_at: string;
  readonly score?: number;
}

export interface WireAddTripleResponse {
  readonly edge: WireEntityEdge;
  readonly source_node: WireEntityNode;
  readonly target_node: WireEntityNode;
}

export interface WireGraphSearchResults {
  readonly edges?: readonly WireEntityEdge[];
  readonly nodes?: readonly WireEntityNode[];
  readonly episodes?: readonly WireEpisode[];
}
