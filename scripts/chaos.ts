/**
 * Fault-injection run: starts its own Engram (its own Zep emulator; a throw-away database on
 * CHAOS_DATABASE_URL / DATABASE_URL / TEST_DATABASE_URL, else embedded PGlite; a redis-server of
 * its own for rate-limit counters and, with CHAOS_CACHE=on, the cache), loads it over loopback and
 * injects one fault per phase: Zep slow, down, flaky; PostgreSQL connections reset (every backend
 * of the throw-away database terminated again and again); Redis killed (and restarted). Prints
 * requests, errors by code, fallbacks and latency per phase, and how long recovery took. A last,
 * write phase appends messages while Zep is down, lifts the outage and counts on the emulator's
 * side what arrived: accepted, delivered, lost (must be 0), duplicated (must be 0), out of order,
 * and the delivery lag after recovery (the script fails when anything was lost or duplicated). Bounded
 * in time; it stops only what it started, and never touches another database or Redis.
 *
 *   npm run chaos                 # 7 phases × 6 s, 16 concurrent clients
 *   CHAOS_PHASE_SECONDS=3 CHAOS_CONCURRENCY=8 npm run chaos
 *   CHAOS_CACHE=on npm run chaos  # with the cross-request cache (stale-if-error during faults)
 */
import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { startEngramProcess, type EngramProcess } from '../test/support/engram-process.js';
import { sample, scrape } from '../test/support/metrics.js';
import { startTestRedis, type TestRedis } from '../test/support/test-redis.js';

const phaseSeconds = Math.min(60, Math.max(1, Number(process.env['CHAOS_PHASE_SECONDS'] ?? 6)));
const concurrency = Math.min(64, Math.max(1, Number(process.env['CHAOS_CONCURRENCY'] ?? 16)));
const adminDatabaseUrl = process.env['CHAOS_DATABASE_URL'] || process.env['DATABASE_URL'] || process.env['TEST_DATABASE_URL'] || undefined;
const QUERY = `query Chaos($u: ID!, $t: ID!) {
  userProfile(userId: $u) { id displayName }
  userFacts(userId: $u, limit: 3) { fact }
  threadContext(threadId: $t) { context }
}`;

interface Sample {
  readonly at: number;
  readonly ms: number;
  readonly status: number;
  readonly codes: readonly string[];
  readonly fallbacks: number;
  readonly stale: number;
  readonly cached: number;
}

/** What a phase does to the world while it runs; `end` undoes it and reports when it ended. */
interface Phase {
  readonly name: string;
  readonly skip?: string;
  start(): Promise<void>;
  /** Undoes the fault; resolves with the time (performance.now()) at which it was undone. */
  end(): Promise<number>;
  /** After `end`: how long until the service was whole again, measured by the phase. */
  recovery?(undoneAt: number): Promise<string>;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function one(base: string, i: number): Promise<Sample> {
  const user = `u${(i % 25) + 1}`;
  const thread = `t${(i % 25) + 1}`;
  const started = performance.now();
  try {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: QUERY, variables: { u: user, t: thread } }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json()) as {
      errors?: Array<{ extensions?: { code?: string } }>;
      extensions?: { contexts?: Record<string, { fallback?: boolean; stale?: boolean; cached?: boolean }> };
    };
    const contexts = Object.values(body.extensions?.contexts ?? {});
    return {
      at: started,
      ms: performance.now() - started,
      status: response.status,
      codes: (body.errors ?? []).map((e) => e.extensions?.code ?? 'UNKNOWN'),
      fallbacks: contexts.filter((c) => c.fallback).length,
      stale: contexts.filter((c) => c.stale).length,
      cached: contexts.filter((c) => c.cached).length,
    };
  } catch (error) {
    return { at: started, ms: performance.now() - started, status: 0, codes: [error instanceof Error ? error.name : 'ERROR'], fallbacks: 0, stale: 0, cached: 0 };
  }
}

