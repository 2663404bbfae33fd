import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { mustBe, onlyKeys, parseRequest } from '../emulator-api-error.js';
import type { EmulatorStore } from '../emulator-store.js';
import { searchGraph } from '../graph-search.js';
import type { WireAddTripleResponse, WireEpisode, WireGraph, WireGraphSearchResults } from '../wire-format.js';
import { isoDateTime, metadata, nonEmptyString } from './request-schemas.js';

const graphTarget = {
  user_id: nonEmptyString.optional(),
  graph_id: nonEmptyString.optional(),
};

const createGraphBody = z.object({
  graph_id: nonEmptyString,
  name: z.string().optional(),
  description: z.string().optional(),
  time_zone: z.string().optional(),
});

const addDataBody = z.object({
  ...graphTarget,
  data: nonEmptyString,
  type: z.enum(['text', 'json', 'message', 'fact_triple']),
  created_at: isoDateTime.optional(),
  source_description: z.string().optional(),
  metadata: metadata.optional(),
});

const addFactTripleBody = z.object({
  ...graphTarget,
  fact: nonEmptyString,
  fact_name: nonEmptyString,
  created_at: isoDateTime.optional(),
  valid_at: isoDateTime.optional(),
  invalid_at: isoDateTime.optional(),
  expired_at: isoDateTime.optional(),
  edge_attributes: metadata.optional(),
  metadata: metadata.optional(),
  source_node_uuid: z.string().optional(),
  source_node_name: z.string().optional(),
  source_node_summary: z.string().optional(),
  source_node_labels: z.array(z.string()).optional(),
  source_node_attributes: metadata.optional(),
  target_node_uuid: z.string().optional(),
  target_node_name: z.string().optional(),
  target_node_summary: z.string().optional(),
  target_node_labels: z.array(z.string()).optional(),
  target_node_attributes: metadata.optional(),
});

const comparisonOperators = ['=', '<>', '>', '<', '>=', '<=', 'IS NULL', 'is_null', 'IS NOT NULL'] as const;

const dateFilterGroups = z.array(
  z.array(
    z.strictObject({
      comparison_operator: z.enum(
        comparisonOperators,
        mustBe(`one of ${comparisonOperators.join(', ')} (the emulator does not support CONTAINS on dates)`),
      ),
      date: isoDateTime.optional(),
    }),
  ),
);

const supportedFilters = {
  edge_types: z.array(z.string()).optional(),
  exclude_edge_types: z.array(z.string()).optional(),
  edge_uuids: z.array(z.string()).optional(),
  node_labels: z.array(z.string()).optional(),
  exclude_node_labels: z.array(z.string()).optional(),
  created_at: dateFilterGroups.optional(),
  valid_at: dateFilterGroups.optional(),
  invalid_at: dateFilterGroups.optional(),
  expired_at: dateFilterGroups.optional(),
};

/** The filters the emulator applies; any other Zep filter is rejected rather than silently ignored. */
const searchFilters = z.strictObject(
  supportedFilters,
  onlyKeys(Object.keys(supportedFilters), { rejected: 'unsupported filter(s)', accepted: 'the emulator applies' }),
);

const searchLimit = mustBe('an integer from 1 to 50');

/** Zep's ranking knobs (`reranker`, `mmr_lambda`, `center_node_uuid`, …) are accepted and ignored. */
const searchBody = z.object({
  ...graphTarget,
  query: z.string(),
  scope: z
    .enum(
      ['edges', 'nodes', 'episodes'],
      mustBe('one of edges, nodes, episodes (the emulator does not support thread_summaries, observations or auto)'),
    )
    .default('edges'),
  limit: z.number(searchLimit).int(searchLimit).min(1, searchLimit).max(50, searchLimit).default(10),
  reranker: z.enum(['rrf', 'mmr', 'node_distance', 'episode_mentions', 'cross_encoder']).optional(),
  search_filters: searchFilters.optional(),
});

/**
 * Graph endpoints (SDK: `client.graph.create`, `.add`, `.addFactTriple`, `.search`).
 * Note that `POST /graph` is `graph.add` (adds an episode) and `POST /graph/create` creates a named graph.
 * @internal
 */
export function registerGraphRoutes(api: FastifyInstance, store: EmulatorStore): void {
  api.post('/graph/create', async (request, reply) => {
    const body = parseRequest(createGraphBody, request.body, 'body');
    return reply.code(201).send(store.createGraph(body) satisfies WireGraph);
  });

  api.post('/graph', async (request, reply) => {
    const body = parseRequest(addDataBody, request.body, 'body');
    return reply.code(202).send(store.addData(body, body) satisfies WireEpisode);
  });

  api.post('/graph/add-fact-triple', async (request): Promise<WireAddTripleResponse> => {
    const body = parseRequest(addFactTripleBody, request.body, 'body');
    return store.graph(body).addFactTriple({
      fact: body.fact,
      factName: body.fact_name,
      source: {
        uuid: body.source_node_uuid,
        name: body.source_node_name,
        summary: body.source_node_summary,
        labels: body.source_node_labels,
        attributes: body.source_node_attributes,
      },
      target: {
        uuid: body.target_node_uuid,
        name: body.target_node_name,
        summary: body.target_node_summary,
        labels: body.target_node_labels,
        attributes: body.target_node_attributes,
      },
      edgeAttributes: body.edge_attributes,
      createdAt: body.created_at,
      validAt: body.valid_at,
      invalidAt: body.invalid_at,
      expiredAt: body.expired_at,
    });
  });

  api.post('/graph/search', async (request): Promise<WireGraphSearchResults> => {
    const body = parseRequest(searchBody, request.body, 'body');
    return searchGraph(store.graph(body), {
      query: body.query,
      scope: body.scope,
      limit: body.limit,
      filters: body.search_filters,
    });
  });
}
