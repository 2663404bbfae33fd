import { serialization, Zep, ZepClient, ZepError } from '@getzep/zep-cloud';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { MockInstance } from 'vitest';
import { acmeDemo } from '../../src/demo/index.js';
import { seedZepDemo } from '../../src/demo/index.js';
import { startZepEmulator } from '../../src/zep-emulator/index.js';
import type { ZepEmulator } from '../../src/zep-emulator/index.js';
import { rawApi } from './emulator-helpers.js';

let emulator: ZepEmulator;
let client: ZepClient;
// The SDK parses responses with `skipValidation` and reports shape mismatches with console.warn.
let warn: MockInstance<typeof console.warn>;

beforeAll(async () => {
  emulator = await startZepEmulator();
  client = new ZepClient({ apiKey: emulator.apiKey, baseUrl: emulator.baseUrl });
  warn = vi.spyOn(console, 'warn');
});

afterEach(() => {
  expect(warn).not.toHaveBeenCalled();
});

afterAll(async () => {
  warn.mockRestore();
  await emulator.close();
});

/** Asserts the SDK's own schema accepts `raw` strictly: no missing required key, no unknown key, no wrong type. */
function expectWireShape(schema: { parse: (raw: unknown, opts?: object) => { ok: boolean } }, raw: unknown): void {
  const result = schema.parse(raw, {
    unrecognizedObjectKeys: 'fail',
    allowUnrecognizedEnumValues: false,
    allowUnrecognizedUnionMembers: false,
    skipValidation: false,
  });
  expect(result).toEqual(expect.objectContaining({ ok: true }));
}

const adaFacts = {
  prefers: 'Ada prefers green tea in the morning.',
  worksOn: 'Ada is working on a GraphQL project.',
  livesIn: 'Ada lives in the Europe/London time zone.',
  hasPlan: 'Ada is on the free plan.',
};

/** The emulator is a Zep stand-in: these tests seed one tenant with Zep ids as they are (a project of its own). */
const rawIds = { dataSets: [acmeDemo], zepId: (_tenant: string, id: string) => id };

describe('seedZepDemo', () => {
  it('loads the demo data set through the SDK with one call per user, thread, message batch and fact', async () => {
    emulator.resetStats();
    await expect(seedZepDemo(client, rawIds)).resolves.toEqual({ users: 25, threads: 50, messages: 300, facts: 100 });
    expect(emulator.stats()).toEqual({
      total: 225,
      byRoute: {
        'POST /graph/add-fact-triple': 100,
        'POST /threads': 50,
        'POST /threads/:threadId/messages': 50,
        'POST /users': 25,
      },
    });
  });

  it('skips users and threads that already exist when run again', async () => {
    emulator.resetStats();
    await expect(seedZepDemo(client, rawIds)).resolves.toEqual({ users: 0, threads: 0, messages: 0, facts: 0 });
    expect(emulator.stats()).toEqual({ total: 75, byRoute: { 'POST /threads': 50, 'POST /users': 25 } });
    expect((await client.thread.get('t1')).totalCount).toBe(6);
  });
});

describe('users', () => {
  it('returns a seeded user', async () => {
    const user = await client.user.get('u1');
    expect(user).toMatchObject({
      userId: 'u1',
      email: 'ada@example.com',
      firstName: 'Ada',
      lastName: 'Lovelace',
      timeZone: 'Europe/London',
      metadata: { locale: 'en-GB', plan: 'free', bio: 'Ada Lovelace works on GraphQL.' },
    });
  });

  it('throws NotFoundError with Zep\'s error body for an unknown user', async () => {
    const error: unknown = await client.user.get('nobody').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Zep.NotFoundError);
    expect((error as ZepError).statusCode).toBe(404);
    expect((error as ZepError).body).toEqual({ message: 'user not found: "nobody"' });
  });

  it('rejects a duplicate user with BadRequestError', async () => {
    const error: unknown = await client.user.add({ userId: 'u1' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Zep.BadRequestError);
    expect((error as ZepError).body).toEqual({ message: 'user already exists: "u1"' });
  });
});

