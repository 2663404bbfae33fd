import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import type { DemoKey } from './demo/index.js';
import { errorMessage } from './errors/index.js';
import { createLogger, readConfig, startEngram } from './start-engram.js';

/** The demo's keys, with a request to paste: printed as plain text so a terminal shows it as is. */
function printDemoKeys(logger: Logger, { keys, file }: { keys: readonly DemoKey[]; file: string }, port: number): void {
  const [agent] = keys;
  const lines = [
    '',
    `Demo API keys (embedded demo only; kept in ${file}):`,
    ...keys.map((k) => `  ${k.name.padEnd(34)} tenant=${k.tenant} subject=${k.subject} scopes=${k.scopes.join(',')}
    ${k.key}`),
    '',
    'Try it:',
    `  curl -s http://localhost:${port}/graphql -H 'content-type: application/json' \\`,
    `    -H 'authorization: Bearer ${agent?.key}' \\`,
    `    -d '{"query":"{ userProfile(userId: \\"u1\\") { displayName email } }"}'`,
    'GraphiQL opens with the acme agent key in its Headers pane (on a loopback address only; elsewhere paste it there).',
    '',
  ];
  if (logger.isLevelEnabled('info')) process.stdout.write(`${lines.join('\n')}\n`);
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = await createLogger(config);
  const started = await startEngram(config, logger);
  const { engram } = started;
  await engram.app.listen({ port: config.port, host: config.host });
  const address = engram.app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  if (started.demoKeys) printDemoKeys(logger, started.demoKeys, port);
  logger.info(`Engram is serving GraphQL (GraphiQL in a browser) at http://localhost:${port}/graphql`);

  // Graceful shutdown: readiness goes false, in-flight requests finish (bounded), pools close.
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, timeoutMs: config.shutdownTimeoutMs }, 'shutting down: draining in-flight requests');
    engram.drain();
    const forced = setTimeout(() => {
      logger.error('in-flight requests did not finish in time; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    forced.unref();
    try {
      if (config.shutdownReadinessDelayMs > 0) await sleep(config.shutdownReadinessDelayMs);
      await started.close();
      logger.info('shut down cleanly');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'error during shutdown');
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Engram failed to start: ${errorMessage(error)}\n`);
  process.exit(1);
});
