import { setTimeout as sleep } from 'node:timers/promises';
import type { ChildServer } from './child-servers.js';
import { type ServerCounters, subtractCounters } from './ipc.js';
import type { ServerName } from './options.js';
import { requestFor, type Scenario } from './scenarios.js';

/** One server of the run and its process. */
export interface BenchServer {
  readonly name: ServerName;
  readonly child: ChildServer;
}

export interface Verification {
  readonly scenario: string;
  readonly server: ServerName;
  readonly requests: number;
  readonly sqlPerRequest: number;
  readonly zepPerRequest: number;
  /** Problems found: bad status, GraphQL errors, data different from the reference server's. */
  readonly problems: readonly string[];
}

const VERIFY_REQUESTS = 5;

/** JSON with object keys sorted, so that equal data compares equal whatever the key order. */
function canonical(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

async function send(server: BenchServer, scenario: Scenario): Promise<{ data: unknown; problems: string[] }> {
  const { method, path, body, headers } = requestFor(scenario, server.name);
  const response = await fetch(`${server.child.url}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body }),
  });
  const text = await response.text();
  const problems: string[] = [];
  if (response.status !== 200) problems.push(`HTTP ${response.status}: ${text.slice(0, 200)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text) as unknown;
  } catch {
    problems.push(`response is not JSON: ${text.slice(0, 200)}`);
    return { data: undefined, problems };
  }
  const record = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  if (record['errors'] !== undefined) problems.push(`GraphQL errors: ${JSON.stringify(record['errors']).slice(0, 300)}`);
  if (record['data'] === undefined || record['data'] === null) problems.push('no data in the response');
  return { data: record['data'], problems };
}

/** Counters once the server has counted `requests` responses ('finish' may trail the client by a tick). */
async function countersAfter(child: ChildServer, requests: number): Promise<ServerCounters> {
  let counters = await child.counters();
  for (let i = 0; i < 50 && counters.requests < requests; i += 1) {
    await sleep(20);
    counters = await child.counters();
  }
  return counters;
}

/**
 * Sends a few sequential requests of a scenario to each server and checks, exactly, what each one
 * costs (SQL statements, Zep calls per request) and that every server answers the same data.
 */
export async function verifyScenario(scenario: Scenario, servers: readonly BenchServer[], zep: ChildServer): Promise<Verification[]> {
  const results: Verification[] = [];
  let reference: { server: ServerName; data: string } | undefined;
  for (const server of servers) {
    const first = await send(server, scenario);
    const problems = [...first.problems];
    const data = canonical(first.data);
    if (!reference) reference = { server: server.name, data };
    else if (problems.length === 0 && data !== reference.data) problems.push(`data differs from ${reference.server}'s`);
    const before = await server.child.counters();
    const zepBefore = await zep.counters();
    for (let i = 0; i < VERIFY_REQUESTS; i += 1) {
      const next = await send(server, scenario);
      for (const problem of next.problems) if (!problems.includes(problem)) problems.push(problem);
    }
    const delta = subtractCounters(await countersAfter(server.child, before.requests + VERIFY_REQUESTS), before);
    const zepDelta = subtractCounters(await zep.counters(), zepBefore);
    if (delta.providerErrors > 0) problems.push(`${delta.providerErrors} provider errors`);
    if (delta.requests !== VERIFY_REQUESTS) problems.push(`server counted ${delta.requests} requests, expected ${VERIFY_REQUESTS}`);
    results.push({
      scenario: scenario.name,
      server: server.name,
      requests: VERIFY_REQUESTS,
      sqlPerRequest: delta.sqlStatements / VERIFY_REQUESTS,
      zepPerRequest: zepDelta.zepCalls / VERIFY_REQUESTS,
      problems,
    });
  }
  return results;
}
