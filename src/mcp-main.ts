import type { Principal } from './auth/index.js';
import { errorMessage, UnauthenticatedError } from './errors/index.js';
import { serveMcpStdio } from './mcp/index.js';
import { createLogger, readConfig, startEngram } from './start-engram.js';

/** The variable holding the credential every stdio tool call is made with. */
const KEY_VARIABLE = 'ENGRAM_API_KEY';

function refuse(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

/**
 * `npm run mcp`: the MCP tools over stdio for a local agent that spawns Engram. Same configuration as
 * `npm start` (embedded PGlite and the Zep emulator when nothing is configured); logs go to stderr,
 * stdout is the protocol. There is no credential per message, so the process runs as the principal
 * of ENGRAM_API_KEY, verified at start-up (or the development principal under AUTH_MODE=off).
 */
async function main(): Promise<void> {
  const config = readConfig();
  const credential = process.env[KEY_VARIABLE]?.trim();
  if (config.auth.mode !== 'off' && !credential) {
    refuse(
      `${KEY_VARIABLE} is not set: the stdio MCP server answers as the principal of an Engram API key (egk_…, from \`npm run keys\`; ` +
        'the embedded demo prints its keys at `npm start` and keeps them in .engram/demo-keys.json). ' +
        'Set AUTH_MODE=off only for local development.',
      78, // EX_CONFIG
    );
  }
  const logger = await createLogger(config, 2);
  // The emulator takes any free port unless one is asked for: `npm start` may be holding the default.
  const started = await startEngram(config, logger, process.env['ZEP_EMULATOR_PORT'] ? {} : { emulatorPort: 0 });
  const { engram } = started;

  const authorization = config.auth.mode === 'off' ? undefined : `Bearer ${credential}`;
  const verify = (): Principal | Promise<Principal> => engram.authenticator.authenticateNow(authorization) ?? engram.authenticator.authenticate(authorization);
  let principal: Principal;
  try {
    principal = await verify();
  } catch (error) {
    await started.close();
    if (error instanceof UnauthenticatedError) refuse(`${KEY_VARIABLE} was refused: ${error.message}`, 77); // EX_NOPERM
    throw error;
  }

  const server = await serveMcpStdio({ tools: engram.mcpTools, store: engram.store, principal: verify, logger });
  logger.info({ tools: engram.mcpTools.size, tenant: principal.tenant, subject: principal.subject }, 'serving MCP over stdio');

  let stopping = false;
  const stop = async (reason: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ reason }, 'stopping the stdio MCP server');
    try {
      await server.close();
      await started.close();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'error during shutdown');
      process.exit(1);
    }
  };
  // The client closing our stdin is the end of the session.
  process.stdin.once('end', () => void stop('stdin closed'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((error: unknown) => {
  process.stderr.write(`Engram's MCP server failed to start: ${errorMessage(error)}\n`);
  process.exit(1);
});
