import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { startZepEmulator, type ZepEmulator } from '../../src/zep-emulator/index.js';
import { startEngramProcess, type EngramProcess } from '../support/engram-process.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const THREADS = 20;
const PER_THREAD = 10;
const TOTAL = THREADS * PER_THREAD;

let emulator: ZepEmulator | undefined;
let database: TestDatabase | undefined;
let pgliteDir: string | undefined;
const processes: EngramProcess[] = [];

afterAll(async () => {
  for (const p of processes) await p.stop();
  await emulator?.close();
  await database?.close();
  if (pgliteDir) await rm(pgliteDir, { recursive: true, force: true });
});

interface HeldThread {
  readonly id: string;
  readonly messages: ReadonlyArray<{ role: string; content: string }>;
}

async function heldThreads(): Promise<HeldThread[]> {
  const response = await fetch(`${emulator?.url}/_emulator/threads`);
  return ((await response.json()) as { threads: HeldThread[] }).threads;
}

describe('the outbox across a SIGKILL while Zep is down', () => {
  it('accepts 200 messages over 20 threads from concurrent clients, survives SIGKILL mid-way, and Zep ends up with each exactly once, in order', { timeout: 180_000 }, async () => {
    emulator = await startZepEmulator({ port: 0 });
    emulator.faults.set({ outage: true });
    // The process is killed and started again on the same data: a database of this test's own.
    const databaseEnv: NodeJS.ProcessEnv = {};
    if (process.env['TEST_DATABASE_URL']) {
      database = await createTestDatabase({ migrate: false });
      databaseEnv['DATABASE_URL'] = database.url;
    } else {
      pgliteDir = await mkdtemp(join(tmpdir(), 'engram-crash-'));
      databaseEnv['PGLITE_DIR'] = pgliteDir;
    }
    const start = () =>
      startEngramProcess({
        env: {
          ...databaseEnv,
          ZEP_API_KEY: emulator?.apiKey,
          ZEP_BASE_URL: emulator?.baseUrl,
          ZEP_TIMEOUT_MS: '500',
          LOG_LEVEL: 'warn',
          OUTBOX_POLL_INTERVAL_MS: '50',
          OUTBOX_BACKOFF_INITIAL_MS: '50',
          OUTBOX_BACKOFF_MAX_MS: '300',
          OUTBOX_LEASE_MS: '4000',
          BREAKER_HALF_OPEN_AFTER_MS: '200',
          RATE_LIMIT_MAX: '0',
        },
      });
    let server = await start();
    processes.push(server);

    let accepted = 0;
    let failedAttempts = 0;
    // Each client owns one thread (t1 … t20, of users u1 … u20) and sends its messages one after the
    // other; an attempt that gets no answer (the process was killed) is sent again with its key.
    const client = async (thread: number): Promise<void> => {
      for (let i = 0; i < PER_THREAD; i++) {
        for (;;) {
          const answer = await fetch(`${server.url}/api/v1/threads/t${thread}/messages`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'idempotency-key': `crash-t${thread}-m${i}` },
            body: JSON.stringify({ messages: [{ role: i % 2 === 0 ? 'user' : 'assistant', content: `t${thread} message ${i}` }] }),
          }).then((r) => r.status, () => 0);
          if (answer === 201 || answer === 200) break;
          expect([0, 503]).toContain(answer);
          failedAttempts += 1;
          await sleep(50);
        }
        accepted += 1;
      }
    };
    const clients = Array.from({ length: THREADS }, (_, t) => client(t + 1));

    while (accepted < TOTAL / 2) await sleep(10);
    server.child.kill('SIGKILL');
    await server.exited;
    server = await start();
    processes.push(server);
    await Promise.all(clients);
    expect(accepted).toBe(TOTAL);
    expect(failedAttempts).toBeGreaterThan(0);

    // Nothing reached Zep during the outage; lifting it lets the restarted worker deliver everything.
    expect((await heldThreads()).flatMap((t) => t.messages)).toEqual([]);
    emulator.faults.reset();
    const started = Date.now();
    let held: HeldThread[] = [];
    while (Date.now() - started < 60_000) {
      held = await heldThreads();
      if (held.reduce((n, t) => n + t.messages.length, 0) >= TOTAL) break;
      await sleep(100);
    }
    // Give a duplicate the chance to show up before counting.
    await sleep(500);
    held = await heldThreads();
    expect(held.reduce((n, t) => n + t.messages.length, 0)).toBe(TOTAL);
    for (let t = 1; t <= THREADS; t++) {
      const thread = held.find((h) => h.id === `acme:t${t}`);
      expect(thread?.messages.map((m) => m.content)).toEqual(Array.from({ length: PER_THREAD }, (_, i) => `t${t} message ${i}`));
    }
  });
});
