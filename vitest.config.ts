import { createRequire } from 'node:module';
import { defineConfig } from 'vitest/config';

const require = createRequire(import.meta.url);

export default defineConfig({
  resolve: {
    // graphql 16 ships CJS (main) and ESM (module) without an exports map: Node loads the CJS
    // build for yoga and Pothos, so our sources must get the same copy (one GraphQLError class).
    alias: [{ find: /^graphql$/, replacement: require.resolve('graphql') }],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // PGlite needs several seconds to boot; real PostgreSQL setup creates a database per file.
    hookTimeout: 120_000,
    testTimeout: 30_000,
    pool: 'forks',
    // Files run one at a time: on 2 cores, parallel PGlite boots, Chromium and each file's servers
    // would only compete. Tests assert no tight time bounds, so a loaded machine stays green.
    fileParallelism: false,
  },
});
