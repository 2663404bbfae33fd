import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { ChildServer } from './child-servers.js';
import { type ServerCounters, subtractCounters } from './ipc.js';
import { runCeiling, runLoad, runTimedLoad } from './load.js';
import type { BenchOptions } from './options.js';
import { requestFor, type Scenario } from './scenarios.js';
import type { RoundRecord } from './summary.js';
import type { BenchServer } from './verify.js';

/** After the load, counters are polled this often until they stop moving (in-flight work done). */
const SETTLE_POLL_MS = 50;
const SETTLE_STABLE_POLLS = 3;
const SETTLE_MAX_MS = 20_000;
/** The pg loop is steady: a short round is enough. */
const CEILING_MAX_SECONDS = 2;
/** A round may take this many times its planned duration (plus a margin) before it is stopped. */
const ROUND_TIME_LIMIT_FACTOR = 4;
/** Without a warm-up to estimate the rate (`--quick`), a round is this many requests per connection. */
const REQUESTS_PER_CONNECTION_UNSIZED = 4;

export interface MeasureContext {
  readonly zep: ChildServer;
  readonly pool: pg.Pool;
  readonly options: BenchOptions;
  readonly ticksPerSecond: number;
  readonly log: (message: string) => void;
}

const sameCounters = (a: ServerCounters, b: ServerCounters): boolean =>
  a.requests === b.requests && a.sqlStatements === b.sqlStatements && a.zepCalls === b.zepCalls && a.providerErrors === b.providerErrors;

/**
 * Waits until the server and the emulator are idle: their counters stay unchanged for a few polls
 * (warm-ups cut requests off; their work must not spill into the next measurement).
 */
async function settle(server: ChildServer, ctx: MeasureContext): Promise<[ServerCounters, ServerCounters]> {
  let last: [ServerCounters, ServerCounters] = [await server.counters(), await ctx.zep.counters()];
  let stable = 0;
  const deadline = performance.now() + SETTLE_MAX_MS;
  while (stable < SETTLE_STABLE_POLLS && performance.now() < deadline) {
    await sleep(SETTLE_POLL_MS);
    const next: [ServerCounters, ServerCounters] = [await server.counters(), await ctx.zep.counters()];
    stable = sameCounters(next[0], last[0]) && sameCounters(next[1], last[1]) ? stable + 1 : 0;
    last = next;
  }
  if (stable < SETTLE_STABLE_POLLS) ctx.log(`${server.name} was still busy ${SETTLE_MAX_MS} ms after the load stopped`);
  return last;
}

/** Timed load that is not measured; returns the req/s seen, the estimate for sizing the first round. */
export async function warmUp(server: BenchServer, scenario: Scenario, ctx: MeasureContext, seconds: number): Promise<number> {
  const load = await runTimedLoad(server.child.url, requestFor(scenario, server.name), { connections: ctx.options.connections, durationSeconds: seconds });
  await settle(server.child, ctx);
  return load.requestsPerSecond;
}

/**
 * One measured round: `estimate × duration` requests (every one answered), then the deltas of the
 * server's counters, of its CPU time (/proc) and of the emulator's Zep calls.
 */
