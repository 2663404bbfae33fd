import { createGraphQLError, type Plugin } from 'graphql-yoga';

/**
 * The deepest bracket nesting (`{`, `(`, `[`) of a GraphQL document's text, outside strings,
 * block strings and comments; counting stops once it passes `stopAbove`. One linear pass, no
 * recursion: it runs before the parser, whose recursive descent overflows the stack on documents
 * nested a couple of thousand deep (well under the token limit).
 */
export function documentNesting(text: string, stopAbove = Number.POSITIVE_INFINITY): number {
  let depth = 0;
  let deepest = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '#') {
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i++;
    } else if (c === '"') {
      if (text.startsWith('"""', i)) {
        i += 3;
        while (i < text.length && !text.startsWith('"""', i)) i += text.startsWith('\\"""', i) ? 4 : 1;
        i += 2;
      } else {
        i++;
        while (i < text.length && text[i] !== '"' && text[i] !== '\n') i += text[i] === '\\' ? 2 : 1;
      }
    } else if (c === '{' || c === '(' || c === '[') {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if (c === '}' || c === ')' || c === ']') {
      depth = Math.max(0, depth - 1);
    }
    i++;
  }
  return deepest;
}

/**
 * Refuses, before parsing, a document nested deeper than `maxNesting` brackets: 400
 * `GRAPHQL_PARSE_FAILED` instead of a stack overflow (a 500). Selection depth proper is limited
 * later, at validation (`maxDepth`).
 */
export function useNestingLimit(maxNesting: number): Plugin {
  return {
    onParse({ params }) {
      const text = typeof params.source === 'string' ? params.source : params.source.body;
      if (documentNesting(text, maxNesting) > maxNesting) {
        throw createGraphQLError(`Syntax Error: Nesting limit of ${maxNesting} exceeded.`, {
          extensions: { code: 'GRAPHQL_PARSE_FAILED', http: { status: 400 } },
        });
      }
    },
  };
}
