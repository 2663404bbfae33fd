import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startEngramProcess, type EngramProcess } from '../support/engram-process.js';

let engram: EngramProcess | undefined;

afterEach(async () => {
  await engram?.stop();
  engram = undefined;
});

const slowZep = async (faultsUrl: string, latencyMs = 1000): Promise<void> => {
  const faults = await fetch(faultsUrl, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs }) });
  expect(faults.status).toBe(200);
};

/** Calls `probe` every 50 ms until it returns a value; fails after 15 s, saying what did not happen. */
async function poll<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > 15_000) throw new Error(`${what} did not happen within 15 s`);
    await sleep(50);
  }
}

interface Answer {
  readonly status?: number;
  readonly connection?: string | undefined;
  readonly error?: string;
}

/** One GET over a keep-alive agent; a failure is reported by its error code, never thrown. */
function get(agent: Agent, url: string): Promise<Answer> {
  return new Promise((resolve) => {
    const req = request(url, { agent, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
      res.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    });
    req.on('error', (error: NodeJS.ErrnoException) => resolve({ error: error.code ?? error.message }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

describe('graceful shutdown of `npm start`', () => {
  it('on SIGTERM, readiness goes false, an in-flight slow request finishes, and the process exits 0', async () => {
    // A readiness delay long enough for a loaded machine to see readiness go false before the listener closes.
    engram = await startEngramProcess({ env: { ZEP_TIMEOUT_MS: '5000', PROVIDER_TIMEOUT_MS: '5000', SHUTDOWN_READINESS_DELAY_MS: '3000' } });
    const { url, child } = engram;
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    await slowZep(engram.faultsUrl, 3000);
    const emulator = engram.faultsUrl.replace(/\/faults$/, '');
    expect((await fetch(`${emulator}/stats/reset`, { method: 'POST' })).status).toBe(200);

    const slow = fetch(`${url}/api/v1/context/threadContext?threadId=t1`).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    // The request is in flight once Engram's call to Zep has reached the emulator (held there 3 s).
    await poll('the Zep call of the slow request', async () => ((await (await fetch(`${emulator}/stats`)).json()) as { total: number }).total > 0 || undefined);
    child.kill('SIGTERM');
    const readiness = await poll('readiness going false', async () => {
      const response = await fetch(`${url}/readyz`);
      const body: unknown = await response.json();
      return response.status === 503 ? body : undefined;
    });
    expect(readiness).toEqual({ status: 'draining' });

    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ data: { threadId: 't1' }, meta: { provider: 'zep', fallback: false } });
    const code = await engram.exited;
    if (code !== 0) console.log(engram.output().split('\n').slice(-15).join('\n'));
    expect(code).toBe(0);
    expect(engram.output()).toContain('shut down cleanly');
  });

  it('with default settings, refuses nothing it accepted: keep-alive clients under load get answers (Connection: close), never resets or 503s', async () => {
    engram = await startEngramProcess({ env: { ZEP_TIMEOUT_MS: '5000', PROVIDER_TIMEOUT_MS: '5000', RATE_LIMIT_MAX: '0' } });
    const { url, child } = engram;
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    try {
      await slowZep(engram.faultsUrl);
      const slow = get(agent, `${url}/api/v1/context/threadContext?threadId=t2`);

      // Eight keep-alive clients, each in a tight loop until the listener is gone (bounded).
      const answers: Answer[] = [];
      let sentTerm = false;
      const afterTerm: Answer[] = [];
      const clients = Array.from({ length: 8 }, async (_, c) => {
        for (let i = 0; i < 4000; i++) {
          const answer = await get(agent, `${url}/api/v1/context/userProfile?userId=u${(c % 5) + 1}`);
          answers.push(answer);
          if (sentTerm) afterTerm.push(answer);
          if (answer.error) return;
        }
      });
      await sleep(300);
      sentTerm = true;
      child.kill('SIGTERM');
      await Promise.all(clients);
      const slowAnswer = await slow;

      // The only failure allowed is a new connection refused after the listener closed.
      expect(answers.filter((a) => a.error && a.error !== 'ECONNREFUSED')).toEqual([]);
      expect(answers.filter((a) => !a.error && a.status !== 200)).toEqual([]);
      expect(afterTerm.some((a) => a.status === 200 && a.connection === 'close')).toBe(true);
      expect(slowAnswer.status).toBe(200);
      expect(await engram.exited).toBe(0);
      expect(engram.output()).toContain('shut down cleanly');
    } finally {
      agent.destroy();
    }
  });
});
