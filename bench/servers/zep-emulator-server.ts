/**
 * Bench child: the Zep emulator in its own process, seeded through the real SDK, answering every API
 * request after a fixed added latency (`latencyMs`), like a remote service.
 */
import { createZepClient } from '../../src/providers/zep/index.js';
import { seedZepDemo } from '../../src/demo/index.js';
import { startZepEmulator } from '../../src/zep-emulator/index.js';
import { childConfig, runChild } from './serve-child.js';

runChild(async () => {
  const config = childConfig();
  const latencyMs = typeof config === 'object' && config !== null ? (config as Record<string, unknown>)['latencyMs'] : undefined;
  if (typeof latencyMs !== 'number') throw new Error(`expected "latencyMs" to be a number, received ${JSON.stringify(latencyMs)}`);
  const emulator = await startZepEmulator({ port: 0, host: '127.0.0.1' });
  await seedZepDemo(createZepClient({ apiKey: emulator.apiKey, baseUrl: emulator.baseUrl }));
  emulator.faults.set({ latencyMs });
  emulator.resetStats();
  return {
    port: Number(new URL(emulator.url).port),
    info: { baseUrl: emulator.baseUrl, apiKey: emulator.apiKey },
    counters: () => {
      const { total } = emulator.stats();
      return { requests: total, sqlStatements: 0, zepCalls: total, providerErrors: 0 };
    },
    close: () => emulator.close(),
  };
});
