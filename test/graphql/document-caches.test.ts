import { createHash } from 'node:crypto';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createDocumentCaches, estimateDocumentBytes, PersistedDocumentStore } from '../../src/graphql/index.js';
import { MemoryContextCache } from '../../src/store/index.js';
import { sample, scrape } from '../support/metrics.js';
import { useTestStack } from '../support/test-stack.js';

const KiB = 1024;
const DOCUMENTS_MAX = 2048 * KiB;
const APQ_MAX = 512 * KiB;
const CONTEXTS_MAX = 256 * KiB;

const stack = useTestStack(() => ({
  documentCaches: { maxBytes: DOCUMENTS_MAX },
  persistedDocuments: { apqCacheMaxBytes: APQ_MAX },
  cache: new MemoryContextCache({ maxBytes: CONTEXTS_MAX }),
}));

const padded = (i: number, bytes: number): string => `{ userProfile(userId: "u${(i % 5) + 1}") { id } } # ${i} ${'x'.repeat(bytes)}`;
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

describe('memory is bounded by bytes', () => {
  it('keeps the parsed-document cache within its byte limit under a stream of large unique documents', async () => {
    for (let i = 0; i < 60; i++) {
      const { status, body } = await stack.server.graphql(padded(i, 100 * KiB));
      expect(status).toBe(200);
      expect(body.errors).toBeUndefined();
    }
    const metrics = await scrape(stack.server.url);
    const documents = sample(metrics, 'engram_cache_bytes', { cache: 'documents' });
    expect(documents).toBeGreaterThan(0);
    expect(documents).toBeLessThanOrEqual(DOCUMENTS_MAX);
    expect(sample(metrics, 'engram_cache_bytes', { cache: 'contexts' })).toBeLessThanOrEqual(CONTEXTS_MAX);
  });

  it('parses but does not keep a document over 1/8 of the limit', () => {
    const caches = createDocumentCaches({ maxBytes: 64 * KiB });
    const small = '{ userProfile(userId: "u1") { id } }';
    const large = padded(1, 20 * KiB);
    caches.documentCache.set(small, parse(small));
    caches.documentCache.set(large, parse(large));
    expect(estimateDocumentBytes(large, parse(large))).toBeGreaterThan(8 * KiB);
    expect(caches.documentCache.get(small)).toBeDefined();
    expect(caches.documentCache.get(large)).toBeUndefined();
    expect(caches.bytes()).toBe(estimateDocumentBytes(small, parse(small)));
  });

  it('executes an APQ document too large for the store without keeping it; small ones are kept, within the limit', async () => {
    const apq = async (query: string | undefined, hash: string) => {
      const response = await fetch(`${stack.server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify({ ...(query ? { query } : {}), extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
      });
      return { status: response.status, body: (await response.json()) as { data?: unknown; errors?: Array<{ message: string }> } };
    };
    const big = padded(1000, 100 * KiB);
    expect((await apq(big, sha256(big))).body.data).toEqual({ userProfile: { id: 'u1' } });
    expect((await apq(undefined, sha256(big))).body.errors?.[0]?.message).toBe('PersistedQueryNotFound');

    for (let i = 0; i < 200; i++) {
      const query = padded(2000 + i, 4 * KiB);
      expect((await apq(query, sha256(query))).status).toBe(200);
    }
    const last = padded(2199, 4 * KiB);
    expect((await apq(undefined, sha256(last))).body.data).toEqual({ userProfile: { id: 'u5' } });
    expect(sample(await scrape(stack.server.url), 'engram_cache_bytes', { cache: 'apq' })).toBeLessThanOrEqual(APQ_MAX);
    expect(stack.server.engram.persistedDocuments.registeredBytes).toBeLessThanOrEqual(APQ_MAX);
    expect(stack.server.engram.persistedDocuments.registeredCount).toBeLessThanOrEqual(199);
  });

  it('refuses an APQ registration over 1/8 of the store, and counts what it keeps', () => {
    const store = new PersistedDocumentStore({ apqCacheMaxBytes: 16 * KiB });
    const small = '{ __typename }';
    const large = `{ __typename } # ${'x'.repeat(2 * KiB)}`;
    expect(store.register(sha256(small), small)).toBe(true);
    expect(store.register(sha256(large), large)).toBe(false);
    expect(store.get(sha256(large))).toBeUndefined();
    expect(store.registeredCount).toBe(1);
    expect(store.registeredBytes).toBe(2 * (small.length + 64));
  });

  it('keeps the in-process context cache within its byte limit and refuses values over 1/8 of it', async () => {
    const cache = new MemoryContextCache({ maxBytes: 64 * KiB });
    const entry = (size: number) => ({ value: { text: 'x'.repeat(size) }, storedAt: Date.now(), provider: 'p', operation: 'o' });
    for (let i = 0; i < 100; i++) {
      await cache.set(`k${i}`, entry(1000), 60_000);
      expect(cache.bytes).toBeLessThanOrEqual(64 * KiB);
    }
    await cache.set('huge', entry(10 * KiB), 60_000);
    expect(await cache.getMany(['huge', 'k99'])).toEqual([undefined, expect.objectContaining({ provider: 'p' })]);
    expect(cache.size).toBeLessThanOrEqual(99);
  });
});
