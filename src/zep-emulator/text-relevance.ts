/**
 * Deterministic stand-in for Zep's semantic search: the share of the query's distinct words that
 * occur in a text. Good enough to make "the relevant fact comes first" observable in tests.
 * @internal
 */

const STOP_WORDS: ReadonlySet<string> = new Set([
  'a', 'an', 'and', 'are', 'as', 'at', 'be', 'by', 'do', 'does', 'for', 'from', 'has', 'have', 'he', 'her',
  'his', 'how', 'i', 'in', 'is', 'it', 'its', 'me', 'my', 'of', 'on', 'or', 'she', 'that', 'the', 'their',
  'them', 'they', 'this', 'to', 'was', 'we', 'what', 'when', 'where', 'which', 'who', 'why', 'with', 'you', 'your',
]);

/** Lower-cased distinct words of `text`, without stop words. */
export function tokenize(text: string): ReadonlySet<string> {
  const words = text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return new Set(words.filter((word) => !STOP_WORDS.has(word)));
}

/** Share (0..1) of `queryTokens` found in `text`; 0 when the query has no tokens. */
export function overlapScore(queryTokens: ReadonlySet<string>, text: string): number {
  if (queryTokens.size === 0) return 0;
  const textTokens = tokenize(text);
  let hits = 0;
  for (const token of queryTokens) if (textTokens.has(token)) hits += 1;
  return hits / queryTokens.size;
}

export interface Ranked<T> {
  readonly item: T;
  readonly score: number;
}

export interface RankOptions<T> {
  readonly text: (item: T) => string;
  readonly createdAt: (item: T) => string;
  readonly limit: number;
  /** Keep items that share no word with the query (after the matching ones). @default false */
  readonly keepUnmatched?: boolean;
}

/**
 * Orders `items` by score (desc), then `created_at` (most recent first). A query without words
 * (empty, whitespace or only stop words) ranks by recency alone, every score being 0.
 */
export function rankByRelevance<T>(items: Iterable<T>, query: string, options: RankOptions<T>): Ranked<T>[] {
  const queryTokens = tokenize(query);
  const scored: Array<Ranked<T> & { readonly time: number }> = [];
  for (const item of items) {
    const score = overlapScore(queryTokens, options.text(item));
    if (queryTokens.size > 0 && score === 0 && options.keepUnmatched !== true) continue;
    scored.push({ item, score, time: Date.parse(options.createdAt(item)) });
  }
  // Array#sort is stable, so equal scores and timestamps keep insertion order.
  scored.sort((a, b) => b.score - a.score || b.time - a.time);
  return scored.slice(0, options.limit).map(({ item, score }) => ({ item, score }));
}
