/**
 * Bench child: Engram serving the demo definitions over real PostgreSQL and the Zep emulator, exactly
 * as `createEngram` builds it (Fastify + yoga + Pothos + per-request DataLoaders). `cache: false`
 * turns the cross-request cache off (what the peers do not have either); `batching: false` gives the
 * naive N+1 variant.
 */
import { createDemoEngram } from '../../src/demo/index.js';
import { openDatabase } from '../../src/providers/postgres/index.js';
import { createZepClient } from '../../src/providers/zep/index.js';
import { BENCH_POOL_SIZE, BENCH_TENANT, BENCH_ZEP_TUNING } from '../peers/index.js';
import { childConfig, onFinishedResponse, portOf, requireBoolean, requireString, runChild } from './serve-child.js';

runChild(async () => {
  const config = childConfig();
  const database = await openDatabase({ url: requireString(config, 'databaseUrl'), poolSize: BENCH_POOL_SIZE });
  const client = createZepClient({ apiKey: requireString(config, 'zepApiKey'), baseUrl: requireString(config, 'zepBaseUrl') });
  const engram = createDemoEngram({
    db: database.db,
    pool: database.pool,
    zep: { client, ...BENCH_ZEP_TUNING },
    logger: false,
    // The bench runs on loopback: the development principal (tenant acme) stands in for a verified
    // caller, as the peers have no authentication either.
    auth: { mode: 'off', tenant: BENCH_TENANT },
    batching: requireBoolean(config, 'batching'),
    ...(requireBoolean(config, 'compiled') ? {} : { compiledExecution: false as const }),
    // `undefined` keeps Engram's default (an in-process LRU cache).
    ...(requireBoolean(config, 'cache') ? {} : { cache: false as const }),
  });
  let requests = 0;
  onFinishedResponse(engram.app.server, () => {
    requests += 1;
  });
  await engram.app.listen({ port: 0, host: '127.0.0.1' });
  return {
    port: portOf(engram.app.server.address()),
    counters: () => {
      const stats = engram.store.stats();
      const calls = (provider: string): number => stats.find((s) => s.provider === provider)?.calls ?? 0;
      return {
        requests,
        sqlStatements: calls('postgres'),
        zepCalls: calls('zep'),
        providerErrors: stats.reduce((n, s) => n + s.errors, 0),
      };
    },
    close: async () => {
      await engram.close();
      await database.close();
    },
  };
});