function zepPhase(engram: EngramProcess, name: string, faults: Record<string, unknown>): Phase {
  const put = (body: unknown) => fetch(engram.faultsUrl, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return {
    name,
    start: async () => {
      if (Object.keys(faults).length > 0) await put(faults);
    },
    end: async () => {
      await fetch(`${engram.faultsUrl}/reset`, { method: 'POST' });
      return performance.now();
    },
  };
}

/** Every backend of the throw-away database, terminated every 250 ms (by name: never another database's). */
function postgresPhase(engram: EngramProcess): Phase {
  const name = 'postgres connections reset (every 250 ms)';
  if (!engram.database?.url) return { name, skip: 'embedded PGlite has no connections to lose: set CHAOS_DATABASE_URL', start: async () => {}, end: async () => performance.now() };
  const database = new URL(engram.database.url).pathname.slice(1);
  const admin = new pg.Client({ connectionString: adminDatabaseUrl });
  let timer: NodeJS.Timeout | undefined;
  let terminated = 0;
  return {
    name,
    start: async () => {
      await admin.connect();
      timer = setInterval(() => {
        admin
          .query('select pid, pg_terminate_backend(pid) from pg_stat_activity where datname = $1', [database])
          .then((r) => (terminated += r.rowCount ?? 0), () => {});
      }, 250);
    },
    end: async () => {
      clearInterval(timer);
      const undoneAt = performance.now();
      await admin.end();
      return undoneAt;
    },
    recovery: async (undoneAt) => {
      // The first request after the last termination whose every field has data.
      for (let i = 0; performance.now() - undoneAt < 30_000; i++) {
        const s = await one(engram.url, i);
        if (s.status === 200 && s.codes.length === 0) return `${terminated} backends terminated; every field served again ${(performance.now() - undoneAt).toFixed(0)} ms after the last termination`;
        await sleep(20);
      }
      return `${terminated} backends terminated; NOT recovered within 30 s`;
    },
  };
}

/** The script's own redis-server, killed for the phase and restarted on the same port after it. */
function redisPhase(engram: EngramProcess, redis: TestRedis | undefined): Phase {
  const name = 'redis killed';
  if (!redis) return { name, skip: 'redis-server is not installed', start: async () => {}, end: async () => performance.now() };
  return {
    name,
    start: () => redis.kill(),
    end: async () => {
      await redis.restart();
      return performance.now();
    },
    recovery: async (undoneAt) => {
      for (;;) {
        if (sample(await scrape(engram.url), 'engram_redis_up') === 1) return `Redis usable again (engram_redis_up 1) ${(performance.now() - undoneAt).toFixed(0)} ms after it restarted`;
        if (performance.now() - undoneAt > 30_000) return 'Redis NOT usable again within 30 s';
        await sleep(50);
      }
    },
  };
}

interface WriteReport {
  readonly accepted: number;
  readonly refused: Readonly<Record<string, number>>;
  readonly delivered: number;
  readonly lost: number;
  readonly duplicated: number;
  readonly outOfOrder: number;
  /** From lifting the outage to the last accepted message seen in Zep; undefined if never. */
  readonly drainedMs: number | undefined;
}

/**
 * Writes under a Zep outage, then recovery: every client appends its own numbered messages to its
 * own thread (so order per thread is defined) while the emulator answers 503; the outage is lifted
 * and the emulator's `GET /_emulator/threads` is read until every accepted message is there.
 */
async function writePhase(engram: EngramProcess): Promise<WriteReport> {
  const threadsUrl = engram.faultsUrl.replace(/\/faults$/, '/threads');
  await fetch(engram.faultsUrl, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ outage: true }) });
  const writers = Math.min(concurrency, 25);
  const accepted = new Map<string, string[]>();
  const refused: Record<string, number> = {};
  const until = Date.now() + phaseSeconds * 1000;
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const thread = `t${w + 1}`;
      const sent: string[] = [];
      accepted.set(`acme:${thread}`, sent);
      for (let n = 0; Date.now() < until; n++) {
        const content = `chaos-write ${thread} #${n}`;
        const status = await fetch(`${engram.url}/api/v1/threads/${thread}/messages`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': content },
          body: JSON.stringify({ messages: [{ role: 'user', content }] }),
          signal: AbortSignal.timeout(10_000),
        }).then(async (r) => (r.ok ? 'ok' : ((await r.json()) as { error?: { code?: string } }).error?.code ?? `HTTP ${r.status}`), (e: unknown) => (e instanceof Error ? e.name : 'ERROR'));
        if (status === 'ok') sent.push(content);
        else refused[status] = (refused[status] ?? 0) + 1;
      }
    }),
  );
  await fetch(`${engram.faultsUrl}/reset`, { method: 'POST' });
  const lifted = performance.now();
  const total = [...accepted.values()].reduce((n, list) => n + list.length, 0);
  let held = new Map<string, string[]>();
  let drainedMs: number | undefined;
  while (performance.now() - lifted < 60_000) {
    const body = (await (await fetch(threadsUrl)).json()) as { threads: Array<{ id: string; messages: Array<{ content: string }> }> };
    held = new Map(body.threads.map((t) => [t.id, t.messages.map((m) => m.content).filter((c) => c.startsWith('chaos-write '))]));
    const arrived = new Set([...held.values()].flat());
    if ([...accepted.values()].every((list) => list.every((c) => arrived.has(c)))) {
      drainedMs = performance.now() - lifted;
      break;
    }
    await sleep(100);
  }
  // A duplicate sent late would still show up: look once more after a pause.
  await sleep(1000);
  const final = (await (await fetch(threadsUrl)).json()) as { threads: Array<{ id: string; messages: Array<{ content: string }> }> };
  held = new Map(final.threads.map((t) => [t.id, t.messages.map((m) => m.content).filter((c) => c.startsWith('chaos-write '))]));
  let delivered = 0;
  let duplicated = 0;
  let outOfOrder = 0;
  for (const [thread, sent] of accepted) {
    const got = held.get(thread) ?? [];
    const counts = new Map<string, number>();
    for (const c of got) counts.set(c, (counts.get(c) ?? 0) + 1);
    delivered += sent.filter((c) => counts.has(c)).length;
    duplicated += [...counts.values()].reduce((n, k) => n + k - 1, 0);
    const firstSeen = [...new Set(got)];
    if (firstSeen.join('\n') !== sent.filter((c) => counts.has(c)).join('\n')) outOfOrder += 1;
  }
  return { accepted: total, refused, delivered, lost: total - delivered, duplicated, outOfOrder, drainedMs };
}

