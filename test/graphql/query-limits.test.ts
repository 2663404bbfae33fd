import { describe, expect, it } from 'vitest';
import { documentNesting } from '../../src/graphql/index.js';
import { useTestStack } from '../support/test-stack.js';

const stack = useTestStack();

const aliases = (n: number, field: string): string => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

describe('query limits', () => {
  it('counts aliases of __typename toward the alias limit', async () => {
    const { status, body } = await stack.server.graphql(aliases(1000, '__typename'));
    expect(status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors).toEqual([
      expect.objectContaining({ message: 'Query limit: Aliases limit of 64 exceeded, found 1000.', extensions: expect.objectContaining({ code: 'GRAPHQL_VALIDATION_FAILED' }) }),
    ]);
  });

  it('accepts up to the limit, __typename aliases included', async () => {
    const { status, body } = await stack.server.graphql(`{ ${Array.from({ length: 32 }, (_, i) => `t${i}: __typename`).join(' ')} ${Array.from({ length: 32 }, (_, i) => `p${i}: userProfile(userId: "u1") { id }`).join(' ')} }`);
    expect(status).toBe(200);
    expect(body.errors).toBeUndefined();
    expect(Object.keys(body.data ?? {})).toHaveLength(64);
    const over = await stack.server.graphql(`{ x: __typename ${Array.from({ length: 64 }, (_, i) => `p${i}: userProfile(userId: "u1") { id }`).join(' ')} }`);
    expect(over.body.errors?.[0]?.message).toBe('Query limit: Aliases limit of 64 exceeded, found 65.');
  });

  it('refuses a document nested deeper than 64 brackets before parsing it, and parses one at 64', async () => {
    const at = (depth: number) => `{ userProfile(userId: ${'['.repeat(depth - 2)}"u1"${']'.repeat(depth - 2)}) { id } }`;
    const refused = await stack.server.graphql(at(65));
    expect(refused.status).toBe(400);
    expect(refused.body.errors).toEqual([{ message: 'Syntax Error: Nesting limit of 64 exceeded.', extensions: { code: 'GRAPHQL_PARSE_FAILED' } }]);
    // At 64 the document parses; its list-of-lists argument is then refused by validation, not by the parser.
    const parsed = await stack.server.graphql(at(64));
    expect(parsed.body.errors?.[0]?.extensions?.['code']).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('measures nesting outside strings, block strings and comments', () => {
    expect(documentNesting('{ a { b } }')).toBe(2);
    expect(documentNesting('{ a(x: [[1]]) { b } }')).toBe(4);
    expect(documentNesting('{ a(x: "{{{{[[[[") }')).toBe(2);
    expect(documentNesting('{ a(x: "\\"{{{") }')).toBe(2);
    expect(documentNesting('{ a(x: """ {{{ \\""" [[[ """) }')).toBe(2);
    expect(documentNesting('{ a # {{{{{{\n }')).toBe(1);
    expect(documentNesting('}}}{')).toBe(1);
    expect(documentNesting(`${'{'.repeat(100_000)}`, 64)).toBe(65);
  });
});
