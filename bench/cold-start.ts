// Cold start of the production build on real PostgreSQL: from spawning `node dist/main.js` to its
// first answered GraphQL request. `npm run bench:cold-start -- --help` lists the options.
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { buildIfStale, serverBuild } from '../scripts/build-if-stale.mjs';
import { freePort } from '../test/support/engram-process.js';
import { prepareBenchDatabase } from './harness/bench-database.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const QUERY = '{ userProfile(userId: "u1") { displayName } }';
const GIVE_UP_MS = 30_000;

const HELP = `npm run bench:cold-start [-- options]

  --runs <n>        starts measured (default 5; one unmeasured warm-up start comes first)
  --tsx             run src/main.ts under tsx instead of the build (the figure before the build)
  --entry <file>    run this compiled entry instead of dist/main.js (e.g. another build, to compare)
  --help

BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres): the server on which the
database engram_bench is created, migrated and seeded (as by npm run bench). The Zep emulator is
off: ZEP_API_KEY points at a closed port, and the measured query reads PostgreSQL only.`;

async function answered(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: QUERY }) });
    const body = (await response.json()) as { data?: { userProfile?: unknown } };
    return response.ok && body.data?.userProfile != null;
  } catch {
    return false;
  }
}

interface ColdStart {
  readonly ms: number;
  /** CPU time the server used until then: less disturbed than `ms` by other work on the machine. */
  readonly cpuMs: number;
  readonly rssMb: number;
}

/** CPU time (user + system) and RSS of a running process, from /proc. */
async function usage(pid: number): Promise<{ cpuMs: number; rssMb: number }> {
  const [stat, status] = await Promise.all([readFile(`/proc/${pid}/stat`, 'utf8'), readFile(`/proc/${pid}/status`, 'utf8')]);
  // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th, in 1/100 s.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const cpuMs = (Number(fields[11]) + Number(fields[12])) * 10;
  return { cpuMs, rssMb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN) / 1024 };
}

/** From spawn to the first answer with data: wall time, the server's CPU time, its RSS right then. */
async function coldStart(databaseUrl: string, entry: string[]): Promise<ColdStart> {
  const port = await freePort();
  const args = entry;
  const started = performance.now();
  const child = spawn(process.execPath, ['--max-old-space-size=512', ...args], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      AUTH_MODE: 'off',
      SEED_DEMO: 'false',
      ZEP_API_KEY: 'cold-start',
      ZEP_BASE_URL: 'http://127.0.0.1:9',
      REDIS_URL: '',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    while (!(await answered(`http://127.0.0.1:${port}/graphql`))) {
      if (child.exitCode !== null) throw new Error(`the server exited with code ${child.exitCode} before answering`);
      if (performance.now() - started > GIVE_UP_MS) throw new Error(`no answer after ${GIVE_UP_MS} ms`);
      await sleep(5);
    }
    const ms = performance.now() - started;
    return { ms, ...(await usage(child.pid as number)) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '5' }, tsx: { type: 'boolean', default: false }, entry: { type: 'string' }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer (received "${values.runs}")`);
  if (!values.tsx && values.entry === undefined) buildIfStale(serverBuild(ROOT), { log: (line) => process.stderr.write(`${line}\n`) });
  const entry = values.tsx ? ['--import', 'tsx', 'src/main.ts'] : [values.entry ?? 'dist/main.js'];
  const database = await prepareBenchDatabase(process.env['BENCH_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  await coldStart(database.url, entry);
  const results: ColdStart[] = [];
  for (let i = 0; i < runs; i++) results.push(await coldStart(database.url, entry));
  const stats = (values: number[], unit: string): string => {
    const sorted = [...values].sort((a, b) => a - b);
    return `median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(0)} ${unit} (min ${sorted[0]?.toFixed(0)}, max ${sorted.at(-1)?.toFixed(0)})`;
  };
  process.stdout.write(
    `cold start to first answer (node ${entry.join(' ')}, PostgreSQL, emulator off), ${runs} runs:\n` +
      `  wall ${stats(results.map((r) => r.ms), 'ms')}\n` +
      `  CPU  ${stats(results.map((r) => r.cpuMs), 'ms')}\n` +
      `  RSS  ${stats(results.map((r) => r.rssMb), 'MB')}\n`,
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`cold start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
