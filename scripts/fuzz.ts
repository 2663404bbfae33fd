/**
 * HTTP fuzzing: starts its own Engram (its own Zep emulator; a throw-away database on
 * DATABASE_URL/TEST_DATABASE_URL, else embedded PGlite) on loopback and sends it malformed and odd
 * requests from a seeded generator: broken JSON, bad variables, deep nesting, huge and odd strings,
 * NUL bytes, wrong content types, odd methods, persisted-document abuse, REST argument abuse and
 * raw protocol garbage. Prints responses by status and category; fails (exit 1) on any 5xx, any
 * request without an answer, or a crash. Bounded in count and time; loopback only.
 *
 *   npm run fuzz                                  # 12,000 requests, 8 at a time, seed 1
 *   FUZZ_REQUESTS=20000 FUZZ_SEED=7 npm run fuzz
 *
 * A request that ever produced a 5xx belongs in test/http/malformed-input.test.ts as a case.
 */
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { startEngramProcess } from '../test/support/engram-process.js';
import { FUZZ_CATEGORIES, type FuzzCase, type FuzzCategory, fuzzCase } from './fuzz-cases.js';

const total = Math.min(1_000_000, Math.max(1, Number(process.env['FUZZ_REQUESTS'] ?? 12_000)));
const seed = Number(process.env['FUZZ_SEED'] ?? 1);
const concurrency = Math.min(32, Math.max(1, Number(process.env['FUZZ_CONCURRENCY'] ?? 8)));
const maxSeconds = Math.min(1800, Math.max(10, Number(process.env['FUZZ_SECONDS'] ?? 600)));
const keepAlive = process.env['FUZZ_KEEP_ALIVE'] !== 'off';
// FUZZ_ONLY=nul-bytes,methods narrows the run to some categories (to chase a finding).
const only = (process.env['FUZZ_ONLY'] ?? '').split(',').filter((c): c is FuzzCategory => (FUZZ_CATEGORIES as readonly string[]).includes(c));
const categories: readonly FuzzCategory[] = only.length > 0 ? only : FUZZ_CATEGORIES;

interface Outcome {
  readonly status: number | 'no answer';
  readonly detail?: string;
}

function send(port: number, agent: Agent, c: FuzzCase): Promise<Outcome> {
  if (c.raw !== undefined) {
    const raw = c.raw;
    return new Promise((resolve) => {
      let data = '';
      const socket = connect(port, '127.0.0.1', () => socket.end(raw));
      socket.setTimeout(10_000, () => socket.destroy());
      socket.on('data', (chunk) => (data += chunk.toString('latin1')));
      socket.on('error', () => {});
      socket.on('close', () => {
        const status = /^HTTP\/1\.[01] (\d{3})/.exec(data)?.[1];
        resolve(status ? { status: Number(status) } : { status: 'no answer', detail: 'connection closed without a response' });
      });
    });
  }
  // Explicit: node:http sends DELETE and OPTIONS bodies without a length (the server would read
  // the body as the next request).
  const headers = c.body === undefined ? c.headers : { ...c.headers, 'content-length': String(Buffer.byteLength(c.body)) };
  return new Promise((resolve) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, method: c.method, path: c.path, headers, agent, timeout: 15_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, detail: Buffer.concat(chunks).toString('utf8').slice(0, 300) }));
        res.on('error', (error) => resolve({ status: 'no answer', detail: error.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out after 15 s')));
    req.on('error', (error: NodeJS.ErrnoException) => {
      // The server may refuse an oversized body by closing early: that is an answer (413) we cannot read.
      resolve({ status: 'no answer', detail: `${error.code ?? ''} ${error.message}` });
    });
    if (c.body !== undefined) req.end(c.body);
    else req.end();
  });
}

