import { z } from 'zod';
import { objectJsonSchema } from './json-schema.js';
import type { McpTool } from './mcp-tool.js';
import type { StoreSession } from '../store/index.js';

/** The formats a prompt can be rendered in (GraphQL's `PromptFormat`). */
export const PROMPT_FORMATS = ['MARKDOWN', 'XML', 'JSON'] as const;

/** What a prompt tool answers: at least the prompt text (a bundle's `PromptContext`). */
export interface PromptResult {
  readonly text: string;
  readonly [field: string]: unknown;
}

export interface PromptToolInput {
  readonly name: string;
  readonly description: string;
  /** The bundle's own arguments; `budgetTokens` and `format` are added to the tool's input schema. */
  readonly args: z.ZodObject;
  /** The bundle's default budget, shown as the default of `budgetTokens`. */
  readonly defaultBudgetTokens: number;
  /**
   * Resolves the prompt through the caller's session (which validates the raw arguments, applies the
   * access rules and records provenance, as for GraphQL and REST); throws an `EngramError` on failure.
   */
  readonly resolve: (session: StoreSession, args: Readonly<Record<string, unknown>>) => Promise<PromptResult>;
}

/**
 * The tool of a prompt bundle: input = the bundle's arguments + `budgetTokens` + `format`; the text
 * content is the prompt text itself, the structured content the whole result (`PromptContext`: text,
 * tokens, budget, tokenizer, parts with what was cut).
 */
export function promptTool(input: PromptToolInput): McpTool {
  const args = input.args.extend({
    budgetTokens: z.int().min(0).default(input.defaultBudgetTokens).describe('Most tokens the prompt text may take.'),
    format: z.enum(PROMPT_FORMATS).default('MARKDOWN').describe('How the prompt text is rendered.'),
  });
  return {
    name: input.name,
    description: input.description,
    inputSchema: objectJsonSchema(args, 'input'),
    call: async (session, rawArgs) => {
      const prompt = await input.resolve(session, rawArgs);
      return { text: prompt.text, structuredContent: prompt };
    },
  };
}
