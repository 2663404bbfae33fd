/**
 * `npm run bench`: Engram against its peers, side by side, on real PostgreSQL and the Zep emulator.
 * Every server runs in its own child process on loopback; autocannon loads one at a time, in rounds
 * whose order rotates (A B C, B C A, …), so that machine drift cancels out. See bench/README.md.
 */
import { loadavg } from 'node:os';
import pg from 'pg';
import { prepareBenchDatabase } from './harness/bench-database.js';
import { type ChildServer, ChildServers } from './harness/child-servers.js';
import { machineInfo } from './harness/machine.js';
import { type MeasureContext, runScenario, warmUp } from './harness/measure.js';
import { BASELINE_SERVER, BATCHED_ENGRAM_SERVERS, type BenchOptions, DEFAULT_SERVERS, isEngramServer, parseOptions, type ServerName, USAGE, UsageError } from './harness/options.js';
import { clockTicksPerSecond } from './harness/proc-stats.js';
import { markdownTable, verifiedCostTable, writeResults } from './harness/report.js';
import { type Scenario, type ScenarioName, scenarios } from './harness/scenarios.js';
import { checkSqlParity } from './harness/sql-parity.js';
import { type RoundRecord, type RunnerName, type SummaryRow, summarize } from './harness/summary.js';
import { type BenchServer, type Verification, verifyScenario } from './harness/verify.js';
import { BENCH_POOL_SIZE } from './peers/index.js';

const startedAtMs = performance.now();
const log = (message: string): void => {
  process.stderr.write(`[bench ${((performance.now() - startedAtMs) / 1000).toFixed(0).padStart(3)}s] ${message}\n`);
};

/** Starts every server at once (each in its own process); resolves in `options.servers` order. */
function startServers(children: ChildServers, options: BenchOptions, databaseUrl: string, zep: ChildServer): Promise<BenchServer[]> {
  const zepConfig = { zepBaseUrl: zep.info['baseUrl'], zepApiKey: zep.info['apiKey'] };
  return Promise.all(
    options.servers.map(async (name): Promise<BenchServer> => {
      const engram = isEngramServer(name);
      const child = await children.start({
        name,
        script: engram ? 'engram-server' : 'peer-server',
        config: engram
          ? { databaseUrl, ...zepConfig, batching: name !== 'engram-naive', cache: name === 'engram-cached', compiled: name !== 'engram-yoga' }
          : { databaseUrl, ...zepConfig, kind: name },
        ...(options.cpuProf
          ? { nodeFlags: ['--cpu-prof', '--cpu-prof-dir', `bench/results/profiles/${name}`] }
          : {}),
      });
      log(`started ${name} (pid ${child.pid}) at ${child.url}`);
      return { name, child };
    }),
  );
}

/**
 * The servers a scenario runs on: GraphQL scenarios on all of them, REST on Engram only (not the
 * naive variant: one field has nothing to batch).
 */
const serversFor = (scenario: Scenario, servers: readonly BenchServer[]): BenchServer[] =>
  scenario.graphql ? [...servers] : servers.filter((s) => isEngramServer(s.name) && s.name !== 'engram-naive');

function expectedFor(scenario: Scenario, server: ServerName): { sqlPerRequest: number; zepPerRequest: number } | undefined {
  if (BATCHED_ENGRAM_SERVERS.includes(server)) return scenario.expected;
  if (server === 'engram-naive') return scenario.naive;
  return undefined;
}