function row(name: string, samples: readonly Sample[], seconds: number): string {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  const codes = new Map<string, number>();
  for (const s of samples) for (const c of s.codes) codes.set(c, (codes.get(c) ?? 0) + 1);
  const codeText = [...codes].map(([c, n]) => `${c}: ${n}`).join(', ') || '—';
  const sum = (f: (s: Sample) => number) => samples.reduce((n, s) => n + f(s), 0);
  const non2xx = samples.filter((s) => s.status < 200 || s.status > 299).length;
  return `| ${name} | ${samples.length} | ${(samples.length / seconds).toFixed(0)} | ${non2xx} | ${codeText} | ${sum((s) => s.fallbacks)} | ${sum((s) => s.stale)} | ${sum((s) => s.cached)} | ${percentile(sorted, 50).toFixed(1)} | ${percentile(sorted, 99).toFixed(1)} |`;
}

async function main(): Promise<void> {
  const redis = existsSync(process.env['REDIS_SERVER_PATH'] ?? '/usr/bin/redis-server') ? await startTestRedis() : undefined;
  let engram: EngramProcess | undefined;
  process.once('SIGINT', () => {
    void Promise.all([engram?.stop(), redis?.stop()]).finally(() => process.exit(130));
  });
  try {
    engram = await startEngramProcess({
      ...(adminDatabaseUrl ? { adminDatabaseUrl } : {}),
      env: {
        ZEP_TIMEOUT_MS: '300',
        PROVIDER_TIMEOUT_MS: '400',
        REQUEST_DEADLINE_MS: '1500',
        // Counted in Redis for every request, so a Redis outage meets every request.
        RATE_LIMIT_MAX: '1000000',
        REDIS_URL: redis?.url ?? '',
        // Off by default so that every request meets the faults; CHAOS_CACHE=on shows stale-if-error.
        CACHE: process.env['CHAOS_CACHE'] === 'on' ? 'on' : 'off',
        LOG_LEVEL: 'warn',
      },
    });
    const phases: Phase[] = [
      zepPhase(engram, 'healthy', {}),
      zepPhase(engram, 'zep slow (600 ms)', { latencyMs: 600 }),
      zepPhase(engram, 'zep outage (503)', { outage: true }),
      zepPhase(engram, 'zep flaky (50% 500)', { errorRate: 0.5, statusCode: 500 }),
      postgresPhase(engram),
      redisPhase(engram, redis),
      zepPhase(engram, 'recovered', {}),
    ];
    console.log(
      `Engram on ${engram.url} (${engram.database ? 'throw-away PostgreSQL database' : 'PGlite'}${redis ? `, its own Redis on ${redis.url}` : ', no Redis'}); ` +
        `${phases.length} phases × ${phaseSeconds} s, ${concurrency} clients\n`,
    );

    const rows: string[] = [];
    const notes: string[] = [];
    const all: Sample[] = [];
    let counter = 0;
    for (const phase of phases) {
      if (phase.skip) {
        rows.push(`| ${phase.name} | skipped: ${phase.skip} |||||||||`);
        continue;
      }
      await phase.start();
      const samples: Sample[] = [];
      const until = Date.now() + phaseSeconds * 1000;
      const url = engram.url;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (Date.now() < until) samples.push(await one(url, counter++));
        }),
      );
      const undoneAt = await phase.end();
      all.push(...samples);
      rows.push(row(phase.name, samples, phaseSeconds));
      if (phase.recovery) notes.push(`- ${phase.name}: ${await phase.recovery(undoneAt)}`);
    }
    rows.push(row('**all**', all, phaseSeconds * phases.filter((p) => !p.skip).length));
    console.log('| phase | requests | req/s | HTTP non-2xx | field errors by code | fallbacks | stale | cached | p50 ms | p99 ms |');
    console.log('|---|---:|---:|---:|---|---:|---:|---:|---:|---:|');
    for (const r of rows) console.log(r);
    const writes = await writePhase(engram);
    const refusedText = Object.entries(writes.refused).map(([c, n]) => `${c}: ${n}`).join(', ') || '—';
    console.log(`\n| write phase (zep outage, then recovery) | accepted | refused | delivered | lost | duplicated | threads out of order | delivery lag after recovery |`);
    console.log('|---|---:|---|---:|---:|---:|---:|---:|');
    console.log(`| ${phaseSeconds} s of writes, ${Math.min(concurrency, 25)} clients | ${writes.accepted} | ${refusedText} | ${writes.delivered} | ${writes.lost} | ${writes.duplicated} | ${writes.outOfOrder} | ${writes.drainedMs === undefined ? 'NOT drained within 60 s' : `${writes.drainedMs.toFixed(0)} ms`} |`);
    if (writes.lost > 0 || writes.duplicated > 0 || writes.outOfOrder > 0 || writes.accepted === 0) process.exitCode = 1;
    const alive = engram.child.exitCode === null && engram.child.signalCode === null;
    console.log(`\n${notes.join('\n')}\n- Engram process: ${alive ? 'alive throughout' : `EXITED (${engram.child.exitCode ?? engram.child.signalCode})`}; HTTP 5xx: ${all.filter((s) => s.status >= 500).length}`);
    if (!alive) process.exitCode = 1;
  } finally {
    await engram?.stop();
    await redis?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
