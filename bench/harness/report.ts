import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { SummaryRow } from './summary.js';
import type { Verification } from './verify.js';

const fixed = (value: number, digits: number): string => (Number.isFinite(value) ? value.toFixed(digits) : '–');
const whole = (value: number): string => (Number.isFinite(value) ? Math.round(value).toString() : '–');

const LABELS: Readonly<Record<string, string>> = {
  engram: '**Engram** (cache off)',
  'engram-quiet': 'Engram (cache off), client sends `x-engram-provenance: off`',
  'engram-yoga': 'Engram (cache off), compiled path off: every request through yoga',
  'engram-cached': 'Engram, default LRU cache on',
  'engram-naive': 'Engram, batching off (N+1)',
  yoga: 'graphql-yoga (node http)',
  'yoga-jit': 'graphql-yoga + graphql-jit',
  apollo: '@apollo/server 5 (standalone)',
  mercurius: 'mercurius (Fastify)',
  'mercurius-jit': 'mercurius + graphql-jit',
  ceiling: 'ceiling: same SQL via `pg`, no HTTP',
};

/** The results as one Markdown table, one row per scenario and server. */
export function markdownTable(rows: readonly SummaryRow[]): string {
  const header = [
    '| scenario | server | req/s median (min–max) | vs yoga | p50 ms | p99 ms | CPU µs/req | SQL/req | Zep/req | RSS MB | errors |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  const lines = rows.map((r) => {
    const rps = `${whole(r.requestsPerSecond.median)} (${whole(r.requestsPerSecond.min)}–${whole(r.requestsPerSecond.max)})`;
    const errors = r.non2xx + r.errors + r.errorBodies;
    return `| ${r.scenario} | ${LABELS[r.server] ?? r.server} | ${rps} | ${r.vsYoga === null ? '–' : `${fixed(r.vsYoga, 2)}×`} | ${fixed(r.p50Ms, 1)} | ${fixed(r.p99Ms, 1)} | ${whole(r.cpuMicrosPerRequest)} | ${fixed(r.sqlPerRequest, 2)} | ${fixed(r.zepPerRequest, 2)} | ${r.rssMb === null ? '–' : whole(r.rssMb)} | ${errors} |`;
  });
  return [...header, ...lines].join('\n');
}

/**
 * The exact cost of one request per server and scenario, from the sequential verification requests:
 * `SQL statements / Zep calls`.
 */
export function verifiedCostTable(verifications: readonly Verification[]): string {
  const scenarios = [...new Set(verifications.map((v) => v.scenario))];
  const servers = [...new Set(verifications.map((v) => v.server))];
  const cell = (server: string, scenario: string): string => {
    const v = verifications.find((x) => x.server === server && x.scenario === scenario);
    return v ? `${fixed(v.sqlPerRequest, 0)} / ${fixed(v.zepPerRequest, 0)}` : '–';
  };
  return [
    `| exact SQL / Zep per request | ${scenarios.join(' | ')} |`,
    `|---|${scenarios.map(() => '--:').join('|')}|`,
    ...servers.map((server) => `| ${LABELS[server] ?? server} | ${scenarios.map((scenario) => cell(server, scenario)).join(' | ')} |`),
  ].join('\n');
}

export interface WrittenResults {
  readonly json: string;
  /** Undefined when the run was not complete enough to replace `latest.json`. */
  readonly latest: string | undefined;
}

/**
 * Writes `bench/results/<timestamp>.json` and, for a complete run (`asLatest`), `latest.json` and
 * `latest.md`, so that smoke, subset and profiling runs do not replace the reference results.
 */
export async function writeResults(results: unknown, markdown: string, startedAt: Date, asLatest: boolean): Promise<WrittenResults> {
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  await mkdir(dir, { recursive: true });
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const json = `${JSON.stringify(results, null, 2)}\n`;
  const file = `${dir}${stamp}.json`;
  await writeFile(file, json);
  if (!asLatest) return { json: file, latest: undefined };
  await writeFile(`${dir}latest.json`, json);
  await writeFile(`${dir}latest.md`, `${markdown}\n`);
  return { json: file, latest: `${dir}latest.json` };
}