/** Engram must cost, under load too, exactly what its batching promises; anything else fails the run. */
function loadViolations(rows: readonly SummaryRow[], records: readonly RoundRecord[], scenarioByName: ReadonlyMap<ScenarioName, Scenario>): string[] {
  const violations: string[] = [];
  for (const row of rows) {
    if (!BATCHED_ENGRAM_SERVERS.includes(row.server as ServerName)) continue;
    const scenario = scenarioByName.get(row.scenario);
    if (!scenario) continue;
    const exact = !records.some((r) => r.scenario === row.scenario && r.server === row.server && r.stoppedEarly);
    const { sqlPerRequest, zepPerRequest } = scenario.expected;
    const what = exact ? 'exactly' : 'about (a round hit its time limit)';
    if (exact ? row.sqlPerRequest !== sqlPerRequest : row.sqlPerRequest > sqlPerRequest * 1.05) {
      violations.push(`${row.scenario}: ${row.server} sent ${row.sqlPerRequest.toFixed(3)} SQL statements per request under load, expected ${what} ${sqlPerRequest}`);
    }
    if (exact ? row.zepPerRequest !== zepPerRequest : row.zepPerRequest > zepPerRequest * 1.05) {
      violations.push(`${row.scenario}: ${row.server} made ${row.zepPerRequest.toFixed(3)} Zep calls per request under load, expected ${what} ${zepPerRequest}`);
    }
    if (row.non2xx + row.errors + row.errorBodies + row.providerErrors > 0) {
      violations.push(
        `${row.scenario}: ${row.server} answered ${row.non2xx} non-2xx responses and ${row.errorBodies} with GraphQL errors, ` +
          `had ${row.errors} connection errors and ${row.providerErrors} provider errors`,
      );
    }
  }
  return violations;
}

function verificationViolations(verifications: readonly Verification[], scenarioByName: ReadonlyMap<ScenarioName, Scenario>): string[] {
  const violations: string[] = [];
  for (const v of verifications) {
    const scenario = scenarioByName.get(v.scenario as ScenarioName);
    const expected = scenario ? expectedFor(scenario, v.server) : undefined;
    for (const problem of v.problems) violations.push(`${v.scenario} on ${v.server}: ${problem}`);
    if (!expected) continue;
    if (v.sqlPerRequest !== expected.sqlPerRequest) {
      violations.push(`${v.scenario} on ${v.server}: ${v.sqlPerRequest} SQL statements per request, expected exactly ${expected.sqlPerRequest}`);
    }
    if (v.zepPerRequest !== expected.zepPerRequest) {
      violations.push(`${v.scenario} on ${v.server}: ${v.zepPerRequest} Zep calls per request, expected exactly ${expected.zepPerRequest}`);
    }
  }
  return violations;
}

