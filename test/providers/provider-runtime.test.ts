import { describe, expect, it } from 'vitest';
import { ContractViolationError, ProviderError, ProviderUnavailableError } from '../../src/errors/index.js';
import { defaultKeyId, defineProvider, ProviderRuntime, type ProviderLogger } from '../../src/providers/index.js';

const never = new AbortController().signal;
const batch = { signal: never, tenant: 'acme', requestId: 'req-1' };

function recordingLogger() {
  const lines: Array<{ level: string; details: Record<string, unknown>; message: string }> = [];
  const logger: ProviderLogger = {
    warn: (details, message) => lines.push({ level: 'warn', details, message }),
    error: (details, message) => lines.push({ level: 'error', details, message }),
  };
  return { lines, logger };
}

describe('ProviderRuntime', () => {
  it('fails every slot loudly when a provider breaks the batch contract, and logs it once per batch', async () => {
    const { lines, logger } = recordingLogger();
    const short = defineProvider({ name: 'short', operations: { item: { load: async (keys: readonly string[]) => keys.slice(1) } } });
    const runtime = new ProviderRuntime(short, { logger });
    const results = await runtime.load('item', ['a', 'b', 'c'], batch);
    expect(results).toHaveLength(3);
    for (const r of results) expect(r).toBeInstanceOf(ContractViolationError);
    const [first] = results as ContractViolationError[];
    expect(first?.code).toBe('INTERNAL_SERVER_ERROR');
    expect(first?.message).toBe(
      'Provider "short" broke the batch contract in "item": load must return a list with one result per key, in key order (an Error in the slot of a failed key); it returned 2 results for 3 keys.',
    );
    expect(lines).toEqual([{ level: 'error', details: { provider: 'short', operation: 'item', requestId: 'req-1', keys: 3, results: 2 }, message: first?.message }]);
  });

  it('maps thrown failures to every slot, and per-key errors to their own slot only', async () => {
    const provider = defineProvider({
      name: 'mixed',
      operations: {
        item: { load: async (keys: readonly string[]) => keys.map((k) => (k === 'bad' ? new Error('no such row') : `value ${k}`)) },
        down: { load: async (_keys: readonly string[]): Promise<string[]> => Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })) },
      },
    });
    const runtime = new ProviderRuntime(provider);
    const [a, bad, b] = await runtime.load('item', ['a', 'bad', 'b'], batch);
    expect([a, b]).toEqual(['value a', 'value b']);
    expect(bad).toBeInstanceOf(ProviderError);
    expect((bad as ProviderError).message).toBe('Provider "mixed" failed "item": the operation failed.');
    const down = await runtime.load('down', ['x', 'y'], batch);
    expect(down.map((r) => (r as Error).constructor)).toEqual([ProviderUnavailableError, ProviderUnavailableError]);
    expect(runtime.stats()).toMatchObject({ provider: 'mixed', batches: 2, keys: 5, errors: 3 });
  });

  it('counts the calls an operation reports and passes the batch\'s tenant', async () => {
    const seen: string[] = [];
    const provider = defineProvider({
      name: 'counted',
      operations: {
        item: {
          load: async (keys: readonly string[], { tenant, countCall }) => {
            seen.push(tenant);
            countCall();
            return [...keys];
          },
        },
      },
    });
    const runtime = new ProviderRuntime(provider);
    await runtime.load('item', ['a'], { ...batch, tenant: 'globex' });
    expect(seen).toEqual(['globex']);
    expect(runtime.stats().calls).toBe(1);
  });

  it('logs failures of one operation and code at most once per window, saying how many it left out', async () => {
    const { lines, logger } = recordingLogger();
    const provider = defineProvider({
      name: 'flaky',
      operations: { item: { load: async (_keys: readonly string[]): Promise<string[]> => Promise.reject(new Error('ECONNRESET')) } },
    });
    const runtime = new ProviderRuntime(provider, { logger, failureLogIntervalMs: 60_000 });
    for (let i = 0; i < 5; i++) await runtime.load('item', ['a', 'b'], batch);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'warn', details: { provider: 'flaky', operation: 'item', code: 'PROVIDER_UNAVAILABLE', requestId: 'req-1', cause: 'ECONNRESET' } });
  });

  it('derives stable key ids: strings as they are, objects with sorted keys', () => {
    expect(defaultKeyId('u1')).toBe('u1');
    expect(defaultKeyId(7)).toBe('number:7');
    expect(defaultKeyId({ b: 1, a: [2, { d: 1, c: 2 }] })).toBe(defaultKeyId({ a: [2, { c: 2, d: 1 }], b: 1 }));
    expect(defaultKeyId({ a: 1 })).not.toBe(defaultKeyId({ a: 2 }));
  });

  it('reports health from the definition, and a throwing health check as not ok', async () => {
    const healthy = new ProviderRuntime(defineProvider({ name: 'a', operations: { x: { load: async (k: readonly string[]) => [...k] } } }));
    expect(await healthy.health()).toEqual({ provider: 'a', ok: true, latencyMs: expect.any(Number) });
    const failing = new ProviderRuntime(
      defineProvider({ name: 'b', operations: { x: { load: async (k: readonly string[]) => [...k] } }, health: async () => Promise.reject(new Error('socket closed')) }),
    );
    expect(await failing.health()).toMatchObject({ provider: 'b', ok: false, detail: 'socket closed' });
  });

  it('refuses invalid definitions with what was expected', () => {
    expect(() => defineProvider({ name: 'Bad Name', operations: { x: { load: async (k: readonly string[]) => [...k] } } })).toThrow(
      'defineProvider: name must match /^[a-z][a-zA-Z0-9_-]{0,63}$/ (received "Bad Name").',
    );
    expect(() => defineProvider({ name: 'p', operations: { x: { load: async (k: readonly string[]) => [...k], maxBatchSize: 0 } } })).toThrow(
      'defineProvider("p"): operation "x" has maxBatchSize 0; expected an integer of at least 1.',
    );
  });
});
