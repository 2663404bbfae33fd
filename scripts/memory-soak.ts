/**
 * Memory soak: starts its own Engram (default settings, rate limit off; its own Zep emulator and
 * database as in `npm run chaos`) and sends it large unique documents over loopback — by default
 * 200 KB each, half of them registered through Automatic Persisted Queries — for a bounded time,
 * sampling the process's resident memory. Prints the baseline, peak and final RSS and the bytes
 * held by each bounded cache.
 *
 *   npm run soak:memory                       # 120 s, 4 clients, 200 KB documents
 *   SOAK_SECONDS=30 SOAK_DOCUMENT_KB=100 npm run soak:memory
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { startEngramProcess } from '../test/support/engram-process.js';
import { sample, scrape } from '../test/support/metrics.js';

const seconds = Math.min(1800, Math.max(5, Number(process.env['SOAK_SECONDS'] ?? 120)));
const concurrency = Math.min(32, Math.max(1, Number(process.env['SOAK_CONCURRENCY'] ?? 4)));
const documentBytes = Math.min(250, Math.max(1, Number(process.env['SOAK_DOCUMENT_KB'] ?? 200))) * 1024;
const MB = 1024 * 1024;

async function rssOf(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0);
  return kb * 1024;
}

async function main(): Promise<void> {
  const adminDatabaseUrl = process.env['DATABASE_URL'] || process.env['TEST_DATABASE_URL'] || undefined;
  const engram = await startEngramProcess({ ...(adminDatabaseUrl ? { adminDatabaseUrl } : {}), env: { RATE_LIMIT_MAX: '0', LOG_LEVEL: 'warn' } });
  const pid = engram.child.pid as number;
  try {
    // A few ordinary requests first, so the baseline is a warmed-up server.
    for (let i = 0; i < 50; i++) await fetch(`${engram.url}/api/v1/context/userProfile?userId=u${(i % 5) + 1}`).then((r) => r.arrayBuffer());
    await sleep(1000);
    const baseline = await rssOf(pid);
    let peak = baseline;
    let sent = 0;
    const statuses = new Map<number, number>();
    const until = Date.now() + seconds * 1000;
    const sampler = setInterval(() => {
      rssOf(pid).then((rss) => (peak = Math.max(peak, rss)), () => {});
    }, 500);
    await Promise.all(
      Array.from({ length: concurrency }, async (_, c) => {
        for (let i = c; Date.now() < until; i += concurrency) {
          const query = `{ userProfile(userId: "u${(i % 25) + 1}") { id displayName } } # ${i} ${'x'.repeat(documentBytes)}`;
          const apq = i % 2 === 0 ? { extensions: { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') } } } : {};
          const response = await fetch(`${engram.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, ...apq }) });
          await response.arrayBuffer();
          statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
          sent++;
        }
      }),
    );
    clearInterval(sampler);
    const end = await rssOf(pid);
    peak = Math.max(peak, end);
    const metrics = await scrape(engram.url);
    const caches = ['documents', 'apq', 'contexts'].map((cache) => `${cache} ${(sample(metrics, 'engram_cache_bytes', { cache }) / MB).toFixed(1)} MB`).join(', ');
    console.log(`${sent} unique ${documentBytes / 1024} KB documents in ${seconds} s (${concurrency} clients; statuses ${JSON.stringify(Object.fromEntries(statuses))})`);
    console.log(`RSS: baseline ${(baseline / MB).toFixed(0)} MB, peak ${(peak / MB).toFixed(0)} MB (+${((peak - baseline) / MB).toFixed(0)} MB), end ${(end / MB).toFixed(0)} MB`);
    console.log(`Cache bytes at the end: ${caches}`);
    if (engram.child.exitCode !== null) throw new Error(`engram exited (${engram.child.exitCode})`);
  } finally {
    await engram.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