describe('threads', () => {
  const t1 = acmeDemo.messages.filter((message) => message.threadId === 't1');

  it('returns the last N messages in chronological order with lastn', async () => {
    const page = await client.thread.get('t1', { lastn: 2 });
    expect(page.messages?.map((message) => [message.role, message.content, message.createdAt])).toEqual(
      t1.slice(-2).map((message) => [message.role, message.content, message.createdAt]),
    );
    expect(page).toMatchObject({ rowCount: 2, totalCount: 6, userId: 'u1' });
    expect(page.messages?.map((message) => message.name)).toEqual(['Ada Lovelace', 'Engram Assistant']);
  });

  it('pages with limit and cursor (an offset), and lastn overrides both', async () => {
    const page = await client.thread.get('t1', { limit: 2, cursor: 1 });
    expect(page.messages?.map((message) => message.content)).toEqual(t1.slice(1, 3).map((message) => message.content));
    const last = await client.thread.get('t1', { limit: 2, cursor: 0, lastn: 1 });
    expect(last.messages?.map((message) => message.content)).toEqual([t1[5]?.content]);
  });

  it('throws NotFoundError for an unknown thread', async () => {
    await expect(client.thread.get('no-thread', { lastn: 1 })).rejects.toBeInstanceOf(Zep.NotFoundError);
    await expect(client.thread.getUserContext('no-thread')).rejects.toBeInstanceOf(Zep.NotFoundError);
  });

  it('builds a context block from the facts of the thread\'s user', async () => {
    const { context } = await client.thread.getUserContext('t1');
    expect(context?.split('\n').slice(0, 5)).toEqual([
      'FACTS and ENTITIES represent relevant context to the current conversation.',
      '',
      '# These are the most relevant facts and their valid date ranges',
      '# format: FACT (Date range: from - to)',
      '<FACTS>',
    ]);
    expect(context).toContain(`  - ${adaFacts.prefers} (Date range: 2026-01-01 09:00:00 - present)\n`);
    expect(context).toContain('<ENTITIES>\nName: Ada\nName: green tea\n');
    expect(context).not.toContain('Grace');
  });

  it('adds messages, which then appear in the thread and in the user\'s graph', async () => {
    await client.user.add({ userId: 'writer' });
    await client.thread.create({ threadId: 'writer-thread', userId: 'writer' });
    const added = await client.thread.addMessages('writer-thread', {
      messages: [
        { role: 'user', name: 'Wren', content: 'I collect vintage typewriters.', createdAt: '2026-02-01T10:00:00Z' },
        { role: 'assistant', content: 'Typewriters are lovely.' },
      ],
    });
    expect(added.messageUuids).toHaveLength(2);
    const page = await client.thread.get('writer-thread');
    expect(page.messages?.map((message) => message.uuid)).toEqual(added.messageUuids);
    expect(page.messages?.[0]?.createdAt).toBe('2026-02-01T10:00:00Z');
    const found = await client.graph.search({ userId: 'writer', query: 'vintage typewriters', scope: 'episodes' });
    expect(found.episodes?.map((episode) => [episode.content, episode.score, episode.threadId])).toEqual([
      ['I collect vintage typewriters.', 1, 'writer-thread'],
      ['Typewriters are lovely.', 0.5, 'writer-thread'],
    ]);
  });
});

