import type { KnowledgeGraph } from './knowledge-graph.js';
import { rankByRelevance } from './text-relevance.js';
import type { WireEntityEdge, WireEntityNode, WireEpisode, WireGraphSearchResults } from './wire-format.js';

export type SearchScope = 'edges' | 'nodes' | 'episodes';

export type ComparisonOperator = '=' | '<>' | '>' | '<' | '>=' | '<=' | 'IS NULL' | 'is_null' | 'IS NOT NULL';

export interface DateFilter {
  readonly comparison_operator: ComparisonOperator;
  readonly date?: string | undefined;
}

/** Outer list: any group may match (OR); inner list: every filter must match (AND), as in Zep. */
export type DateFilterGroups = readonly (readonly DateFilter[])[];

/** The subset of Zep's `search_filters` the emulator applies. */
export interface SearchFilters {
  readonly edge_types?: readonly string[] | undefined;
  readonly exclude_edge_types?: readonly string[] | undefined;
  readonly edge_uuids?: readonly string[] | undefined;
  readonly node_labels?: readonly string[] | undefined;
  readonly exclude_node_labels?: readonly string[] | undefined;
  readonly created_at?: DateFilterGroups | undefined;
  readonly valid_at?: DateFilterGroups | undefined;
  readonly invalid_at?: DateFilterGroups | undefined;
  readonly expired_at?: DateFilterGroups | undefined;
}

export interface GraphSearchRequest {
  readonly query: string;
  readonly scope: SearchScope;
  readonly limit: number;
  readonly filters?: SearchFilters | undefined;
}

function compare(value: string | undefined, filter: DateFilter): boolean {
  switch (filter.comparison_operator) {
    case 'IS NULL':
    case 'is_null':
      return value === undefined;
    case 'IS NOT NULL':
      return value !== undefined;
    default: {
      if (value === undefined || filter.date === undefined) return false;
      const left = Date.parse(value);
      const right = Date.parse(filter.date);
      switch (filter.comparison_operator) {
        case '=':
          return left === right;
        case '<>':
          return left !== right;
        case '>':
          return left > right;
        case '<':
          return left < right;
        case '>=':
          return left >= right;
        case '<=':
          return left <= right;
      }
    }
  }
}

function matchesDates(value: string | undefined, groups: DateFilterGroups | undefined): boolean {
  if (groups === undefined || groups.length === 0) return true;
  return groups.some((group) => group.every((filter) => compare(value, filter)));
}

function intersects(values: readonly string[], wanted: readonly string[]): boolean {
  return values.some((value) => wanted.includes(value));
}

function edgeMatches(edge: WireEntityEdge, filters: SearchFilters): boolean {
  return (
    (filters.edge_types === undefined || filters.edge_types.includes(edge.name)) &&
    (filters.exclude_edge_types === undefined || !filters.exclude_edge_types.includes(edge.name)) &&
    (filters.edge_uuids === undefined || filters.edge_uuids.includes(edge.uuid)) &&
    matchesDates(edge.created_at, filters.created_at) &&
    matchesDates(edge.valid_at, filters.valid_at) &&
    matchesDates(edge.invalid_at, filters.invalid_at) &&
    matchesDates(edge.expired_at, filters.expired_at)
  );
}

function nodeMatches(node: WireEntityNode, filters: SearchFilters): boolean {
  return (
    (filters.node_labels === undefined || intersects(node.labels, filters.node_labels)) &&
    (filters.exclude_node_labels === undefined || !intersects(node.labels, filters.exclude_node_labels)) &&
    matchesDates(node.created_at, filters.created_at)
  );
}

function episodeMatches(episode: WireEpisode, filters: SearchFilters): boolean {
  return matchesDates(episode.created_at, filters.created_at);
}

/** Ranks `items` for the request and stamps each result with its `score`. */
function ranked<T extends { readonly created_at: string }>(
  items: Iterable<T>,
  text: (item: T) => string,
  request: GraphSearchRequest,
): Array<T & { score: number }> {
  return rankByRelevance(items, request.query, {
    text,
    createdAt: (item) => item.created_at,
    limit: request.limit,
  }).map(({ item, score }) => ({ ...item, score }));
}

/**
 * Searches one graph. Results are ranked by word overlap with the query (`score` in 0..1), ties
 * broken by `created_at`, most recent first; an empty query lists the most recent items.
 * @internal
 */
export function searchGraph(graph: KnowledgeGraph, request: GraphSearchRequest): WireGraphSearchResults {
  const filters = request.filters ?? {};
  switch (request.scope) {
    case 'edges':
      return { edges: ranked(graph.edges.filter((edge) => edgeMatches(edge, filters)), (edge) => edge.fact, request) };
    case 'nodes':
      return {
        nodes: ranked([...graph.nodes].filter((node) => nodeMatches(node, filters)), (node) => `${node.name} ${node.summary}`, request),
      };
    case 'episodes':
      return {
        episodes: ranked(graph.episodes.filter((episode) => episodeMatches(episode, filters)), (episode) => episode.content, request),
      };
  }
}
