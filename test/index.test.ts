import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createEngram, defineContext, id, type Engram } from '../src/index.js';
import { weather, weatherCalls } from './support/weather-provider.js';

/** A context over the one-file provider, declared with the public API only. */
const forecast = defineContext({
  name: 'forecast',
  description: 'Tomorrow\'s weather for a city.',
  args: z.object({ city: id('A city, lower case.') }),
  output: z.object({ city: z.string(), summary: z.string(), highC: z.number() }).nullable(),
  sources: (from) => [from(weather.ops.forecast, { key: (args) => args.city })],
  access: 'public',
});

let engram: Engram;
let url = '';

beforeAll(async () => {
  engram = createEngram({ providers: [weather], definitions: [forecast], auth: { mode: 'off', tenant: 'acme' }, logger: false, cache: false });
  await engram.app.listen({ port: 0, host: '127.0.0.1' });
  const address = engram.app.server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await engram?.close();
});

async function graphql(query: string): Promise<{ data?: Record<string, unknown>; errors?: Array<{ path?: string[]; extensions?: { code?: string } }> }> {
  const response = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  return (await response.json()) as { data?: Record<string, unknown> };
}

describe('the public entry (src/index.ts): a provider in one file, served through createEngram', () => {
  it('batches three aliases over two distinct keys into one load call with two keys', async () => {
    weatherCalls.length = 0;
    const body = await graphql('{ a: forecast(city: "london") { summary } b: forecast(city: "tokyo") { highC } c: forecast(city: "london") { city } }');
    expect(body.data).toEqual({ a: { summary: 'drizzle' }, b: { highC: 19 }, c: { city: 'london' } });
    expect(weatherCalls).toEqual([{ keys: ['london', 'tokyo'], tenant: 'acme' }]);
    expect(engram.store.provider('weather')?.stats()).toMatchObject({ batches: 1, keys: 2, calls: 1 });
  });

  it('maps a failed key through the provider\'s mapError, failing only its own field', async () => {
    const body = await graphql('{ ok: forecast(city: "tokyo") { summary } down: forecast(city: "atlantis") { summary } none: forecast(city: "nowhere") { summary } }');
    expect(body.data).toEqual({ ok: { summary: 'clear' }, down: null, none: null });
    expect(body.errors?.map((e) => [e.path?.[0], e.extensions?.code])).toEqual([['down', 'PROVIDER_UNAVAILABLE']]);
  });

  it('compiles the context into the schema with its typed argument', () => {
    expect(engram.schema.getQueryType()?.getFields()['forecast']?.args.map((a) => `${a.name}: ${String(a.type)}`)).toEqual(['city: ID!']);
  });
});
