import { createZepClient, type ZepProviderOptions } from '../../src/providers/zep/index.js';
import { seedZepDemo } from '../../src/demo/index.js';
import { startZepEmulator, type ZepEmulator } from '../../src/zep-emulator/index.js';

export interface TestZep {
  readonly emulator: ZepEmulator;
  /** Provider options for `createEngram({ zep })`: the real SDK against the emulator over HTTP. */
  readonly options: ZepProviderOptions;
  close(): Promise<void>;
}

/** A seeded Zep emulator on an ephemeral loopback port, reached through the real SDK. */
export async function startTestZep(tuning: Partial<Omit<ZepProviderOptions, 'client'>> = {}): Promise<TestZep> {
  const emulator = await startZepEmulator({ port: 0 });
  const client = createZepClient({ apiKey: emulator.apiKey, baseUrl: emulator.baseUrl });
  await seedZepDemo(client);
  emulator.resetStats();
  return {
    emulator,
    options: { client, timeoutMs: 1000, maxRetries: 0, concurrency: 16, ...tuning },
    close: () => emulator.close(),
  };
}