describe('graph.search', () => {
  it('ranks edges by word overlap with the query, then most recent first', async () => {
    const { edges } = await client.graph.search({ userId: 'u1', query: 'What does Ada drink in the morning?' });
    expect(edges?.map((edge) => [edge.fact, edge.score])).toEqual([
      [adaFacts.prefers, 2 / 3],
      [adaFacts.hasPlan, 1 / 3],
      [adaFacts.livesIn, 1 / 3],
      [adaFacts.worksOn, 1 / 3],
    ]);
    expect(edges?.[0]).toMatchObject({
      name: 'PREFERS',
      sourceNodeName: 'Ada',
      targetNodeName: 'green tea',
      createdAt: '2026-01-01T09:00:00.000Z',
      validAt: '2026-01-01T09:00:00.000Z',
    });
  });

  it('honours limit and returns nothing when no word matches', async () => {
    const { edges } = await client.graph.search({ userId: 'u1', query: 'Ada', limit: 2 });
    expect(edges?.map((edge) => edge.fact)).toEqual([adaFacts.hasPlan, adaFacts.livesIn]);
    const none = await client.graph.search({ userId: 'u1', query: 'kubernetes' });
    expect(none).toEqual({ edges: [] });
  });

  it('lists the most recent facts for a blank query', async () => {
    const { edges } = await client.graph.search({ userId: 'u1', query: '   ' });
    expect(edges?.map((edge) => [edge.fact, edge.score])).toEqual([
      [adaFacts.hasPlan, 0],
      [adaFacts.livesIn, 0],
      [adaFacts.worksOn, 0],
      [adaFacts.prefers, 0],
    ]);
  });

  it('rejects a limit above 50 with BadRequestError', async () => {
    const error: unknown = await client.graph
      .search({ userId: 'u1', query: 'Ada', limit: 51 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Zep.BadRequestError);
    expect((error as ZepError).body).toEqual({
      message: 'invalid request body: limit: must be an integer from 1 to 50, received 51',
    });
  });

  it('searches nodes and episodes', async () => {
    const { nodes } = await client.graph.search({ userId: 'u1', query: 'green tea', scope: 'nodes' });
    expect(nodes?.map((node) => [node.name, node.labels, node.score])).toEqual([['green tea', ['Entity'], 1]]);
    const { episodes } = await client.graph.search({ userId: 'u1', query: 'espresso', scope: 'episodes' });
    expect(episodes?.map((episode) => [episode.content, episode.threadId, episode.roleType])).toEqual([
      ["Noted. I'll remember that you like espresso.", 't1-b', 'assistant'],
      ['Thanks! Also, I usually drink espresso while coding.', 't1-b', 'user'],
    ]);
  });

  it('applies edge type filters', async () => {
    const { edges } = await client.graph.search({
      userId: 'u1',
      query: 'Ada',
      searchFilters: { edgeTypes: ['LIVES_IN'] },
    });
    expect(edges?.map((edge) => edge.name)).toEqual(['LIVES_IN']);
    const dated = await client.graph.search({
      userId: 'u1',
      query: '',
      searchFilters: { createdAt: [[{ comparisonOperator: '>=', date: '2026-01-01T09:02:00Z' }]] },
    });
    expect(dated.edges?.map((edge) => edge.name)).toEqual(['HAS_PLAN', 'LIVES_IN']);
  });

  it('rejects filters it does not apply instead of ignoring them', async () => {
    const response = await rawApi(emulator, 'POST', '/graph/search', {
      user_id: 'u1',
      query: 'Ada',
      search_filters: { property_filters: [] },
    });
    expect(response).toEqual({
      status: 400,
      body: {
        message:
          'invalid request body: search_filters: unsupported filter(s) "property_filters"; the emulator applies edge_types, exclude_edge_types, edge_uuids, node_labels, exclude_node_labels, created_at, valid_at, invalid_at, expired_at',
      },
    });
  });

  it('answers 404 for an unknown user and 400 when both user_id and graph_id are given', async () => {
    const unknown: unknown = await client.graph.search({ userId: 'nobody', query: 'x' }).catch((caught: unknown) => caught);
    expect(unknown).toBeInstanceOf(ZepError);
    expect((unknown as ZepError).statusCode).toBe(404);
    const both: unknown = await client.graph
      .search({ userId: 'u1', graphId: 'g', query: 'x' })
      .catch((caught: unknown) => caught);
    expect(both).toBeInstanceOf(Zep.BadRequestError);
    expect((both as ZepError).body).toEqual({
      message: 'invalid request body: exactly one of user_id and graph_id is required',
    });
  });

  it('works on a named graph', async () => {
    await client.graph.create({ graphId: 'handbook', name: 'Handbook' });
    const added = await client.graph.addFactTriple({
      graphId: 'handbook',
      fact: 'DataLoader batches loads per request.',
      factName: 'BATCHES',
      sourceNodeName: 'DataLoader',
      targetNodeName: 'loads',
      createdAt: '2026-03-01T00:00:00Z',
    });
    expect(added.edge).toMatchObject({ name: 'BATCHES', sourceNodeUuid: added.sourceNode?.uuid });
    const { edges } = await client.graph.search({ graphId: 'handbook', query: 'batches' });
    expect(edges?.map((edge) => edge.fact)).toEqual(['DataLoader batches loads per request.']);
  });
});

describe('wire format', () => {
  it('matches the SDK\'s schemas exactly (required keys present, no unknown keys)', async () => {
    // The check itself is strict: an edge without its required keys, or with an unknown one, fails.
    expect(serialization.EntityEdge.parse({ uuid: 'e' }, { skipValidation: false }).ok).toBe(false);
    expect(serialization.ApiError.parse({ message: 'm', extra: 1 }, { unrecognizedObjectKeys: 'fail' }).ok).toBe(false);
    const user = await rawApi(emulator, 'POST', '/users', { user_id: 'wire', first_name: 'Wire' });
    expect(user.status).toBe(201);
    expectWireShape(serialization.User, user.body);
    expectWireShape(serialization.User, (await rawApi(emulator, 'GET', '/users/u1')).body);
    expectWireShape(serialization.Thread, (await rawApi(emulator, 'POST', '/threads', { thread_id: 'wire-t', user_id: 'wire' })).body);
    expectWireShape(
      serialization.AddThreadMessagesResponse,
      (await rawApi(emulator, 'POST', '/threads/wire-t/messages', { messages: [{ role: 'user', content: 'hi' }], return_context: true })).body,
    );
    expectWireShape(serialization.MessageListResponse, (await rawApi(emulator, 'GET', '/threads/t1/messages?lastn=2')).body);
    expectWireShape(serialization.ThreadContextResponse, (await rawApi(emulator, 'GET', '/threads/t1/context')).body);
    expectWireShape(
      serialization.AddTripleResponse,
      (await rawApi(emulator, 'POST', '/graph/add-fact-triple', { user_id: 'wire', fact: 'Wire likes JSON.', fact_name: 'LIKES', source_node_name: 'Wire', target_node_name: 'JSON' })).body,
    );
    for (const scope of ['edges', 'nodes', 'episodes']) {
      const found = await rawApi(emulator, 'POST', '/graph/search', { user_id: 'u1', query: 'Ada green tea', scope });
      expect(Object.keys(found.body as object)).toEqual([scope]);
      expect((found.body as Record<string, unknown[]>)[scope]?.length).toBeGreaterThan(0);
      expectWireShape(serialization.GraphSearchResults, found.body);
    }
    expectWireShape(serialization.Graph, (await rawApi(emulator, 'POST', '/graph/create', { graph_id: 'wire-g' })).body);
    expectWireShape(serialization.Episode, (await rawApi(emulator, 'POST', '/graph', { graph_id: 'wire-g', type: 'text', data: 'x' })).body);
    expectWireShape(serialization.ApiError, (await rawApi(emulator, 'GET', '/users/nobody')).body);
    const deletedThread = await rawApi(emulator, 'DELETE', '/threads/wire-t');
    expect(deletedThread).toEqual({ status: 200, body: { message: 'Deleted' } });
    expectWireShape(serialization.SuccessResponse, (await rawApi(emulator, 'DELETE', '/users/wire')).body);
  });

  it('answers bad input with 400 and a reason', async () => {
    expect(await rawApi(emulator, 'POST', '/threads/t1/messages', { messages: [{ role: 'robot', content: 'x' }] })).toEqual({
      status: 400,
      body: {
        message:
          'invalid request body: messages.0.role: must be one of norole, system, assistant, user, function, tool, received "robot"',
      },
    });
    expect(await rawApi(emulator, 'GET', '/threads/t1/messages?lastn=abc')).toEqual({
      status: 400,
      body: { message: 'invalid request query: lastn: must be an integer of at least 1, received "abc"' },
    });
    expect(await rawApi(emulator, 'POST', '/graph/search', { user_id: 'u1', query: 'x', scope: 'auto' })).toEqual({
      status: 400,
      body: {
        message:
          'invalid request body: scope: must be one of edges, nodes, episodes (the emulator does not support thread_summaries, observations or auto), received "auto"',
      },
    });
    expect(await rawApi(emulator, 'GET', '/no/such/route')).toEqual({
      status: 404,
      body: { message: 'no route for GET /api/v2/no/such/route' },
    });
  });
});
