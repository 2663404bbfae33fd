import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { developmentPrincipal } from '../../src/auth/index.js';
import { ContextRegistry, defineBundle, id } from '../../src/context/index.js';
import { demoBundles, demoContexts, userProfile } from '../../src/demo/index.js';
import { BudgetTooSmallError, ProviderUnavailableError } from '../../src/errors/index.js';
import { ProviderRuntime } from '../../src/providers/index.js';
import { VirtualStore } from '../../src/store/index.js';
import { buggyItem, downItem, fixtureContexts, itemContext, itemWithFallback } from '../support/fixture-contexts.js';
import { FixtureProvider } from '../support/fixture-provider.js';

const itemBundle = (parts: Parameters<typeof defineBundle>[0]['parts'], name = 'itemBundle') =>
  defineBundle({ name, description: 'Items as text.', args: z.object({ itemId: id() }), budgetTokens: 100, parts });

const wellFormed = itemBundle((part) => ({
  main: part(itemContext, { args: (a) => ({ itemId: a.itemId }), priority: 0, title: 'Main', render: (item) => item.label }),
  again: part(itemWithFallback, { args: (a) => ({ itemId: `${a.itemId}-b` }), priority: 1, render: (item) => item.label }),
  down: part(downItem, { args: (a) => ({ itemId: a.itemId }), priority: 2 }),
}));

function storeWith(bundles: ReturnType<typeof defineBundle>[], tokenizer?: 'cl100k_base') {
  const fixture = new FixtureProvider();
  const registry = new ContextRegistry(fixtureContexts, bundles);
  const store = new VirtualStore({
    registry,
    providers: [new ProviderRuntime(fixture)],
    policies: { fixture: { retry: { maxAttempts: 0 } } },
    ...(tokenizer ? { tokenizer } : {}),
  });
  return { fixture, store, session: () => store.session({ principal: developmentPrincipal('acme') }) };
}

describe('bundle definitions', () => {
  it('lists bundles with the arguments a surface serves: their own, then budgetTokens and format with defaults', () => {
    const registry = new ContextRegistry(demoContexts, demoBundles);
    const [bundle] = registry.bundles();
    expect(bundle?.name).toBe('agentContext');
    expect(bundle?.definition.description).toMatch(/^Prompt-ready context for an agent/);
    expect(bundle?.args.map((a) => a.name)).toEqual(['userId', 'threadId', 'query', 'budgetTokens', 'format']);
    expect(bundle?.schema.parse({ userId: 'u1', threadId: 't1' })).toEqual({ userId: 'u1', threadId: 't1', budgetTokens: 2000, format: 'MARKDOWN' });
    expect(bundle?.definition.parts.map((p) => [p.name, p.context.name, p.priority])).toEqual([
      ['profile', 'userProfile', 0],
      ['context', 'threadContext', 3],
      ['messages', 'threadMessages', 1],
      ['facts', 'userFacts', 2],
      ['documents', 'searchDocuments', 4],
    ]);
    expect(z.toJSONSchema(bundle?.schema ?? z.object({}), { io: 'input' })).toMatchObject({
      properties: { budgetTokens: { type: 'integer', minimum: 0, default: 2000 }, format: { $ref: '#/$defs/PromptFormat', default: 'MARKDOWN' } },
      required: ['userId', 'threadId'],
      $defs: { PromptFormat: { enum: ['MARKDOWN', 'XML', 'JSON'] } },
    });
  });

  it('refuses a part reading an unregistered context, a bad priority, reserved arguments and name clashes', () => {
    const reads = (priority: number) => itemBundle((part) => ({ main: part(userProfile, { args: () => ({ userId: 'u1' }), priority }) }));
    expect(() => new ContextRegistry(fixtureContexts, [reads(0)])).toThrow(
      'Context definition "itemBundle": part "main" reads context "userProfile", which is not registered; pass it in definitions too.',
    );
    expect(() => new ContextRegistry(demoContexts, [reads(1.5)])).toThrow('Context definition "itemBundle": part "main": priority must be an integer >= 0 (0 = never cut; received 1.5).');
    expect(() => new ContextRegistry(demoContexts, [reads(-1)])).toThrow('priority must be an integer >= 0 (0 = never cut; received -1).');
    const reserved = defineBundle({ name: 'b', description: 'B.', args: z.object({ budgetTokens: z.int() }), parts: () => ({}) });
    expect(() => new ContextRegistry([], [reserved])).toThrow('Context definition "b": argument "budgetTokens" is added to every bundle; do not declare it.');
    expect(() => new ContextRegistry(fixtureContexts, [itemBundle(() => ({}))])).toThrow('Context definition "itemBundle": needs at least one part.');
    expect(() => new ContextRegistry(fixtureContexts, [itemBundle(() => wellFormed.parts.slice(0, 1).reduce((all, p) => Object.assign(all, { main: p }), {}), 'item')])).toThrow(
      'Context definition "item": is defined more than once; names must be unique.',
    );
    const overBudget = defineBundle({ ...wellFormed, parts: () => ({}), budgetTokens: 2_000_000 });
    expect(() => new ContextRegistry(fixtureContexts, [overBudget])).toThrow('budgetTokens must be an integer from 0 to 1000000 (received 2000000).');
  });
});

