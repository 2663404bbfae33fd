import { pino } from 'pino';
import { loadConfig, type EngramConfig } from './config.js';
import { createEngram } from './create-engram.js';
import { ConfigError } from './errors/index.js';
import { migrateToLatest, openDatabase, seedDemo } from './providers/postgres/index.js';

async function main(): Promise<void> {
  let config: EngramConfig;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
  const logger = pino({ level: config.logLevel, base: { service: 'engram' } });

  const database = config.database.kind === 'postgres'
    ? await openDatabase({ url: config.database.url, poolSize: config.database.poolSize })
    : await openDatabase({ pgliteDir: config.database.dir });
  if (config.database.kind === 'pglite') {
    logger.info({ dir: config.database.dir }, 'DATABASE_URL is not set: using embedded PostgreSQL (PGlite); data persists in this directory');
  } else {
    logger.info('using PostgreSQL from DATABASE_URL');
  }
  await migrateToLatest(database.db);
  if (config.seedDemo) {
    const counts = await seedDemo(database.db);
    logger.info(counts, 'demo data seeded into PostgreSQL');
  }

  const engram = createEngram({
    db: database.db,
    logger,
    providerTimeoutMs: config.providerTimeoutMs,
    requestDeadlineMs: config.requestDeadlineMs,
  });
  await engram.app.listen({ port: config.port, host: config.host });
  const address = engram.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info(`Engram is serving GraphQL (GraphiQL in a browser) at http://localhost:${port}/graphql`);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await engram.close();
    await database.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Engram failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
