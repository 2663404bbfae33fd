import { afterEach, describe, expect, it } from 'vitest';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { useTestStack } from '../support/test-stack.js';

const stack = useTestStack();

afterEach(() => {
  stack.zep.emulator.faults.reset();
  stack.zep.emulator.resetStats();
});

const BUNDLE_FIELDS = 'text tokens budgetTokens tokenizer parts { name context provider tokens itemsKept itemsDropped truncated }';

interface PromptContextValue {
  text: string;
  tokens: number;
  budgetTokens: number;
  tokenizer: string;
  parts: Array<{ name: string; context: string; provider: string | null; tokens: number; itemsKept: number; itemsDropped: number; truncated: boolean }>;
}

describe('agentContext over GraphQL', () => {
  it('answers one block of text within the budget, counted exactly', async () => {
    const { body } = await stack.server.graphql(`{ agentContext(userId: "u1", threadId: "t1", query: "tea") { ${BUNDLE_FIELDS} } }`);
    expect(body.errors).toBeUndefined();
    const value = body.data?.['agentContext'] as PromptContextValue;
    console.log(value.text);
    console.log(JSON.stringify(body.extensions, null, 1));
    expect(value.tokens).toBe(countTokens(value.text));
    expect(value.tokens).toBeLessThanOrEqual(2000);
  });
});
