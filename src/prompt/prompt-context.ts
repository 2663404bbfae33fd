import { z } from 'zod';

/** What one part contributed to a prompt context. */
export const PromptPartSchema = z
  .object({
    name: z.string().describe('The part, as the bundle names it.'),
    context: z.string().describe('The context definition the part reads.'),
    provider: z.string().nullable().describe('Provider that answered (a fallback included); null when the part was not read or failed.'),
    tokens: z.int().describe('Tokens of the part\'s section, counted on its own.'),
    itemsKept: z.int(),
    itemsDropped: z.int().describe('Items cut to fit the budget.'),
    truncated: z.boolean().describe('True when the part lost items to the budget, or all of it to a failure or an access rule.'),
  })
  .meta({ id: 'PromptPart', description: 'What one part of a bundle contributed to its text.' });

/** A bundle's answer: one block of text for a prompt, within an exact token budget. */
export const PromptContextSchema = z
  .object({
    text: z.string().describe('The block to put in the prompt.'),
    tokens: z.int().describe('Tokens of `text`, counted exactly with `tokenizer`; never above `budgetTokens`.'),
    budgetTokens: z.int(),
    tokenizer: z.string().describe('The encoding tokens are counted with, e.g. `o200k_base`.'),
    parts: z.array(PromptPartSchema),
  })
  .meta({ id: 'PromptContext', description: 'Prompt-ready context assembled from several contexts under a token budget.' });

export type PromptPart = z.output<typeof PromptPartSchema>;
export type PromptContext = z.output<typeof PromptContextSchema>;
