import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { DefinitionError } from '../errors/index.js';
import type { McpTool } from './mcp-tool.js';

/**
 * The tools an Engram serves over MCP, fixed at start-up: the `tools/list` answer is built once and
 * shared by every connection.
 */
export class McpToolSet {
  readonly #byName = new Map<string, McpTool>();
  /** The `tools/list` entries. */
  readonly list: readonly Tool[];

  constructor(tools: Iterable<McpTool>) {
    const list: Tool[] = [];
    for (const tool of tools) {
      if (this.#byName.has(tool.name)) throw new DefinitionError(tool.name, 'is served as an MCP tool more than once; tool names must be unique.');
      this.#byName.set(tool.name, tool);
      list.push({
        name: tool.name,
        description: tool.description,
        inputSchema: tool.inputSchema,
        ...(tool.outputSchema ? { outputSchema: tool.outputSchema } : {}),
        // Every Engram tool reads context; none changes anything.
        annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true },
      });
    }
    this.list = list;
  }

  get(name: string): McpTool | undefined {
    return this.#byName.get(name);
  }

  get size(): number {
    return this.#byName.size;
  }
}