async function run(options: BenchOptions, children: ChildServers): Promise<number> {
  const startedAt = new Date();
  const selected = scenarios.filter((s) => options.scenarios.includes(s.name));
  const scenarioByName = new Map(selected.map((s) => [s.name, s]));

  log(`preparing the database engram_bench on ${options.databaseUrl.replace(/\/\/[^@]*@/, '//…@')}`);
  const database = await prepareBenchDatabase(options.databaseUrl);
  const machine = await machineInfo(database.serverVersion);
  if (machine.loadAverageAtStart > machine.nproc) {
    log(`WARNING: load average ${machine.loadAverageAtStart} on ${machine.nproc} CPUs: other work competes with the bench; absolute numbers will be low and noisy`);
  }
  const sqlParity = await checkSqlParity(database.url);
  const mismatched = sqlParity.filter((p) => !p.identical);
  if (mismatched.length > 0) {
    for (const p of mismatched) log(`SQL of ${p.operation} differs:\n  engram: ${p.engram}\n  peers:  ${p.peer}`);
    throw new Error('the peers do not send the SQL Engram sends: update bench/peers/peer-sql.ts');
  }
  log(`peers send the same SQL as Engram (${sqlParity.map((p) => p.operation).join(', ')})`);

  const zep = await children.start({ name: 'zep-emulator', script: 'zep-emulator-server', config: { latencyMs: options.zepLatencyMs } });
  log(`started the Zep emulator (pid ${zep.pid}) at ${zep.url}, ${options.zepLatencyMs} ms added latency`);
  const servers = await startServers(children, options, database.url, zep);
  const pool = new pg.Pool({ connectionString: database.url, max: BENCH_POOL_SIZE });
  pool.on('error', () => {});
  const ctx: MeasureContext = { zep, pool, options, ticksPerSecond: clockTicksPerSecond(), log };

  try {
    const verifications: Verification[] = [];
    for (const scenario of selected) verifications.push(...(await verifyScenario(scenario, serversFor(scenario, servers), zep)));
    const verifyProblems = verificationViolations(verifications, scenarioByName);
    if (verifyProblems.length > 0) {
      for (const p of verifyProblems) log(`VIOLATION ${p}`);
      throw new Error(`${verifyProblems.length} check(s) failed before load; see above`);
    }
    log('verified: every server answers the same data; Engram costs exactly what batching promises');

    const startupWarmup = scenarios.find((s) => s.name === 'q20');
    if (startupWarmup) for (const server of servers) await warmUp(server, startupWarmup, ctx, options.startupWarmupSeconds);

    const records: RoundRecord[] = [];
    const rss = new Map<string, number>();
    for (const scenario of selected) {
      const targets = serversFor(scenario, servers);
      records.push(...(await runScenario(scenario, targets, ctx)));
      for (const server of targets) rss.set(`${scenario.name}\u0000${server.name}`, (await server.child.memory()).rssMb);
    }
    const processes = await Promise.all(
      [...servers.map((s) => ({ name: s.name as string, child: s.child })), { name: 'zep-emulator', child: zep }].map(async ({ name, child }) => ({
        name,
        pid: child.pid,
        ...(await child.memory()),
      })),
    );

    const rows = summarize(records, (scenario: ScenarioName, server: RunnerName) => rss.get(`${scenario}\u0000${server}`) ?? null);
    const violations = loadViolations(rows, records, scenarioByName);
    const table = `${markdownTable(rows)}\n\n${verifiedCostTable(verifications)}`;
    const machineLine =
      `Machine: ${machine.nproc} CPUs (${machine.cpuModel}), ${machine.memoryGb} GB, Node ${machine.node}, ${machine.postgres}, ${machine.kernel}, ` +
      `load average ${machine.loadAverageAtStart} at start. ${options.rounds} round(s) of ~${options.durationSeconds} s per server and scenario, ` +
      `${options.connections} connections, Zep emulator +${options.zepLatencyMs} ms per call.`;
    const results = {
      startedAt: startedAt.toISOString(),
      finishedAt: new Date().toISOString(),
      machine: { ...machine, loadAverageAtEnd: Math.round((loadavg()[0] ?? 0) * 100) / 100 },
      options: { ...options, databaseUrl: undefined },
      baseline: BASELINE_SERVER,
      sqlParity,
      seeded: database.seeded,
      scenarios: selected.map((s) => ({ name: s.name, description: s.description, request: s.request, expected: s.expected, naive: s.naive })),
      verifications,
      rows,
      processes,
      rounds: records,
      violations,
    };
    const complete =
      !options.quick && !options.cpuProf && options.ceiling && DEFAULT_SERVERS.every((s) => options.servers.includes(s)) && scenarios.every((s) => options.scenarios.includes(s.name));
    const processTable = [
      '| process | RSS after run MB | peak RSS MB |',
      '|---|--:|--:|',
      ...processes.map((p) => `| ${p.name} | ${Math.round(p.rssMb)} | ${Math.round(p.peakRssMb)} |`),
    ].join('\n');
    const report = `${table}\n\n${machineLine}\n\n${processTable}\n`;
    const written = await writeResults(results, report, startedAt, complete);

    process.stdout.write(report);
    process.stdout.write(`\nResults: ${written.json}${written.latest ? ` (also ${written.latest})` : ''}\n`);
    for (const v of violations) log(`VIOLATION ${v}`);
    log(violations.length > 0 ? `FAILED: ${violations.length} violation(s)` : 'done');
    return violations.length > 0 ? 1 : 0;
  } finally {
    await pool.end();
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (process.platform !== 'linux') throw new Error(`the bench reads /proc for CPU and memory: it runs on Linux, not ${process.platform}`);
  const options = parseOptions(argv, process.env);
  const children = new ChildServers();
  let interrupted = false;
  const interrupt = (signal: NodeJS.Signals): void => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping every child process`);
    children.stopAll().finally(() => process.exit(130));
  };
  process.on('SIGINT', interrupt);
  process.on('SIGTERM', interrupt);
  process.on('exit', () => children.killAllNow());
  try {
    process.exitCode = await run(options, children);
  } finally {
    await children.stopAll();
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) process.stderr.write(`${error.message}\n\n${USAGE}\n`);
  else log(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
