import { describe, expect, it } from 'vitest';
import { developmentPrincipal } from '../../src/auth/index.js';
import { openDatabase } from '../../src/providers/postgres/index.js';
import { MemoryWriter } from '../../src/writes/index.js';
import { freePort } from '../support/engram-process.js';

describe('MemoryWriter when PostgreSQL is unreachable', () => {
  it('refuses the write as PROVIDER_UNAVAILABLE (the system of record cannot take it), never as an internal error', async () => {
    // A loopback port nobody listens on: the connection is refused at once.
    const opened = await openDatabase({ url: `postgres://postgres@127.0.0.1:${await freePort()}/engram`, poolSize: 1, connectTimeoutMs: 1000 });
    try {
      const writer = new MemoryWriter(opened.db);
      const write = writer.appendMessages(developmentPrincipal('acme'), { threadId: 't1', messages: [{ role: 'user', content: 'lost?' }] });
      await expect(write).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE', message: 'Provider "postgres" is unavailable for "appendMessages": the database is unreachable.' });
    } finally {
      await opened.close();
    }
  });
});
