import { ZepClient } from '@getzep/zep-cloud';
import { startZepEmulator, seedZepDemo } from '../../../src/zep-emulator/index.js';
const em = await startZepEmulator({ port: 0 });
const client = new ZepClient({ apiKey: em.apiKey, baseUrl: em.baseUrl });
await seedZepDemo(client);
const show = async (label: string, p: () => Promise<unknown>) => {
  try { console.log(label, JSON.stringify(await p()).slice(0, 600)); }
  catch (e) { const z = e as { message: string; statusCode?: number; constructor: { name: string } }; console.log(label, 'ERR', z.constructor.name, JSON.stringify(z.message), z.statusCode); }
};
await show('msgs', () => client.thread.get('t1', { lastn: 2 }));
await show('ctx', () => client.thread.getUserContext('t1', {}));
await show('user', () => client.user.get('u1'));
await show('nouser', () => client.user.get('nope'));
await show('nothread', () => client.thread.get('nope', { lastn: 2 }));
await show('noctx', () => client.thread.getUserContext('nope', {}));
await show('blank', () => client.graph.search({ query: '', userId: 'u1', scope: 'edges', limit: 10 }));
await show('facts about', () => client.graph.search({ query: 'facts about the user', userId: 'u1', scope: 'edges', limit: 10 }));
await show('star', () => client.graph.search({ query: '*', userId: 'u1', scope: 'edges', limit: 10 }));
await show('nodes', () => client.graph.search({ query: 'tea', userId: 'u1', scope: 'nodes', limit: 3 }));
await show('episodes', () => client.graph.search({ query: 'tea', userId: 'u1', scope: 'episodes', limit: 3 }));
await show('search unknown', () => client.graph.search({ query: 'x', userId: 'nope', scope: 'edges', limit: 10 }));
await show('limit51', () => client.graph.search({ query: 'x', userId: 'u1', scope: 'edges', limit: 51 }));
const bad = new ZepClient({ apiKey: 'wrong', baseUrl: em.baseUrl });
await show('badkey', () => bad.user.get('u1', { maxRetries: 0 }));
em.faults.set({ latencyMs: 500 });
await show('timeout', () => client.user.get('u1', { timeoutInSeconds: 0.1, maxRetries: 0 }));
const ac = new AbortController(); setTimeout(() => ac.abort(), 50);
await show('abort', () => client.user.get('u1', { timeoutInSeconds: 5, maxRetries: 0, abortSignal: ac.signal }));
em.faults.set({ latencyMs: 0, outage: true });
await show('outage', () => client.user.get('u1', { maxRetries: 0 }));
em.faults.set({ outage: true, statusCode: 500 });
await show('outage500', () => client.user.get('u1', { maxRetries: 0 }));
em.faults.reset();
await em.close();
const closed = new ZepClient({ apiKey: 'x', baseUrl: em.baseUrl });
await show('closed', () => closed.user.get('u1', { maxRetries: 0 }));
