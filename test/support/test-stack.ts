import { afterAll, beforeAll } from 'vitest';
import type { DemoEngramOptions } from '../../src/demo/index.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';
import { startTestServer, type TestServer } from './test-server.js';
import { startTestZep, type TestZep } from './test-zep.js';

/** A test file's database, Zep emulator and Engram server; filled in by `beforeAll`. */
export interface TestStack {
  database: TestDatabase;
  zep: TestZep;
  server: TestServer;
}

/**
 * Starts a seeded database, a Zep emulator and an Engram server on them before the file's tests
 * (with the extra options `configure` returns), and stops them after.
 */
export function useTestStack(configure: (parts: { database: TestDatabase; zep: TestZep }) => Partial<DemoEngramOptions> = () => ({})): TestStack {
  const stack = {} as TestStack;
  beforeAll(async () => {
    [stack.database, stack.zep] = await Promise.all([createTestDatabase(), startTestZep()]);
    stack.server = await startTestServer({ db: stack.database.db, pool: stack.database.pool, zep: stack.zep.options, ...configure(stack) });
  });
  afterAll(async () => {
    await stack.server?.close();
    await stack.zep?.close();
    await stack.database?.close();
  });
  return stack;
}
