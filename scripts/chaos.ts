/**
 * Fault-injection run: starts its own Engram (embedded PGlite, or CHAOS_DATABASE_URL) with its own
 * Zep emulator, loads it over loopback while switching Zep faults phase by phase, and prints
 * requests, errors by code, fallbacks and latency percentiles per phase. Bounded in time; it stops
 * only what it started.
 *
 *   npm run chaos                 # 5 phases × 6 s, 16 concurrent clients
 *   CHAOS_PHASE_SECONDS=3 CHAOS_CONCURRENCY=8 npm run chaos
 *   CHAOS_CACHE=on npm run chaos  # with the cross-request cache (stale-if-error during faults)
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

interface Phase {
  readonly name: string;
  readonly faults: Record<string, unknown>;
}

const PHASES: readonly Phase[] = [
  { name: 'healthy', faults: {} },
  { name: 'zep slow (600 ms)', faults: { latencyMs: 600 } },
  { name: 'zep outage (503)', faults: { outage: true } },
  { name: 'zep flaky (50% 500)', faults: { errorRate: 0.5, statusCode: 500 } },
  { name: 'recovered', faults: {} },
];
const phaseSeconds = Math.min(60, Math.max(1, Number(process.env['CHAOS_PHASE_SECONDS'] ?? 6)));
const concurrency = Math.min(64, Math.max(1, Number(process.env['CHAOS_CONCURRENCY'] ?? 16)));
const QUERY = `query Chaos($u: ID!, $t: ID!) {
  userProfile(userId: $u) { id displayName }
  userFacts(userId: $u, limit: 3) { fact }
  threadContext(threadId: $t) { context }
}`;

interface Sample {
  readonly ms: number;
  readonly status: number;
  readonly codes: readonly string[];
  readonly fallbacks: number;
  readonly stale: number;
  readonly cached: number;
}

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

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function one(base: string, i: number): Promise<Sample> {
  const user = `u${(i % 25) + 1}`;
  const thread = i % 25 === 0 ? 't1' : `t${(i % 25) + 1}`;
  const started = performance.now();
  try {
    const response = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-engram-principal': `chaos-${i % 4}` },
      body: JSON.stringify({ query: QUERY, variables: { u: user, t: thread } }),
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await response.json()) as {
      errors?: Array<{ extensions?: { code?: string } }>;
      extensions?: { contexts?: Record<string, { fallback?: boolean; stale?: boolean; cached?: boolean }> };
    };
    const contexts = Object.values(body.extensions?.contexts ?? {});
    return {
      ms: performance.now() - started,
      status: response.status,
      codes: (body.errors ?? []).map((e) => e.extensions?.code ?? 'UNKNOWN'),
      fallbacks: contexts.filter((c) => c.fallback).length,
      stale: contexts.filter((c) => c.stale).length,
      cached: contexts.filter((c) => c.cached).length,
    };
  } catch (error) {
    return { ms: performance.now() - started, status: 0, codes: [error instanceof Error ? error.name : 'ERROR'], fallbacks: 0, stale: 0, cached: 0 };
  }
}

async function main(): Promise<void> {
  const [port, zepPort] = [await freePort(), await freePort()];
  const pgliteDir = process.env['CHAOS_DATABASE_URL'] ? undefined : await mkdtemp(join(tmpdir(), 'engram-chaos-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(port),
    HOST: '127.0.0.1',
    ZEP_EMULATOR_PORT: String(zepPort),
    ZEP_API_KEY: '',
    ZEP_TIMEOUT_MS: '300',
    PROVIDER_TIMEOUT_MS: '400',
    REQUEST_DEADLINE_MS: '1500',
    BREAKER_HALF_OPEN_AFTER_MS: '2000',
    RATE_LIMIT_MAX: '0',
    // Off by default so that every request meets the faults; CHAOS_CACHE=on shows stale-if-error.
    CACHE: process.env['CHAOS_CACHE'] === 'on' ? 'on' : 'off',
    LOG_LEVEL: 'warn',
    ...(pgliteDir ? { PGLITE_DIR: pgliteDir, DATABASE_URL: '' } : { DATABASE_URL: process.env['CHAOS_DATABASE_URL'], SEED_DEMO: 'true' }),
  };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = () => {
    if (child.exitCode === null) child.kill('SIGTERM');
  };
  process.once('SIGINT', () => {
    stop();
    process.exit(130);
  });

  const base = `http://127.0.0.1:${port}`;
  const control = `http://127.0.0.1:${zepPort}/_emulator/faults`;
  try {
    const deadline = Date.now() + 90_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`engram exited (${child.exitCode}): ${stderr}`);
      if (Date.now() > deadline) throw new Error('engram did not become ready within 90 s');
      const ready = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
      if (ready) break;
      await sleep(250);
    }
    console.log(`Engram on ${base}, Zep emulator on 127.0.0.1:${zepPort}; ${PHASES.length} phases × ${phaseSeconds} s, ${concurrency} clients\n`);

    const rows: string[] = [];
    const all: Sample[] = [];
    let counter = 0;
    for (const phase of PHASES) {
      await fetch(`${control}/reset`, { method: 'POST' });
      if (Object.keys(phase.faults).length > 0) {
        await fetch(control, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(phase.faults) });
      }
      const samples: Sample[] = [];
      const until = Date.now() + phaseSeconds * 1000;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (Date.now() < until) samples.push(await one(base, counter++));
        }),
      );
      all.push(...samples);
      rows.push(row(phase.name, samples, phaseSeconds));
    }
    await fetch(`${control}/reset`, { method: 'POST' });
    rows.push(row('**all**', all, phaseSeconds * PHASES.length));
    console.log('| phase | requests | req/s | HTTP non-2xx | field errors by code | fallbacks | stale | cached | p50 ms | p99 ms |');
    console.log('|---|---:|---:|---:|---|---:|---:|---:|---:|---:|');
    for (const r of rows) console.log(r);
  } finally {
    stop();
    await new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)));
    if (pgliteDir) await rm(pgliteDir, { recursive: true, force: true });
  }
}

function row(name: string, samples: readonly Sample[], seconds: number): string {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  const codes = new Map<string, number>();
  for (const s of samples) for (const c of s.codes) codes.set(c, (codes.get(c) ?? 0) + 1);
  const codeText = [...codes].map(([c, n]) => `${c}: ${n}`).join(', ') || '—';
  const sum = (f: (s: Sample) => number) => samples.reduce((n, s) => n + f(s), 0);
  return `| ${name} | ${samples.length} | ${(samples.length / seconds).toFixed(0)} | ${samples.filter((s) => s.status < 200 || s.status > 299).length} | ${codeText} | ${sum((s) => s.fallbacks)} | ${sum((s) => s.stale)} | ${sum((s) => s.cached)} | ${percentile(sorted, 50).toFixed(1)} | ${percentile(sorted, 99).toFixed(1)} |`;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
