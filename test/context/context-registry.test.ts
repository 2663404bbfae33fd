import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ContextRegistry, defineContext, id } from '../../src/context/index.js';
import { demoContexts } from '../../src/demo/index.js';
import { compileSchema } from '../../src/graphql/index.js';
import { ProviderRuntime } from '../../src/providers/index.js';
import { VirtualStore } from '../../src/store/index.js';
import { FixtureProvider, fixtureOps } from '../support/fixture-provider.js';

const Item = z.object({ id: id(), label: z.string() });

function itemContext(name: string, output: z.ZodType = Item.nullable()) {
  return defineContext({
    name,
    description: 'An item.',
    args: z.object({ itemId: id() }),
    output,
    sources: (from) => [from(fixtureOps.item, { key: (a) => a.itemId, map: (v) => v })],
    access: 'public',
  });
}

describe('ContextRegistry', () => {
  it('accepts the demo context pack', () => {
    const registry = new ContextRegistry(demoContexts);
    expect(registry.list().map((c) => c.name)).toEqual(['userProfile', 'userFacts', 'threadMessages', 'threadContext', 'searchDocuments']);
  });

  it('rejects duplicate names', () => {
    expect(() => new ContextRegistry([itemContext('item'), itemContext('item')])).toThrow(
      'Context definition "item": is defined more than once; names must be unique.',
    );
  });

  it('rejects names that are not camelCase GraphQL names', () => {
    expect(() => new ContextRegistry([itemContext('user-profile')])).toThrow(
      'Context definition "user-profile": name must be camelCase and GraphQL-safe (match /^[a-z][A-Za-z0-9]*$/).',
    );
    expect(() => new ContextRegistry([itemContext('Item')])).toThrow('Context definition "Item": name must be camelCase');
  });

  it('rejects names Engram reserves', () => {
    expect(() => new ContextRegistry([itemContext('contexts')])).toThrow('Context definition "contexts": name is reserved by Engram.');
  });

  it('rejects outputs that cannot become GraphQL types, naming the field', () => {
    const bad = itemContext('item', z.object({ id: id(), value: z.union([z.string(), z.number()]) }));
    expect(() => new ContextRegistry([bad])).toThrow(
      'Context definition "item": output Item.value has zod type "union", which cannot become a GraphQL type',
    );
  });

  it('rejects outputs that are not objects or lists of objects', () => {
    expect(() => new ContextRegistry([itemContext('item', z.string())])).toThrow(
      'Context definition "item": output must be a zod object or an array of zod objects.',
    );
  });

  it('rejects object-valued arguments', () => {
    const bad = defineContext({
      name: 'item',
      description: 'An item.',
      args: z.object({ filter: z.object({ tag: z.string() }) }),
      output: Item,
      sources: (from) => [from(fixtureOps.item, { key: () => 'x' })],
      access: 'public',
    });
    expect(() => new ContextRegistry([bad])).toThrow(
      'Context definition "item": argument "filter" is an object; arguments must be scalars, enums or lists of them',
    );
  });

  it('rejects a definition without sources', () => {
    const none = defineContext({ name: 'item', description: 'An item.', args: z.object({}), output: Item, sources: () => [], access: 'public' });
    expect(() => new ContextRegistry([none])).toThrow('Context definition "item": needs at least one source.');
  });

  it('refuses a definition without an access rule, and says how to declare one', () => {
    // What a JavaScript caller (or a cast) can still hand over: TypeScript requires `access`.
    const bare = { ...itemContext('item'), access: undefined };
    expect(() => new ContextRegistry([bare])).toThrow(
      'Context definition "item": declares no access rule: add `access: { scopes: [\'context:read\'], owner: … }`, or `access: \'public\'` to let every principal of a tenant read it.',
    );
    const empty = { ...itemContext('item'), access: { scopes: [] } };
    expect(() => new ContextRegistry([empty])).toThrow(
      'Context definition "item": access.scopes must be a non-empty list of scope names such as "context:read" (received []).',
    );
  });

  it('fails store start-up when an owner rule looks up an operation no provider offers', () => {
    const owned = defineContext({
      name: 'item',
      description: 'An item.',
      args: z.object({ itemId: id() }),
      output: Item.nullable(),
      sources: (from) => [from(fixtureOps.item, { key: (a) => a.itemId })],
      access: { owner: { lookup: { provider: 'fixture', operation: 'owner' }, key: (a) => a.itemId } },
    });
    expect(() => new VirtualStore({ registry: new ContextRegistry([owned]), providers: [new ProviderRuntime(new FixtureProvider())] })).toThrow(
      'Context definition "item": access.owner looks up fixture.owner, which no configured provider offers.',
    );
  });

  it('rejects two different schemas with one GraphQL type name', () => {
    const a = itemContext('a', z.object({ id: id() }).meta({ id: 'Thing' }));
    const b = itemContext('b', z.object({ name: z.string() }).meta({ id: 'Thing' }));
    expect(() => compileSchema(new ContextRegistry([a, b]))).toThrow(
      'Context definition "b": type name "Thing" is already used by a different schema in "a"',
    );
  });

  it('fails store start-up when a source names a provider or operation that does not exist', () => {
    const registry = new ContextRegistry([itemContext('item')]);
    expect(() => new VirtualStore({ registry, providers: [] })).toThrow(
      'Context definition "item": source 1 uses fixture.item, but no provider "fixture" is configured.',
    );
    const other = new ContextRegistry([
      defineContext({
        name: 'item',
        description: 'An item.',
        args: z.object({}),
        output: Item,
        sources: (from) => [from({ provider: 'fixture', operation: 'nope' }, { key: () => 'x' })],
        access: 'public',
      }),
    ]);
    expect(() => new VirtualStore({ registry: other, providers: [new ProviderRuntime(new FixtureProvider())] })).toThrow(
      'Context definition "item": source 1 uses fixture.nope, but provider "fixture" has no operation "nope".',
    );
  });
});