export async function measureServer(
  server: BenchServer,
  scenario: Scenario,
  ctx: MeasureContext,
  estimate: number | undefined,
  round: number,
  position: number,
): Promise<RoundRecord> {
  const { child } = server;
  const { connections, durationSeconds } = ctx.options;
  // Every earlier load of this server ended settled: nothing is in flight.
  const [before, zepBefore] = [await child.counters(), await ctx.zep.counters()];
  const [ticksBefore, zepTicksBefore] = [await child.cpuTicks(), await ctx.zep.cpuTicks()];
  const load = await runLoad(child.url, requestFor(scenario, server.name), {
    connections,
    amount: estimate === undefined ? connections * REQUESTS_PER_CONNECTION_UNSIZED : Math.round(estimate * durationSeconds),
    maxSeconds: durationSeconds * ROUND_TIME_LIMIT_FACTOR + 5,
  });
  if (load.stoppedEarly) ctx.log(`${scenario.name} ${server.name}: round stopped at its time limit; per-request counts are approximate`);
  const [after, zepAfter] = await settle(child, ctx);
  const ticks = (await child.cpuTicks()) - ticksBefore;
  const zepTicks = (await ctx.zep.cpuTicks()) - zepTicksBefore;
  const delta = subtractCounters(after, before);
  const zepDelta = subtractCounters(zepAfter, zepBefore);
  const perRequest = (value: number): number => (delta.requests > 0 ? value / delta.requests : Number.NaN);
  return {
    scenario: scenario.name,
    server: server.name,
    round,
    position,
    requestsPerSecond: load.requestsPerSecond,
    p50Ms: load.p50Ms,
    p99Ms: load.p99Ms,
    responses: load.responses,
    serverRequests: delta.requests,
    cpuMicrosPerRequest: perRequest((ticks * 1e6) / ctx.ticksPerSecond),
    zepEmulatorCpuMicrosPerRequest: perRequest((zepTicks * 1e6) / ctx.ticksPerSecond),
    sqlStatements: delta.sqlStatements,
    zepCalls: zepDelta.zepCalls,
    non2xx: load.non2xx,
    errors: load.errors,
    errorBodies: load.errorBodies,
    providerErrors: delta.providerErrors,
    stoppedEarly: load.stoppedEarly,
  };
}

export async function measureCeiling(scenario: Scenario, ctx: MeasureContext, round: number, position: number): Promise<RoundRecord | undefined> {
  if (!scenario.ceiling) return undefined;
  const seconds = Math.min(ctx.options.durationSeconds, CEILING_MAX_SECONDS);
  const result = await runCeiling(ctx.pool, scenario.ceiling.sql, scenario.ceiling.params, { connections: ctx.options.connections, durationSeconds: seconds });
  return {
    scenario: scenario.name,
    server: 'ceiling',
    round,
    position,
    requestsPerSecond: result.operationsPerSecond,
    p50Ms: result.p50Ms,
    p99Ms: result.p99Ms,
    responses: result.operations,
    serverRequests: result.operations,
    cpuMicrosPerRequest: result.cpuMicrosPerOperation,
    zepEmulatorCpuMicrosPerRequest: 0,
    sqlStatements: result.operations,
    zepCalls: 0,
    non2xx: 0,
    errors: 0,
    errorBodies: 0,
    providerErrors: 0,
    stoppedEarly: false,
  };
}

/**
 * Rounds of one scenario: a warm-up per server (which also sizes its first round), then every runner
 * once per round, the order rotating by one each round (A B C, B C A, C A B) so drift cancels out.
 */
export async function runScenario(scenario: Scenario, targets: readonly BenchServer[], ctx: MeasureContext): Promise<RoundRecord[]> {
  const { options } = ctx;
  const estimates = new Map<string, number>();
  if (options.warmupSeconds > 0) for (const server of targets) estimates.set(server.name, await warmUp(server, scenario, ctx, options.warmupSeconds));
  const runners: Array<BenchServer | 'ceiling'> = [...targets, ...(options.ceiling && scenario.ceiling ? (['ceiling'] as const) : [])];
  const records: RoundRecord[] = [];
  for (let round = 1; round <= options.rounds; round += 1) {
    const shift = (round - 1) % runners.length;
    const order = [...runners.slice(shift), ...runners.slice(0, shift)];
    for (const [position, runner] of order.entries()) {
      const record =
        runner === 'ceiling'
          ? await measureCeiling(scenario, ctx, round, position)
          : await measureServer(runner, scenario, ctx, estimates.get(runner.name), round, position);
      if (!record) continue;
      if (runner !== 'ceiling') estimates.set(runner.name, record.requestsPerSecond);
      records.push(record);
      ctx.log(`${scenario.name} round ${round}/${options.rounds} ${record.server}: ${Math.round(record.requestsPerSecond)} req/s, p99 ${record.p99Ms.toFixed(1)} ms`);
    }
  }
  return records;
}
