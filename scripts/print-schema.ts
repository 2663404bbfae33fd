/**
 * Prints the compiled schema of the demo context pack (with its bundles and the write fields) to `schema.graphql`.
 * `--check` fails (exit 1) when the checked-in file is stale instead of writing it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { demoSchema } from '../src/demo/index.js';

const file = new URL('../schema.graphql', import.meta.url);
const sdl = `${printSchema(lexicographicSortSchema(demoSchema()))}\n`;

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
