import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { startEngramProcess, type EngramProcess } from '../support/engram-process.js';

let engram: EngramProcess | undefined;

afterEach(async () => {
  await engram?.stop();
  engram = undefined;
});

const slowZep = async (faultsUrl: string): Promise<void> => {
  const faults = await fetch(faultsUrl, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ latencyMs: 1000 }) });
  expect(faults.status).toBe(200);
};

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
    engram = await startEngramProcess({ env: { ZEP_TIMEOUT_MS: '5000', PROVIDER_TIMEOUT_MS: '5000', SHUTDOWN_READINESS_DELAY_MS: '300' } });
    const { url, child } = engram;
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    await slowZep(engram.faultsUrl);

    const slow = fetch(`${url}/api/v1/context/threadContext?threadId=t1`).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    await sleep(200);
    child.kill('SIGTERM');
    await sleep(100);
    const readiness = await fetch(`${url}/readyz`);
    expect(readiness.status).toBe(503);
    expect(await readiness.json()).toEqual({ status: 'draining' });

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
