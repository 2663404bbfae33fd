/**
 * Fails (exit 1) when the folders of `src/` import each other in a cycle (e.g. store → observability
 * → store), type-only imports included: each folder is a layer with a public surface, and layers
 * depend one way. Prints each cycle with the imports that form it.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', 'src');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The node of a file: its top-level folder (`store` for src/store/x.ts, `providers` for
 * src/providers/postgres/x.ts); a file at the top of src/ (main.ts, create-engram.ts) is its own node.
 */
const folderOf = (file: string): string => {
  const folder = relative(root, dirname(file));
  return folder === '' ? relative(root, file.endsWith('.js') ? file.replace(/\.js$/, '.ts') : file) : (folder.split('/')[0] as string);
};

const edges = new Map<string, Map<string, string>>();
for (const file of files(root)) {
  const text = readFileSync(file, 'utf8');
  for (const match of text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+'(\.[^']+)'/gm)) {
    const target = folderOf(resolve(dirname(file), match[1] as string));
    const from = folderOf(file);
    if (target === from || target.startsWith('..')) continue;
    if (!edges.has(from)) edges.set(from, new Map());
    const out = edges.get(from) as Map<string, string>;
    if (!out.has(target)) out.set(target, `${relative(root, file)} → ${match[1]}`);
  }
}

const cycles: string[][] = [];
const state = new Map<string, 'visiting' | 'done'>();
const stack: string[] = [];
function visit(node: string): void {
  state.set(node, 'visiting');
  stack.push(node);
  for (const next of edges.get(node)?.keys() ?? []) {
    if (state.get(next) === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next]);
    else if (!state.has(next)) visit(next);
  }
  stack.pop();
  state.set(node, 'done');
}
for (const node of edges.keys()) if (!state.has(node)) visit(node);

if (cycles.length === 0) {
  console.log(`no import cycles between the ${edges.size} top-level folders and files of src/`);
} else {
  for (const cycle of cycles) {
    console.error(`cycle: ${cycle.join(' → ')}`);
    for (let i = 0; i < cycle.length - 1; i++) console.error(`  ${edges.get(cycle[i] as string)?.get(cycle[i + 1] as string)}`);
  }
  process.exit(1);
}
