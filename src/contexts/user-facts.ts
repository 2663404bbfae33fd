import { z } from 'zod';
import { defineContext, id } from '../context/index.js';
import { postgresOps } from '../providers/postgres/index.js';
import { Fact } from './shapes.js';

export const userFacts = defineContext({
  name: 'userFacts',
  description: 'What is known about the user, newest first.',
  args: z.object({
    userId: id('The user the facts are about.'),
    limit: z.int().min(1).max(50).default(10).describe('Most facts to return (1–50).'),
  }),
  output: z.array(Fact),
  sources: (from) => [
    from(postgresOps.userFacts, {
      key: (args) => ({ userId: args.userId, limit: args.limit }),
      map: (rows) => rows.map((r) => ({ ...r, score: null })),
    }),
  ],
  cache: { ttlSeconds: 30, staleIfErrorSeconds: 600 },
});
