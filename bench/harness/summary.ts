import { BASELINE_SERVER, type ServerName } from './options.js';
import type { ScenarioName } from './scenarios.js';

/** A server, or the direct pg loop. */
export type RunnerName = ServerName | 'ceiling';

/** One measured round of one runner on one scenario. */
export interface RoundRecord {
  readonly scenario: ScenarioName;
  readonly server: RunnerName;
  readonly round: number;
  /** Position in the round's order (the order rotates from round to round). */
  readonly position: number;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Responses autocannon received (operations for the ceiling). */
  readonly responses: number;
  /** Requests the server counted (operations for the ceiling). */
  readonly serverRequests: number;
  readonly cpuMicrosPerRequest: number;
  /** CPU the Zep emulator spent per request of this round (its own process). */
  readonly zepEmulatorCpuMicrosPerRequest: number;
  readonly sqlStatements: number;
  readonly zepCalls: number;
  readonly non2xx: number;
  readonly errors: number;
  /** 2xx responses with GraphQL errors in the body. */
  readonly errorBodies: number;
  readonly providerErrors: number;
  /** The round hit its time limit: requests were cut off. */
  readonly stoppedEarly: boolean;
}

export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export interface SummaryRow {
  readonly scenario: ScenarioName;
  readonly server: RunnerName;
  readonly rounds: number;
  readonly requestsPerSecond: Spread;
  /** Median over rounds of (this req/s ÷ yoga's req/s in the same round); null without yoga. */
  readonly vsYoga: number | null;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly cpuMicrosPerRequest: number;
  readonly sqlPerRequest: number;
  readonly zepPerRequest: number;
  /** VmRSS after the scenario; null for the ceiling. */
  readonly rssMb: number | null;
  readonly non2xx: number;
  readonly errors: number;
  readonly errorBodies: number;
  readonly providerErrors: number;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** Aggregates the rounds of each (scenario, runner) pair, in the order the pairs were first measured. */
export function summarize(records: readonly RoundRecord[], rssMb: (scenario: ScenarioName, server: RunnerName) => number | null): SummaryRow[] {
  const groups = new Map<string, RoundRecord[]>();
  for (const r of records) {
    const id = `${r.scenario}\u0000${r.server}`;
    const group = groups.get(id);
    if (group) group.push(r);
    else groups.set(id, [r]);
  }
  return [...groups.values()].map((rounds) => {
    const first = rounds[0] as RoundRecord;
    const rps = rounds.map((r) => r.requestsPerSecond);
    const ratios = rounds.flatMap((r) => {
      const baseline = records.find((b) => b.scenario === r.scenario && b.round === r.round && b.server === BASELINE_SERVER);
      return baseline && baseline.requestsPerSecond > 0 ? [r.requestsPerSecond / baseline.requestsPerSecond] : [];
    });
    const requests = sum(rounds.map((r) => r.serverRequests));
    return {
      scenario: first.scenario,
      server: first.server,
      rounds: rounds.length,
      requestsPerSecond: { median: median(rps), min: Math.min(...rps), max: Math.max(...rps) },
      vsYoga: ratios.length > 0 ? median(ratios) : null,
      p50Ms: median(rounds.map((r) => r.p50Ms)),
      p99Ms: median(rounds.map((r) => r.p99Ms)),
      cpuMicrosPerRequest: median(rounds.map((r) => r.cpuMicrosPerRequest)),
      sqlPerRequest: requests > 0 ? sum(rounds.map((r) => r.sqlStatements)) / requests : Number.NaN,
      zepPerRequest: requests > 0 ? sum(rounds.map((r) => r.zepCalls)) / requests : Number.NaN,
      rssMb: rssMb(first.scenario, first.server),
      non2xx: sum(rounds.map((r) => r.non2xx)),
      errors: sum(rounds.map((r) => r.errors)),
      errorBodies: sum(rounds.map((r) => r.errorBodies)),
      providerErrors: sum(rounds.map((r) => r.providerErrors)),
    };
  });
}