async function main(): Promise<void> {
  const adminDatabaseUrl = process.env['DATABASE_URL'] || process.env['TEST_DATABASE_URL'] || undefined;
  const engram = await startEngramProcess({
    ...(adminDatabaseUrl ? { adminDatabaseUrl } : {}),
    env: { RATE_LIMIT_MAX: '0', LOG_LEVEL: 'warn', REQUEST_DEADLINE_MS: '3000' },
  });
  const port = Number(new URL(engram.url).port);
  const agent = new Agent({ keepAlive, maxSockets: concurrency });
  const byStatus = new Map<string, number>();
  const byCategory = new Map<string, Map<string, number>>();
  const findings: Array<{ index: number; category: string; summary: string; outcome: Outcome }> = [];
  let crashed = false;
  let next = 0;
  const started = Date.now();
  const deadline = started + maxSeconds * 1000;
  console.log(`Fuzzing Engram on ${engram.url}${engram.database ? ' (throw-away PostgreSQL database)' : ' (PGlite)'}: ${total} requests, seed ${seed}, ${concurrency} at a time\n`);

  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < total && Date.now() < deadline && !crashed) {
        const index = next++;
        const c = fuzzCase(seed, index, categories);
        const outcome = await send(port, agent, c);
        const key = String(outcome.status);
        byStatus.set(key, (byStatus.get(key) ?? 0) + 1);
        const row = byCategory.get(c.category) ?? new Map<string, number>();
        row.set(key, (row.get(key) ?? 0) + 1);
        byCategory.set(c.category, row);
        const bad = outcome.status === 'no answer' ? !c.mayCloseEarly : outcome.status >= 500;
        if (bad) findings.push({ index, category: c.category, summary: c.summary, outcome });
        if (engram.child.exitCode !== null || engram.child.signalCode !== null) crashed = true;
      }
    }),
  );
  const seconds = (Date.now() - started) / 1000;
  const sent = [...byStatus.values()].reduce((a, b) => a + b, 0);
  const healthy = await fetch(`${engram.url}/healthz`).then((r) => r.status === 200, () => false);
  if (!healthy || engram.child.exitCode !== null) crashed = true;
  const unexpected = engram.output().split('\n').filter((line) => line.includes('"level":50')).length;
  const exit = engram.child.exitCode ?? engram.child.signalCode;
  if (crashed) console.log(`Engram ${exit === null ? 'stopped answering /healthz' : `exited (${exit})`}; its last output:\n${engram.output().split('\n').slice(-30).join('\n')}`);
  agent.destroy();
  await engram.stop();

  const statuses = [...byStatus.keys()].sort();
  console.log(`| category | ${statuses.join(' | ')} |`);
  console.log(`|---|${statuses.map(() => '---:').join('|')}|`);
  for (const category of categories) {
    const row = byCategory.get(category);
    if (row) console.log(`| ${category} | ${statuses.map((s) => row.get(s) ?? 0).join(' | ')} |`);
  }
  console.log(`| **all** | ${statuses.map((s) => byStatus.get(s) ?? 0).join(' | ')} |`);
  const fiveHundreds = statuses.filter((s) => s.startsWith('5')).reduce((n, s) => n + (byStatus.get(s) ?? 0), 0);
  console.log(`\n${sent} requests in ${seconds.toFixed(1)} s (${(sent / seconds).toFixed(0)}/s); 5xx: ${fiveHundreds}; unanswered: ${findings.filter((f) => f.outcome.status === 'no answer').length}; crashes: ${crashed ? 1 : 0}; error-level log lines: ${unexpected}`);
  for (const f of findings.slice(0, 20)) {
    console.log(`  FINDING seed ${seed} #${f.index} [${f.category}] ${f.summary} → ${f.outcome.status} ${f.outcome.detail ?? ''}`);
  }
  if (sent < total) console.log(`  (stopped by FUZZ_SECONDS=${maxSeconds} after ${sent} of ${total} requests)`);
  if (findings.length > 0 || crashed) process.exit(1);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : error);
  process.exit(1);
});
