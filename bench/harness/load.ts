import autocannon from 'autocannon';
import type pg from 'pg';
import type { HttpRequestSpec } from './scenarios.js';

export interface LoadOptions {
  readonly connections: number;
  readonly durationSeconds: number;
}

/**
 * A measured round sends a fixed number of requests and waits for every response, so that no request
 * is cut off at the end and the server's counters divide exactly; `maxSeconds` bounds a round whose
 * server turned out much slower than estimated (then it is stopped and flagged).
 */
export interface LoadPlan {
  readonly connections: number;
  /** Requests to send; at least `connections`. */
  readonly amount: number;
  readonly maxSeconds: number;
}

export interface LoadResult {
  /** Responses received (any status). */
  readonly responses: number;
  /** From the start to the last response. */
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  /** 2xx responses that carry GraphQL `errors` (e.g. a provider timed out): not a success either. */
  readonly errorBodies: number;
  /** Stopped by `maxSeconds` before every request was answered: counts per request are approximate. */
  readonly stoppedEarly: boolean;
}

function baseOptions(baseUrl: string, request: HttpRequestSpec, connections: number): autocannon.Options {
  return {
    url: `${baseUrl}${request.path}`,
    method: request.method,
    connections,
    timeout: 10,
    // A field that failed still answers HTTP 200: look for GraphQL errors in every body.
    verifyBody: (body: unknown) => !String(body).includes('"errors"'),
    headers: { ...(request.body === undefined ? {} : { 'content-type': 'application/json' }), ...request.headers },
    ...(request.body === undefined ? {} : { body: request.body }),
  };
}

function run(options: autocannon.Options, maxSeconds: number): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let lastResponse = started;
    let stoppedEarly = false;
    const instance = autocannon(options, (error: unknown, result: autocannon.Result) => {
      clearTimeout(guard);
      if (error) {
        reject(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      // autocannon notices the end on its next sample tick; the last response is the real end.
      const seconds = Math.max((lastResponse - started) / 1000, 1e-3);
      const responses = result.requests.total;
      resolve({
        responses,
        seconds,
        requestsPerSecond: responses / seconds,
        p50Ms: result.latency.p50,
        p99Ms: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors,
        errorBodies: result.mismatches,
        stoppedEarly,
      });
    });
    instance.on('response', () => {
      lastResponse = performance.now();
    });
    const guard = setTimeout(() => {
      stoppedEarly = true;
      instance.stop();
    }, maxSeconds * 1000);
  });
}

/** Loads one server for a fixed time (warm-ups; the end cuts requests off). */
export function runTimedLoad(baseUrl: string, request: HttpRequestSpec, options: LoadOptions): Promise<LoadResult> {
  return run({ ...baseOptions(baseUrl, request, options.connections), duration: options.durationSeconds }, options.durationSeconds + 30);
}

/** Sends `plan.amount` requests over `plan.connections` connections and waits for every answer. */
export function runLoad(baseUrl: string, request: HttpRequestSpec, plan: LoadPlan): Promise<LoadResult> {
  const amount = Math.max(plan.amount, plan.connections);
  return run({ ...baseOptions(baseUrl, request, plan.connections), amount, sampleInt: 100 }, plan.maxSeconds);
}

export interface CeilingResult {
  readonly operations: number;
  readonly seconds: number;
  readonly operationsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** CPU of this (harness) process per statement: the pg client side only. */
  readonly cpuMicrosPerOperation: number;
}

const MAX_SAMPLES = 1_000_000;

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * The ceiling: the scenario's batched statement sent straight through `pg` by `concurrency` loops
 * sharing one pool, for a fixed time. No HTTP, no GraphQL: what PostgreSQL and the driver allow.
 */
export async function runCeiling(pool: pg.Pool, sql: string, params: readonly unknown[], options: LoadOptions): Promise<CeilingResult> {
  const samples = new Float64Array(MAX_SAMPLES);
  let operations = 0;
  const values = [...params];
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + options.durationSeconds * 1000;
  const loop = async (): Promise<void> => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      await pool.query(sql, values);
      if (operations < MAX_SAMPLES) samples[operations] = performance.now() - t0;
      operations += 1;
    }
  };
  await Promise.all(Array.from({ length: options.connections }, loop));
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const sorted = samples.slice(0, Math.min(operations, MAX_SAMPLES)).sort();
  return {
    operations,
    seconds,
    operationsPerSecond: operations / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    cpuMicrosPerOperation: operations === 0 ? Number.NaN : (cpu.user + cpu.system) / operations,
  };
}
