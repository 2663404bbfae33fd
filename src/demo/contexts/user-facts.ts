import { z } from 'zod';
import { defineContext, id } from '../../context/index.js';
import { postgresOps } from '../../providers/postgres/index.js';
import { zepOps } from '../../providers/zep/index.js';
import { Fact } from './shapes.js';

export const userFacts = defineContext({
  name: 'userFacts',
  description: 'What is known about the user: from Zep hot memory (ranked by `query` when given), else from the Postgres archive, newest first.',
  args: z.object({
    userId: id('The user the facts are about.'),
    query: z.string().trim().min(1).max(500).optional().describe('Rank facts by relevance to this text (Zep only; the archive ignores it).'),
    limit: z.int().min(1).max(50).default(10).describe('Most facts to return (1–50).'),
  }),
  output: z.array(Fact),
  sources: (from) => [
    from(zepOps.userFacts, {
      key: (args) => ({ userId: args.userId, limit: args.limit, ...(args.query ? { query: args.query } : {}) }),
    }),
    from(postgresOps.userFacts, {
      key: (args) => ({ userId: args.userId, limit: args.limit }),
      map: (rows) => rows.map((r) => ({ ...r, score: null })),
    }),
  ],
  access: { scopes: ['context:read'], owner: (args) => args.userId },
  cache: { ttlSeconds: 30, staleIfErrorSeconds: 600 },
});
