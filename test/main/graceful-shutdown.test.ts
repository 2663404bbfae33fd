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
    SHUTDOWN_READINESS_DELAY_MS: '300',
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

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await database?.close();
  if (pgliteDir) await rm(pgliteDir, { recursive: true, force: true });
});

describe('graceful shutdown of `npm start`', () => {
  it('on SIGTERM, readiness goes false, an in-flight slow request finishes, and the process exits 0', async () => {
    const base = `http://127.0.0.1:${port}`;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const faults = await fetch(`http://127.0.0.1:${zepPort}/_emulator/faults`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ latencyMs: 1000 }),
    });
    expect(faults.status).toBe(200);

    const exited = new Promise<number | null>((resolve) => child?.once('exit', (code) => resolve(code)));
    const slow = fetch(`${base}/api/v1/context/threadContext?threadId=t1`).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    await sleep(200);
    child?.kill('SIGTERM');
    await sleep(100);
    const readiness = await fetch(`${base}/readyz`);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toEqual({ status: 'draining' });

    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ data: { threadId: 't1' }, meta: { provider: 'zep', fallback: false } });
    const code = await exited;
    if (code !== 0) console.log(output.split('\n').slice(-15).join('\n'));
    expect(code).toBe(0);
    expect(output).toContain('shut down cleanly');
  });
});
