import { isPeerKind, type PeerKind } from '../peers/index.js';
import { isScenarioName, SCENARIO_NAMES, type ScenarioName } from './scenarios.js';

export const ENGRAM_SERVERS = ['engram', 'engram-quiet', 'engram-yoga', 'engram-cached', 'engram-naive'] as const;
export type EngramServerName = (typeof ENGRAM_SERVERS)[number];
export type ServerName = EngramServerName | PeerKind;

/** Every server the bench can run, in table order. `engram-yoga` and `yoga-jit` are opt-in (`--servers`). */
export const ALL_SERVERS: readonly ServerName[] = ['engram', 'engram-quiet', 'engram-yoga', 'engram-cached', 'engram-naive', 'yoga', 'yoga-jit', 'apollo', 'mercurius', 'mercurius-jit'];
export const DEFAULT_SERVERS: readonly ServerName[] = ALL_SERVERS.filter((s) => s !== 'yoga-jit' && s !== 'engram-yoga');
/**
 * Engram variants that batch and cache nothing across requests: each must cost exactly what the
 * scenario promises. `engram-quiet` is Engram whose client sends `x-engram-provenance: off`;
 * `engram-yoga` runs every request through yoga's full pipeline (compiled execution off).
 */
export const BATCHED_ENGRAM_SERVERS: readonly ServerName[] = ['engram', 'engram-quiet', 'engram-yoga'];
/** The reference of the "vs yoga" ratios. */
export const BASELINE_SERVER: ServerName = 'yoga';

export interface BenchOptions {
  readonly quick: boolean;
  readonly rounds: number;
  readonly durationSeconds: number;
  /** Load before measuring, per scenario and server; it also sizes the first round (0: none, fixed-size rounds). */
  readonly warmupSeconds: number;
  /** Load of every server once after start-up (q20), so JITs settle before the first scenario. */
  readonly startupWarmupSeconds: number;
  readonly connections: number;
  readonly servers: readonly ServerName[];
  readonly scenarios: readonly ScenarioName[];
  readonly ceiling: boolean;
  readonly zepLatencyMs: number;
  /** Run the Engram children with `--cpu-prof`, profiles under `bench/results/profiles/`. */
  readonly cpuProf: boolean;
  readonly databaseUrl: string;
}

export const USAGE = `Usage: npm run bench -- [options]

  --quick              smoke run of a minute or two (1 round of 200 requests per server, no per-scenario warm-up)
  --rounds N           measured rounds per scenario and server (default 3)
  --duration S         seconds per round (default 4; the ceiling loop runs at most 2)
  --warmup S           warm-up seconds per scenario and server, also sizes the rounds (default 1; 0: fixed 200-request rounds)
  --connections N      autocannon connections (default 50)
  --servers a,b        subset of: ${ALL_SERVERS.join(', ')} (default: all but engram-yoga and yoga-jit)
  --scenarios a,b      subset of: ${SCENARIO_NAMES.join(', ')}
  --zep-latency MS     latency the Zep emulator adds to every call (default 20)
  --no-ceiling         skip the direct pg loop
  --cpu-prof           write V8 CPU profiles of every server to bench/results/profiles/<server>/

Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres), the server on
which the database engram_bench is created, migrated and seeded.`;

export class UsageError extends Error {}

function positive(flag: string, raw: string | undefined, integer: boolean, min = Number.MIN_VALUE): number {
  const value = Number(raw);
  if (raw === undefined || raw.trim() === '' || !Number.isFinite(value) || value < min || (integer && !Number.isInteger(value))) {
    const expected = min === 0 ? 'a number of at least 0' : `a positive ${integer ? 'integer' : 'number'}`;
    throw new UsageError(`${flag} expects ${expected}, received ${JSON.stringify(raw)}`);
  }
  return value;
}

function list<T extends string>(flag: string, raw: string | undefined, allowed: readonly T[], is: (v: string) => v is T): T[] {
  const values = (raw ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
  const unknown = values.filter((v) => !is(v));
  if (values.length === 0 || unknown.length > 0) {
    throw new UsageError(`${flag} expects a comma-separated subset of ${allowed.join(', ')}, received ${JSON.stringify(raw)}`);
  }
  return allowed.filter((a) => values.includes(a));
}

export const isEngramServer = (v: string): v is EngramServerName => (ENGRAM_SERVERS as readonly string[]).includes(v);
const isServerName = (v: string): v is ServerName => isEngramServer(v) || isPeerKind(v);

export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const quick = argv.includes('--quick');
  let options: BenchOptions = {
    quick,
    rounds: quick ? 1 : 3,
    durationSeconds: quick ? 1 : 4,
    warmupSeconds: quick ? 0 : 1,
    startupWarmupSeconds: quick ? 1 : 3,
    connections: 50,
    servers: DEFAULT_SERVERS,
    scenarios: SCENARIO_NAMES,
    ceiling: true,
    zepLatencyMs: 20,
    cpuProf: false,
    databaseUrl: env['BENCH_DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres',
  };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i] as string;
    const next = (): string | undefined => {
      i += 1;
      return argv[i];
    };
    switch (flag) {
      case '--quick':
        break;
      case '--rounds':
        options = { ...options, rounds: positive(flag, next(), true) };
        break;
      case '--duration':
        options = { ...options, durationSeconds: positive(flag, next(), false) };
        break;
      case '--warmup':
        options = { ...options, warmupSeconds: positive(flag, next(), false, 0) };
        break;
      case '--connections':
        options = { ...options, connections: positive(flag, next(), true) };
        break;
      case '--servers':
        options = { ...options, servers: list(flag, next(), ALL_SERVERS, isServerName) };
        break;
      case '--scenarios':
        options = { ...options, scenarios: list(flag, next(), SCENARIO_NAMES, isScenarioName) };
        break;
      case '--zep-latency': {
        const raw = next();
        const value = Number(raw);
        if (!Number.isInteger(value) || value < 0) throw new UsageError(`--zep-latency expects an integer of at least 0, received ${JSON.stringify(raw)}`);
        options = { ...options, zepLatencyMs: value };
        break;
      }
      case '--no-ceiling':
        options = { ...options, ceiling: false };
        break;
      case '--cpu-prof':
        options = { ...options, cpuProf: true };
        break;
      default:
        throw new UsageError(`unknown option ${JSON.stringify(flag)}`);
    }
  }
  return options;
}
