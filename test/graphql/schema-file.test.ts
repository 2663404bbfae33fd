import { readFile } from 'node:fs/promises';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { demoSchema } from '../../src/demo/index.js';

describe('schema.graphql', () => {
  const schema = demoSchema();

  it('matches the schema compiled from the demo context pack, its bundles and the write fields', async () => {
    const file = await readFile(new URL('../../schema.graphql', import.meta.url), 'utf8');
    expect(file).toBe(`${printSchema(lexicographicSortSchema(schema))}\n`);
  });

  it('compiles typed arguments with defaults and correctly non-null outputs', () => {
    const sdl = printSchema(schema);
    expect(sdl).toMatch(/userFacts\(\n\s+"""The user the facts are about."""\n\s+userId: ID!\n[\s\S]*query: String\n[\s\S]*"""Most facts to return \(1–50\)."""\n\s+limit: Int = 10\n\s+\): \[Fact!\]/);
    expect(sdl).toContain('threadMessages(\n    """The conversation thread."""\n    threadId: ID!\n\n    """How many of the latest messages (1–100)."""\n    lastN: Int = 20\n  ): [Message!]');
    expect(sdl).toMatch(/userProfile\(\n\s+"""The user to describe."""\n\s+userId: ID!\n\s+\): UserProfile\n/);
    expect(sdl).toMatch(/searchDocuments\([\s\S]*query: String!\n[\s\S]*limit: Int = 5\n\s+\): \[DocumentHit!\]/);
    expect(sdl).toMatch(/type Message \{\n\s+id: ID!\n\s+role: MessageRole!\n\s+content: String!\n\s+createdAt: DateTime!\n\}/);
    expect(sdl).toMatch(/type UserProfile \{[\s\S]*locale: String\n[\s\S]*preferences: JSON\n/);
  });

  it('compiles a bundle to a field with its arguments, budgetTokens and format, returning PromptContext', () => {
    const sdl = printSchema(schema);
    expect(sdl).toMatch(/agentContext\([\s\S]*userId: ID!\n[\s\S]*threadId: ID!\n[\s\S]*query: String\n[\s\S]*budgetTokens: Int = 2000\n[\s\S]*format: PromptFormat = MARKDOWN\n\s+\): PromptContext\n/);
    expect(sdl).toMatch(/type PromptContext \{[\s\S]*text: String!\n[\s\S]*tokens: Int!\n[\s\S]*budgetTokens: Int!\n[\s\S]*tokenizer: String!\n\s+parts: \[PromptPart!\]!\n\}/);
    expect(sdl).toMatch(/type PromptPart \{[\s\S]*context: String!\n[\s\S]*provider: String\n[\s\S]*tokens: Int!\n\s+itemsKept: Int!\n[\s\S]*itemsDropped: Int!\n[\s\S]*truncated: Boolean!\n\}/);
    expect(sdl).toContain('enum PromptFormat {\n  MARKDOWN\n  XML\n  JSON\n}');
  });
});
