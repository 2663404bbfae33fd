import { describe, expect, it } from 'vitest';
import type { ContextSource } from '../../src/context/index.js';
import { ContractViolationError, DeadlineExceededError, ProviderTimeoutError, ProviderUnavailableError } from '../../src/errors/index.js';
import { resolveSources } from '../../src/store/index.js';

const source = (provider: string, operation = 'read'): ContextSource<unknown, unknown> => ({
  provider,
  operation,
  key: (args) => (args as { id: string }).id,
  map: (value) => ({ from: provider, value }),
});

/** A fake loader: each provider answers from a script (a value, null, or an error to throw). */
function loader(script: Record<string, unknown>) {
  const calls: string[] = [];
  return {
    calls,
    load: async (s: ContextSource<unknown, unknown>, key: unknown) => {
      calls.push(`${s.provider}:${String(key)}`);
      const answer = script[s.provider];
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
}

const base = { args: { id: 'k1' }, remainingMs: () => 1000, deadlineExceeded: () => new DeadlineExceededError(1000) };
const down = (provider: string) => new ProviderUnavailableError({ provider, operation: 'read' }, 'it is down');

describe('resolveSources', () => {
  it('moves on from a source that passes on, without calling it a fallback', async () => {
    const fresher = { ...source('pg', 'pending'), passOn: (value: unknown) => value === false };
    const passed = loader({ pg: false, zep: 'v', archive: 'w' });
    const result = await resolveSources({ ...base, sources: [fresher, source('zep'), source('archive')], load: passed.load });
    expect(result).toEqual({ ok: true, value: { from: 'zep', value: 'v' }, source: expect.objectContaining({ provider: 'zep' }), fallback: false });
    expect(passed.calls).toEqual(['pg:k1', 'zep:k1']);

    const answered = await resolveSources({ ...base, sources: [fresher, source('zep')], load: loader({ pg: 'fresh', zep: 'v' }).load });
    expect(result.ok && answered.ok && answered.value).toEqual({ from: 'pg', value: 'fresh' });

    // Past a source that passed on, the next one is the primary: its failure makes the rest a fallback.
    const failed = await resolveSources({ ...base, sources: [fresher, source('zep'), source('archive')], load: loader({ pg: false, zep: down('zep'), archive: 'w' }).load });
    expect(failed).toMatchObject({ ok: true, value: { from: 'archive', value: 'w' }, fallback: true, fallbackReason: 'PROVIDER_UNAVAILABLE' });

    // The last source cannot pass on: its value is the answer.
    const last = await resolveSources({ ...base, sources: [source('zep'), fresher], load: loader({ zep: down('zep'), pg: false }).load });
    expect(last).toMatchObject({ ok: true, value: { from: 'pg', value: false }, fallback: true });
  });

  it('answers from the primary without listing attempts', async () => {
    const fake = loader({ a: 'v', b: 'w' });
    const result = await resolveSources({ ...base, sources: [source('a'), source('b')], load: fake.load });
    expect(result).toEqual({ ok: true, value: { from: 'a', value: 'v' }, source: expect.objectContaining({ provider: 'a' }), fallback: false });
    expect(fake.calls).toEqual(['a:k1']);
  });

  it('falls back in order, recording every attempt and the primary\'s code', async () => {
    const fake = loader({ a: down('a'), b: new ProviderTimeoutError({ provider: 'b', operation: 'read' }, 50), c: 'v' });
    const result = await resolveSources({ ...base, sources: [source('a'), source('b'), source('c')], load: fake.load });
    expect(result).toMatchObject({
      ok: true,
      value: { from: 'c', value: 'v' },
      fallback: true,
      fallbackReason: 'PROVIDER_UNAVAILABLE',
      attempts: [
        { provider: 'a', operation: 'read', error: 'PROVIDER_UNAVAILABLE' },
        { provider: 'b', operation: 'read', error: 'PROVIDER_TIMEOUT' },
        { provider: 'c', operation: 'read' },
      ],
    });
  });

  it('treats null as an answer (absent data), not as a failure to fall back from', async () => {
    const fake = loader({ a: null, b: 'v' });
    const result = await resolveSources({ ...base, sources: [source('a'), source('b')], load: fake.load });
    expect(result).toMatchObject({ ok: true, value: null, fallback: false });
    expect(fake.calls).toEqual(['a:k1']);
  });

  it('fails with the last error and every attempt when all sources fail', async () => {
    const last = down('b');
    const result = await resolveSources({ ...base, sources: [source('a'), source('b')], load: loader({ a: down('a'), b: last }).load });
    expect(result).toEqual({ ok: false, error: last, attempts: [
      { provider: 'a', operation: 'read', error: 'PROVIDER_UNAVAILABLE' },
      { provider: 'b', operation: 'read', error: 'PROVIDER_UNAVAILABLE' },
    ] });
  });

  it('does not fall back from a broken provider contract', async () => {
    const violation = new ContractViolationError('a', 'read', 2, 1);
    const fake = loader({ a: violation, b: 'v' });
    const result = await resolveSources({ ...base, sources: [source('a'), source('b')], load: fake.load });
    expect(result).toMatchObject({ ok: false, error: violation });
    expect(fake.calls).toEqual(['a:k1']);
  });

  it('stops when the deadline has passed, without calling the next source', async () => {
    let left = 1000;
    const fake = loader({ a: down('a'), b: 'v' });
    const result = await resolveSources({
      ...base,
      remainingMs: () => left,
      sources: [source('a'), source('b')],
      load: async (s, key) => {
        left = 0;
        return fake.load(s, key);
      },
    });
    expect(result).toMatchObject({ ok: false, error: expect.any(DeadlineExceededError) });
    expect(fake.calls).toEqual(['a:k1']);
  });
});
