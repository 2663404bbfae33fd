import { z } from 'zod';
import { ErrorCodeSchema } from '../store/index.js';
import type { ObjectJsonSchema } from './mcp-tool.js';

/**
 * A zod schema as a self-contained JSON Schema (2020-12, named types under `$defs`), with `type:
 * "object"` at the root as MCP requires (a union of objects keeps its `anyOf` beside it).
 */
export function objectJsonSchema(schema: z.ZodType, io: 'input' | 'output'): ObjectJsonSchema {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io, target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...json, type: 'object' };
}

/** The `error` of a failed tool call's structured content: the body REST answers with. */
export const ToolErrorSchema = z.object({
  error: z.object({
    code: ErrorCodeSchema,
    message: z.string(),
    invalidArgs: z.array(z.object({ field: z.string(), reason: z.string() })).optional().describe('Each bad argument and why (BAD_USER_INPUT only).'),
  }),
});
