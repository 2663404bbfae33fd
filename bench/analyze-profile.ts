/**
 * Top self-time functions of a V8 CPU profile (`npm run bench -- --cpu-prof` writes them to
 * bench/results/profiles/): `tsx bench/analyze-profile.ts <file.cpuprofile> [--top N] [--only src/]`.
 * Also prints self time by package, to see how much of a request is Engram's own code.
 */
import { readFile } from 'node:fs/promises';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function isProfile(value: unknown): value is CpuProfile {
  const v = value as Partial<CpuProfile> | null;
  return typeof v === 'object' && v !== null && Array.isArray(v.nodes) && Array.isArray(v.samples) && Array.isArray(v.timeDeltas);
}

const root = new URL('../', import.meta.url).href;

/** `src/store/virtual-store.ts`, `node_modules/graphql`, `node:internal/…`, or a VM state like `(garbage collector)`. */
function owner(frame: CallFrame): string {
  const url = frame.url.startsWith(root) ? frame.url.slice(root.length) : frame.url;
  if (url === '') return frame.functionName || '(native)';
  if (url.startsWith('node_modules/')) {
    const parts = url.split('/');
    return parts.slice(0, parts[1]?.startsWith('@') ? 3 : 2).join('/');
  }
  if (url.startsWith('node:')) return 'node (core)';
  return url;
}

function location(frame: CallFrame): string {
  const url = frame.url.startsWith(root) ? frame.url.slice(root.length) : frame.url;
  return `${frame.functionName || '(anonymous)'} ${url || '(native)'}${url ? `:${frame.lineNumber + 1}` : ''}`;
}

function top(map: ReadonlyMap<string, number>, total: number, n: number): string[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, micros]) => `${((micros / total) * 100).toFixed(1).padStart(5)}%  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${name}`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let file: string | undefined;
  let n = 25;
  let only: string | undefined;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] as string;
    if (arg === '--top') n = Number(args[++i]);
    else if (arg === '--only') only = args[++i];
    else file = arg;
  }
  if (!file || !Number.isInteger(n) || n < 1) throw new Error('usage: tsx bench/analyze-profile.ts <file.cpuprofile> [--top N] [--only src/]');

  const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
  if (!isProfile(parsed)) throw new Error(`${file} is not a V8 CPU profile`);
  const selfById = new Map<number, number>();
  for (const [i, id] of parsed.samples.entries()) selfById.set(id, (selfById.get(id) ?? 0) + (parsed.timeDeltas[i] ?? 0));

  const byFunction = new Map<string, number>();
  const byOwner = new Map<string, number>();
  let total = 0;
  let busy = 0;
  for (const node of parsed.nodes) {
    const micros = selfById.get(node.id) ?? 0;
    total += micros;
    if (node.callFrame.functionName === '(idle)') continue;
    busy += micros;
    byOwner.set(owner(node.callFrame), (byOwner.get(owner(node.callFrame)) ?? 0) + micros);
    if (only === undefined || owner(node.callFrame).startsWith(only)) {
      byFunction.set(location(node.callFrame), (byFunction.get(location(node.callFrame)) ?? 0) + micros);
    }
  }
  process.stdout.write(`${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy (percentages of busy time)\n\n`);
  process.stdout.write(`Self time by owner:\n${top(byOwner, busy, 15).join('\n')}\n\n`);
  process.stdout.write(`Top self-time functions${only ? ` under ${only}` : ''}:\n${top(byFunction, busy, n).join('\n')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