describe('resolving a bundle through a store session', () => {
  it('reads parts in the request\'s batches, drops a failed lower-priority part and reports it', async () => {
    const { fixture, session } = storeWith([wellFormed]);
    const s = session();
    const [result, direct] = await Promise.all([s.bundle('itemBundle', { itemId: 'i1' }, { path: 'b' }), s.get('item', { itemId: 'i2' })]);
    // One batch of `item` for the bundle's main part and the ordinary field; one of `downItem` for
    // the down part and the primary of `again`; then `again`'s fallback.
    expect(fixture.batches).toEqual([['i1', 'i2'], ['i1-b', 'i1'], ['i1-b']]);
    expect(direct.value).toEqual({ id: 'i2', label: 'fixture:i2' });
    expect(result.value).toMatchObject({ text: '## Main\nfixture:i1\n\n## again\nfixture:i1-b\n', budgetTokens: 100, tokenizer: 'o200k_base' });
    expect(result.value.parts).toEqual([
      { name: 'main', context: 'item', provider: 'fixture', tokens: expect.any(Number), itemsKept: 1, itemsDropped: 0, truncated: false },
      { name: 'again', context: 'itemWithFallback', provider: 'fixture', tokens: expect.any(Number), itemsKept: 1, itemsDropped: 0, truncated: false },
      { name: 'down', context: 'downItem', provider: null, tokens: 0, itemsKept: 0, itemsDropped: 0, truncated: true },
    ]);
    expect(s.provenance.get('b')).toMatchObject({
      bundle: true,
      parts: [
        { part: 'main', fallback: false },
        { part: 'again', fallback: true, fallbackReason: 'PROVIDER_UNAVAILABLE' },
        { part: 'down', error: 'PROVIDER_UNAVAILABLE', attempts: [{ provider: 'fixture', operation: 'downItem', error: 'PROVIDER_UNAVAILABLE' }] },
      ],
    });
    // Parts record their provenance in the bundle's entry, not as fields of their own.
    expect([...s.provenance.keys()]).toEqual(['b']);
  });

  it('fails with the error of a priority-0 part, and with BUDGET_TOO_SMALL when priority 0 does not fit', async () => {
    const essentialDown = itemBundle((part) => ({ down: part(downItem, { args: (a) => ({ itemId: a.itemId }), priority: 0 }) }));
    const { session } = storeWith([essentialDown]);
    const s = session();
    await expect(s.bundle('itemBundle', { itemId: 'i1' }, { path: 'b' })).rejects.toBeInstanceOf(ProviderUnavailableError);
    expect(s.provenance.get('b')).toMatchObject({ bundle: true, tokens: 0, error: 'PROVIDER_UNAVAILABLE' });

    const tiny = storeWith([wellFormed]).session();
    const failure = await tiny.bundle('itemBundle', { itemId: 'i1', budgetTokens: 1 }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BudgetTooSmallError);
    expect((failure as BudgetTooSmallError).message).toBe(
      'Bundle "itemBundle" needs at least 7 tokens for its priority-0 parts (main) in MARKDOWN with o200k_base; budgetTokens is 1.',
    );
    expect((failure as BudgetTooSmallError).details).toEqual({ budgetTokens: 1, minimumTokens: 7 });
  });

  it('fails on a bug in any part (masked INTERNAL_SERVER_ERROR), never hiding it by dropping the part', async () => {
    const withBug = itemBundle((part) => ({
      main: part(itemContext, { args: (a) => ({ itemId: a.itemId }), priority: 0 }),
      buggy: part(buggyItem, { args: (a) => ({ itemId: a.itemId }), priority: 5 }),
    }));
    const s = storeWith([withBug]).session();
    const failure = await s.bundle('itemBundle', { itemId: 'i1' }, { path: 'b' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(Error);
    expect(failure).not.toHaveProperty('code');
    expect(s.provenance.get('b')).toMatchObject({ error: 'INTERNAL_SERVER_ERROR', parts: [{ part: 'main', provider: 'fixture' }, { part: 'buggy', error: 'INTERNAL_SERVER_ERROR' }] });
  });

  it('counts with the configured tokenizer', async () => {
    const { value } = await storeWith([wellFormed], 'cl100k_base').session().bundle('itemBundle', { itemId: 'i1', format: 'JSON' });
    expect(value).toMatchObject({ tokenizer: 'cl100k_base', text: '{"main":{"id":"i1","label":"fixture:i1"},"again":{"id":"i1-b","label":"fixture:i1-b"}}' });
    expect(value.tokens).toBe(countTokens(value.text));
  });

  it('validates the bundle\'s arguments, budgetTokens and format included', async () => {
    const s = storeWith([wellFormed]).session();
    await expect(s.bundle('itemBundle', { itemId: 'i1', budgetTokens: 1.5, format: 'HTML', extra: 1 })).rejects.toThrow(
      'Invalid arguments for "itemBundle": extra: unknown argument; expected one of: itemId, budgetTokens, format',
    );
    await expect(s.bundle('itemBundle', { itemId: 'i1', budgetTokens: 1.5, format: 'HTML' })).rejects.toMatchObject({
      code: 'BAD_USER_INPUT',
      invalidArgs: [{ field: 'budgetTokens' }, { field: 'format' }],
    });
    await expect(s.bundle('nope', {})).rejects.toThrow('Unknown context "nope".');
  });
});
