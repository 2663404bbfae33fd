import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** A free TCP port on loopback (for a server that must be told its port up front). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

export interface EngramProcess {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The Zep emulator's fault-control URL. */
  readonly faultsUrl: string;
  /** The throw-away database (real PostgreSQL only). */
  readonly database: TestDatabase | undefined;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Kills the process if it still runs and drops what it used. */
  stop(): Promise<void>;
}

export interface EngramProcessOptions {
  /** Extra environment (overrides the defaults). */
  readonly env?: NodeJS.ProcessEnv;
  /** Run under `ulimit -n <n>` (soft and hard): fewer file descriptors. */
  readonly openFilesLimit?: number;
  /**
   * Server on which a throw-away database is created. @default TEST_DATABASE_URL, else PGlite.
   * Not used when `env` names a database (`DATABASE_URL` or `PGLITE_DIR`): that one is the caller's.
   */
  readonly adminDatabaseUrl?: string;
}

/**
 * `npm start` as a child process on a free loopback port, with its own Zep emulator and its own
 * database (a throw-away one on TEST_DATABASE_URL, else PGlite in a temporary directory). Used by
 * tests and by the chaos and fuzz scripts.
 */
export async function startEngramProcess(options: EngramProcessOptions = {}): Promise<EngramProcess> {
  const [port, zepPort] = [await freePort(), await freePort()];
  let database: TestDatabase | undefined;
  let pgliteDir: string | undefined;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    // Loopback: the development principal (authentication at start-up is covered by test/main/auth-startup.test.ts).
    AUTH_MODE: 'off',
    ZEP_EMULATOR_PORT: String(zepPort),
    ZEP_API_KEY: '',
    LOG_LEVEL: 'info',
    SEED_DEMO: 'true',
    REDIS_URL: '',
    // As `npm start` and the Docker image run it (a caller's NODE_OPTIONS come after, and win).
    NODE_OPTIONS: `--max-old-space-size=512 ${process.env['NODE_OPTIONS'] ?? ''}`.trim(),
  };
  const adminUrl = options.adminDatabaseUrl ?? process.env['TEST_DATABASE_URL'];
  // A database the caller brings (kept across restarts of the process) is neither created nor dropped here.
  if (options.env?.['DATABASE_URL'] || options.env?.['PGLITE_DIR']) {
    if (!options.env['DATABASE_URL']) delete env['DATABASE_URL'];
  } else if (adminUrl) {
    database = await createTestDatabase({ seed: false, adminUrl });
    env['DATABASE_URL'] = database.url;
  } else {
    pgliteDir = await mkdtemp(join(tmpdir(), 'engram-process-'));
    env['PGLITE_DIR'] = pgliteDir;
    delete env['DATABASE_URL'];
  }
  Object.assign(env, options.env);
  const node = [process.execPath, '--import', 'tsx', 'src/main.ts'];
  const child = options.openFilesLimit
    ? spawn('/bin/sh', ['-c', `ulimit -n ${options.openFilesLimit} && exec "$@"`, 'sh', ...node], { env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(node[0] as string, node.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    await database?.close();
    if (pgliteDir) await rm(pgliteDir, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const serving = async (): Promise<boolean> => fetch(`${url}/healthz`).then((r) => r.ok, () => false);
  const started = Date.now();
  // Not by its log (a LOG_LEVEL above info hides it): by asking.
  while (!(await serving())) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`engram exited early (${child.exitCode}):\n${output}`);
    }
    if (Date.now() - started > 60_000) {
      await stop();
      throw new Error(`engram did not start within 60 s:\n${output}`);
    }
    await sleep(100);
  }
  return {
    child,
    url,
    faultsUrl: `http://127.0.0.1:${zepPort}/_emulator/faults`,
    database,
    output: () => output,
    exited,
    stop,
  };
}
