import { pino, type Logger } from 'pino';
import { loadConfig, type EngramConfig } from './config.js';
import { createEngram } from './create-engram.js';
import { ConfigError } from './errors/index.js';
import { migrateToLatest, openDatabase, seedDemo } from './providers/postgres/index.js';
import { createZepClient, type ZepProviderOptions } from './providers/zep/index.js';
import { seedZepDemo, startZepEmulator, type ZepEmulator } from './zep-emulator/index.js';

function readConfig(): EngramConfig {
  try {
    return loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

/** Zep Cloud when ZEP_API_KEY is set; otherwise the local emulator, seeded and clearly logged. */
async function connectZep(config: EngramConfig, logger: Logger): Promise<{ options: ZepProviderOptions; emulator?: ZepEmulator }> {
  const tuning = { timeoutMs: config.zepTimeoutMs, maxRetries: config.zepMaxRetries, concurrency: config.zepConcurrency };
  if (config.zep.kind === 'cloud') {
    logger.info({ baseUrl: config.zep.baseUrl ?? 'Zep Cloud default' }, 'using Zep from ZEP_API_KEY');
    return { options: { client: createZepClient({ apiKey: config.zep.apiKey, baseUrl: config.zep.baseUrl }), ...tuning } };
  }
  const emulator = await startZepEmulator({ port: config.zep.port });
  const client = createZepClient({ apiKey: emulator.apiKey, baseUrl: emulator.baseUrl });
  const counts = await seedZepDemo(client);
  logger.warn(
    { url: emulator.url, faults: `${emulator.url}/_emulator/faults`, ...counts },
    'ZEP_API_KEY is not set: using the LOCAL ZEP EMULATOR, a development stand-in for Zep Cloud, seeded with demo data. ' +
      `Simulate an outage: curl -X PUT ${emulator.url}/_emulator/faults -H 'content-type: application/json' -d '{"outage":true}'`,
  );
  return { options: { client, ...tuning }, emulator };
}

async function main(): Promise<void> {
  const config = readConfig();
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
  const zep = await connectZep(config, logger);

  const engram = createEngram({
    db: database.db,
    zep: zep.options,
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
    await zep.emulator?.close();
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
