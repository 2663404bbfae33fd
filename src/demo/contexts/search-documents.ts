import { z } from 'zod';
import { defineContext, id } from '../../context/index.js';
import { postgresOps } from '../../providers/postgres/index.js';

export const searchDocuments = defineContext({
  name: 'searchDocuments',
  description: 'Documents relevant to a query (PostgreSQL full-text search), best match first.',
  args: z.object({
    query: z.string().trim().min(1).max(500).describe('Words to search for (web search syntax: "quoted phrases", -exclusions, or).'),
    limit: z.int().min(1).max(20).default(5).describe('Most documents to return (1–20).'),
  }),
  output: z.array(
    z
      .object({
        id: id(),
        title: z.string(),
        snippet: z.string().describe('Matching excerpt; matches are wrapped in <b>…</b>.'),
        tags: z.array(z.string()),
        rank: z.number().describe('Relevance (higher is better).'),
      })
      .meta({ id: 'DocumentHit' }),
  ),
  sources: (from) => [
    from(postgresOps.searchDocuments, {
      key: (args) => ({ query: args.query, limit: args.limit }),
      map: (hits) => hits.map((h) => ({ ...h, tags: [...h.tags] })),
    }),
  ],
  // The tenant's shared knowledge: any principal of the tenant with context:read.
  access: { scopes: ['context:read'] },
  cache: { ttlSeconds: 300 },
});
