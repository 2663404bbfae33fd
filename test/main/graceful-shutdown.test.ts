import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

let database: TestDatabase | undefined;
let pgliteDir: string | undefined;
let child: ChildProcess | undefined;
let output = '';
let port = 0;
let zepPort = 0;

beforeAll(async () => {
  [port, zepPort] = [await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    // Loopback: the development principal (authentication itself is covered by test/main/auth-startup.test.ts).
    AUTH_MODE: 'off',
    ZEP_EMULATOR_PORT: String(zepPort),
    ZEP_API_KEY: '',
    ZEP_TIMEOUT_MS: '5000',
    PROVIDER_TIMEOUT_MS: '5000',
    // Long enough for a loaded machine to see readiness go false before the listener closes.
    SHUTDOWN_READINESS_DELAY_MS: '3000',
    LOG_LEVEL: 'info',
    SEED_DEMO: 'true',
  };
  if (process.env['TEST_DATABASE_URL']) {
    database = await createTestDatabase({ seed: false });
    env['DATABASE_URL'] = database.url;
  } else {
    pgliteDir = await mkdtemp(join(tmpdir(), 'engram-shutdown-'));
    env['PGLITE_DIR'] = pgliteDir;
    delete env['DATABASE_URL'];
  }
  child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const started = Date.now();
  while (!output.includes('Engram is serving')) {
    if (child.exitCode !== null) throw new Error(`engram exited early (${child.exitCode}):\n${output}`);
    if (Date.now() - started > 60_000) throw new Error(`engram did not start within 60 s:\n${output}`);
    await sleep(100);
  }
});

/** Calls `probe` every 50 ms until it returns a value; fails after 15 s, saying what did not happen. */
async function poll<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > 15_000) throw new Error(`${what} did not happen within 15 s:\n${output}`);
    await sleep(50);
  }
}

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await database?.close();
  if (pgliteDir) await rm(pgliteDir, { recursive: true, force: true });
});

describe('graceful shutdown of `npm start`', () => {
  it('on SIGTERM, readiness goes false, an in-flight slow request finishes, and the process exits 0', async () => {
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const emulator = `http://127.0.0.1:${zepPort}/_emulator`;
    const faults = await fetch(`${emulator}/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs: 3000 }),
    });
    expect(faults.status).toBe(200);
    expect((await fetch(`${emulator}/stats/reset`, { method: 'POST' })).status).toBe(200);

    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    const slow = fetch(`${base}/api/v1/context/threadContext?threadId=t1`).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    // The request is in flight once Engram's call to Zep has reached the emulator (held there 3 s).
    await poll('the Zep call of the slow request', async () => ((await (await fetch(`${emulator}/stats`)).json()) as { total: number }).total > 0 || undefined);
    child?.kill('SIGTERM');
    const readiness = await poll('readiness going false', async () => {
      const response = await fetch(`${base}/readyz`);
      const body: unknown = await response.json();
      return response.status === 503 ? body : undefined;
    });
    expect(readiness).toEqual({ status: 'draining' });

    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ data: { threadId: 't1' }, meta: { provider: 'zep', fallback: false } });
    const code = await exited;
    if (code !== 0) console.log(output.split('\n').slice(-15).join('\n'));
    expect(code).toBe(0);
    expect(output).toContain('shut down cleanly');
  });
});
