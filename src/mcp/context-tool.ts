import { z } from 'zod';
import type { ContextRegistry, RegisteredContext } from '../context/index.js';
import { ProvenanceSchema } from '../store/index.js';
import { objectJsonSchema, ToolErrorSchema } from './json-schema.js';
import type { McpTool } from './mcp-tool.js';

/**
 * The tool of a context definition: its name and description, its arguments' JSON Schema, and a
 * result whose structured content is the REST body (`{ data, meta }`: the value and its provenance)
 * or, on failure, `{ error: { code, message, invalidArgs? } }`. The text content is the value as JSON.
 */
export function contextTool(context: RegisteredContext): McpTool {
  const { definition } = context;
  const result = z.union([z.object({ data: definition.output, meta: ProvenanceSchema }), ToolErrorSchema]);
  return {
    name: context.name,
    description: definition.description,
    // The store refuses arguments a context does not have (GraphQL cannot send them; REST and MCP callers can).
    inputSchema: { ...objectJsonSchema(definition.args, 'input'), additionalProperties: false },
    outputSchema: objectJsonSchema(result, 'output'),
    call: async (session, args) => {
      const { value, provenance } = await session.get(context.name, args);
      return { text: JSON.stringify(value), structuredContent: { data: value, meta: provenance } };
    },
  };
}

/** A tool per context definition of the registry, in registration order. */
export function contextTools(registry: ContextRegistry): McpTool[] {
  return registry.list().map(contextTool);
}
