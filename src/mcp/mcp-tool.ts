import type { StoreSession } from '../store/index.js';

/** A JSON Schema whose root describes an object, as MCP requires of tool input and output schemas. */
export interface ObjectJsonSchema {
  readonly type: 'object';
  readonly [keyword: string]: unknown;
}

/** What a tool answers on success: a text rendering for the model and the JSON value for programs. */
export interface ToolOutput {
  readonly text: string;
  readonly structuredContent: Readonly<Record<string, unknown>>;
}

/**
 * One MCP tool. Tools are made from definitions (`contextTool`, `bundleTool`), never written per
 * definition; `call` runs through the caller's store session, so access rules, validation, cache,
 * fallbacks and provenance are those of GraphQL and REST.
 */
export interface McpTool {
  readonly name: string;
  readonly description: string;
  readonly inputSchema: ObjectJsonSchema;
  readonly outputSchema?: ObjectJsonSchema;
  /** Throws an `EngramError` for anything the caller should hear about (bad input, forbidden, …). */
  call(session: StoreSession, args: Readonly<Record<string, unknown>>): Promise<ToolOutput>;
}
