import { z } from 'zod';
import type { ContextRegistry, RegisteredBundle } from '../context/index.js';
import { PromptContextSchema } from '../prompt/index.js';
import { BundleProvenanceSchema } from '../store/index.js';
import { objectJsonSchema, ToolErrorSchema } from './json-schema.js';
import type { McpTool } from './mcp-tool.js';

const BundleResultSchema = z.union([z.object({ data: PromptContextSchema, meta: BundleProvenanceSchema }), ToolErrorSchema]);

/**
 * The tool of a bundle: input = the bundle's arguments with `budgetTokens` and `format` (its
 * defaults included); the text content is the prompt text itself, ready for a prompt, and the
 * structured content is the REST body (`{ data: PromptContext, meta }`: tokens, what was cut, and
 * which provider answered each part).
 */
export function bundleTool(bundle: RegisteredBundle): McpTool {
  return {
    name: bundle.name,
    description: bundle.definition.description,
    // The store refuses arguments a bundle does not have, as for contexts.
    inputSchema: { ...objectJsonSchema(bundle.schema, 'input'), additionalProperties: false },
    outputSchema: objectJsonSchema(BundleResultSchema, 'output'),
    call: async (session, args) => {
      const { value, provenance } = await session.bundle(bundle.name, args);
      return { text: value.text, structuredContent: { data: value, meta: provenance } };
    },
  };
}

/** A tool per bundle of the registry, in registration order. */
export function bundleTools(registry: ContextRegistry): McpTool[] {
  return registry.bundles().map(bundleTool);
}
