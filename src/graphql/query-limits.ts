import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, type ValidationContext } from 'graphql';
import type { Plugin } from 'graphql-yoga';

/** Limits checked while validating a document, before anything executes. */
export interface QueryLimits {
  /** @default 10 */
  readonly maxDepth?: number;
  /** Aliases per operation, `__typename` aliases included (q20-style batching needs 20). @default 64 */
  readonly maxAliases?: number;
  /** Lexer tokens per document. @default 4000 */
  readonly maxTokens?: number;
  /** Cost per document (graphql-armor's cost model: objects 2, scalars 1, depth-weighted). @default 5000 */
  readonly maxCost?: number;
  /** @default 20 */
  readonly maxDirectives?: number;
  /**
   * Bracket nesting of the document text, checked before parsing (the parser would overflow the
   * stack long before the token limit). Applies even when the other limits are off.
   * @default 64
   */
  readonly maxNesting?: number;
}

/** The nesting limit when none is configured. */
export const DEFAULT_MAX_NESTING = 64;

/** graphql-armor protections; rejected documents answer 400 with the limit and what was found. */
export function useQueryLimits(limits: QueryLimits = {}): Plugin {
  // Reported as validation errors rather than thrown from a rule (which yoga would answer with
  // 200), so rejected documents answer 400 GRAPHQL_VALIDATION_FAILED.
  // graphql-armor words every rejection as a "Syntax Error:", which these are not: the document
  // parsed fine and broke a limit.
  const report = {
    exposeLimits: true,
    propagateOnRejection: false,
    onReject: [
      (context: ValidationContext | null, error: GraphQLError) =>
        context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, 'Query limit: '), { nodes: error.nodes ?? null })),
    ],
  };
  return EnvelopArmorPlugin({
    maxDepth: { n: limits.maxDepth ?? 10, ignoreIntrospection: true, ...report },
    // graphql-armor exempts `__typename` aliases by default, so a thousand of them passed.
    maxAliases: { n: limits.maxAliases ?? 64, allowList: [], ...report },
    // Counted while parsing, where there is no validation context: thrown as a parse error (400).
    maxTokens: { n: limits.maxTokens ?? 4000, exposeLimits: true, propagateOnRejection: true },
    costLimit: { maxCost: limits.maxCost ?? 5000, ignoreIntrospection: true, ...report },
    maxDirectives: { n: limits.maxDirectives ?? 20, ...report },
    // Suggestions ("Did you mean …?") stay: the schema is public through introspection anyway.
    blockFieldSuggestion: { enabled: false },
  }) as Plugin;
}
