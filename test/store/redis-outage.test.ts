import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisConnection } from '../../src/redis/index.js';
import { RedisContextCache } from '../../src/store/index.js';
import { sample, scrape } from '../support/metrics.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';
import { redisServerAvailable, startTestRedis, type TestRedis } from '../support/test-redis.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { startTestZep, type TestZep } from '../support/test-zep.js';

let database: TestDatabase;
let zep: TestZep;
let redis: TestRedis;
let connection: RedisConnection;
let server: TestServer;
const logLines: string[] = [];

beforeAll(async () => {
  if (!redisServerAvailable) return;
  [database, zep, redis] = await Promise.all([createTestDatabase(), startTestZep(), startTestRedis()]);
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(...chunk.toString().split('\n').filter(Boolean));
        done();
      },
    }),
  );
  connection = new RedisConnection({ url: redis.url, commandTimeoutMs: 100, logger });
  server = await startTestServer({
    db: database.db, pool: database.pool,
    zep: zep.options,
    cache: new RedisContextCache({ connection }),
    rateLimit: { max: 10_000, windowMs: 60_000, redis: connection },
    redis: connection,
  });
});

afterAll(async () => {
  await server?.close();
  connection?.close();
  await redis?.stop();
  await zep?.close();
  await database?.close();
});

interface Answer {
  readonly status: number;
  readonly ms: number;
  readonly remaining: string | null;
  readonly body: { data?: { userProfile?: { id: string } | null }; errors?: unknown[]; extensions?: { contexts?: Record<string, { cached?: boolean }> } };
}

async function profile(userId: string): Promise<Answer> {
  const started = performance.now();
  const response = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: `{ userProfile(userId: "${userId}") { id } }` }),
  });
  const body = (await response.json()) as Answer['body'];
  return { status: response.status, ms: performance.now() - started, remaining: response.headers.get('x-ratelimit-remaining'), body };
}

const transitions = (text: string): number => logLines.filter((line) => line.includes(text)).length;

async function until(condition: () => Promise<boolean>, timeoutMs: number): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (await condition()) return performance.now() - started;
    await sleep(50);
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

describe.skipIf(!redisServerAvailable)(`Redis outage${redisServerAvailable ? '' : ' (skipped: no redis-server to start; CI installs it)'}`, () => {
  it('caches and counts in Redis while it is up, with a TTL on every key', async () => {
    const first = await profile('u1');
    const second = await profile('u1');
    expect(first.body.data?.userProfile).toEqual({ id: 'u1' });
    expect(second.body.extensions?.contexts?.['userProfile']?.cached).toBe(true);
    expect(Number(second.remaining)).toBeLessThan(Number(first.remaining));

    const client = redis.client();
    const keys = await client.keys('engram:*');
    expect(keys.some((k) => k.startsWith('engram:ctx:'))).toBe(true);
    expect(keys.some((k) => k.startsWith('engram:ratelimit:'))).toBe(true);
    for (const key of keys) expect(await client.pttl(key)).toBeGreaterThan(0);
    expect(sample(await scrape(server.url), 'engram_redis_up')).toBe(1);
  });

  it('fails no request while Redis is down: cache misses and skipped rate limits, counted, logged once', async () => {
    await redis.kill();
    const answers: Answer[] = [];
    for (let round = 0; round < 5; round++) {
      answers.push(...(await Promise.all(Array.from({ length: 10 }, (_, i) => profile(`u${(i % 5) + 1}`)))));
    }
    for (const answer of answers) {
      expect(answer.status).toBe(200);
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data?.userProfile?.id).toMatch(/^u[1-5]$/);
      expect(answer.body.extensions?.contexts?.['userProfile']?.cached).toBe(false);
    }
    // Known down: later requests do not wait for a command timeout at all.
    expect(answers.slice(-10).every((a) => a.ms < 2000)).toBe(true);
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    const metrics = await scrape(server.url);
    expect(sample(metrics, 'engram_redis_up')).toBe(0);
    expect(sample(metrics, 'engram_redis_fail_open_total', { use: 'cache' })).toBeGreaterThanOrEqual(50);
    expect(sample(metrics, 'engram_redis_fail_open_total', { use: 'rateLimit' })).toBeGreaterThanOrEqual(50);
    expect(transitions('Redis is unavailable')).toBe(1);
  });

  it('recovers by itself when Redis returns, logging the transition once', async () => {
    await redis.restart();
    const tookMs = await until(async () => sample(await scrape(server.url), 'engram_redis_up') === 1, 10_000);
    expect(tookMs).toBeLessThan(5000);
    expect(transitions('Redis is available again')).toBe(1);
    await profile('u2');
    const cached = await profile('u2');
    expect(cached.body.extensions?.contexts?.['userProfile']?.cached).toBe(true);
    expect(cached.remaining).not.toBe(null);
  });

  it('answers within the command timeout while Redis hangs (paused), and recovers when it resumes', async () => {
    redis.pause();
    try {
      const answers: Answer[] = [];
      for (let i = 0; i < 10; i++) answers.push(await profile(`u${(i % 5) + 1}`));
      for (const answer of answers) {
        expect(answer.status).toBe(200);
        expect(answer.body.data?.userProfile?.id).toMatch(/^u[1-5]$/);
        expect(answer.ms).toBeLessThan(3000);
      }
      expect(sample(await scrape(server.url), 'engram_redis_up')).toBe(0);
    } finally {
      redis.resume();
    }
    await until(async () => (await profile('u3')).body.extensions?.contexts?.['userProfile']?.cached === true, 10_000);
    expect(sample(await scrape(server.url), 'engram_redis_up')).toBe(1);
    expect(transitions('Redis is unavailable')).toBe(2);
    expect(transitions('Redis is available again')).toBe(2);
  });
});
