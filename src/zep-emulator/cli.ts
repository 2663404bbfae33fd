/**
 * Runs the Zep emulator on its own: `tsx src/zep-emulator/cli.ts [--no-seed]`.
 * Environment: ZEP_EMULATOR_PORT (default 8100), ZEP_EMULATOR_HOST (default 127.0.0.1),
 * ZEP_API_KEY (default 'engram-emulator-key').
 */
import { ZepClient } from '@getzep/zep-cloud';
import { pino } from 'pino';
import { seedZepDemo } from '../demo/index.js';
import { DEFAULT_EMULATOR_API_KEY, startZepEmulator } from './zep-emulator.js';

const logger = pino({ name: 'zep-emulator' });

function port(value: string | undefined): number {
  if (value === undefined || value === '') return 8100;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65_535) {
    throw new Error(`ZEP_EMULATOR_PORT must be an integer from 0 to 65535, received "${value}"`);
  }
  return parsed;
}

async function main(): Promise<void> {
  const emulator = await startZepEmulator({
    port: port(process.env['ZEP_EMULATOR_PORT']),
    host: process.env['ZEP_EMULATOR_HOST'] || '127.0.0.1',
    apiKey: process.env['ZEP_API_KEY'] || DEFAULT_EMULATOR_API_KEY,
    logger,
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping the Zep emulator');
    emulator.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'failed to stop the Zep emulator');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  logger.warn(
    { url: emulator.url, baseUrl: emulator.baseUrl },
    'Zep emulator listening: a LOCAL DEVELOPMENT STAND-IN for Zep Cloud (in-memory, subset of API v2, keyword search instead of semantic search). Not for production.',
  );

  if (process.argv.includes('--no-seed')) {
    logger.info('demo data not loaded (--no-seed)');
  } else {
    const counts = await seedZepDemo(new ZepClient({ apiKey: emulator.apiKey, baseUrl: emulator.baseUrl }));
    logger.info(counts, 'demo data loaded');
  }

  logger.info(
    {
      // A custom key may be a real Zep key (ZEP_API_KEY is the SDK's variable too): never log it.
      zepClient: `new ZepClient({ apiKey: ${
        emulator.apiKey === DEFAULT_EMULATOR_API_KEY ? `'${emulator.apiKey}'` : 'process.env.ZEP_API_KEY'
      }, baseUrl: '${emulator.baseUrl}' })`,
      outage: `curl -X PUT ${emulator.url}/_emulator/faults -H 'content-type: application/json' -d '{"outage":true}'`,
      slowAndFlaky: `curl -X PUT ${emulator.url}/_emulator/faults -H 'content-type: application/json' -d '{"latencyMs":800,"errorRate":0.2}'`,
      resetFaults: `curl -X POST ${emulator.url}/_emulator/faults/reset`,
      stats: `curl ${emulator.url}/_emulator/stats`,
    },
    'toggle faults at run time with the control endpoints',
  );
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, 'the Zep emulator failed to start');
  process.exit(1);
});
