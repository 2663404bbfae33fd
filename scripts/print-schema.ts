/**
 * Prints the compiled schema of the demo context pack to `schema.graphql`.
 * `--check` fails (exit 1) when the checked-in file is stale instead of writing it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { ContextRegistry } from '../src/context/index.js';
import { demoContexts } from '../src/demo/index.js';
import { compileSchema } from '../src/graphql/index.js';
import type { MemoryWrites } from '../src/writes/index.js';

const file = new URL('../schema.graphql', import.meta.url);
// The write fields' types only: printing never runs a resolver.
const unused = (): never => {
  throw new Error('not served by print-schema');
};
const writes = { appendMessages: unused, addFacts: unused, outboxStatus: unused } as unknown as MemoryWrites;
const sdl = `${printSchema(lexicographicSortSchema(compileSchema(new ContextRegistry(demoContexts), writes)))}\n`;

if (process.argv.includes('--check')) {
  const current = await readFile(file, 'utf8').catch(() => '');
  if (current !== sdl) {
    process.stderr.write('schema.graphql is stale: run `npm run schema:print` and commit the result.\n');
    process.exit(1);
  }
  process.stdout.write('schema.graphql is up to date.\n');
} else {
  await writeFile(file, sdl);
  process.stdout.write('wrote schema.graphql\n');
}
