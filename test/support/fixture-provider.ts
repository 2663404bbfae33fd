import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError, ProviderUnavailableError, type EngramError } from '../../src/errors/index.js';
import { BaseProvider, operationRef, type ProviderHealth } from '../../src/providers/index.js';

export interface FixtureItem {
  readonly id: string;
  readonly label: string;
}

/** Operations of the in-process fixture provider used to exercise the store's contract. */
export const fixtureOps = {
  /** `{ id, label }` per key; a key starting with `fail` gets an error in its slot; `missing` → null. */
  item: operationRef<string, FixtureItem | null>('fixture', 'item'),
  /** Like `item`, but answers after `delayMs`. */
  slowItem: operationRef<string, FixtureItem | null>('fixture', 'slowItem'),
  /** Fails every batch as if the service were down. */
  downItem: operationRef<string, FixtureItem | null>('fixture', 'downItem'),
};

/** A provider with scripted behaviour; records every batch it receives. */
export class FixtureProvider extends BaseProvider {
  readonly batches: string[][] = [];
  delayMs = 200;

  constructor(name = 'fixture') {
    super(name);
    const item = (key: string): FixtureItem | null | Error =>
      key.startsWith('fail') ? new Error(`cannot load ${key}`) : key === 'missing' ? null : { id: key, label: `${this.name}:${key}` };
    this.register(fixtureOps.item, {
      keyId: (k) => k,
      load: async (keys) => {
        this.batches.push([...keys]);
        return keys.map(item);
      },
    });
    this.register(fixtureOps.slowItem, {
      keyId: (k) => k,
      load: async (keys, { signal }) => {
        this.batches.push([...keys]);
        await sleep(this.delayMs, undefined, { signal }).catch(() => {});
        return keys.map(item);
      },
    });
    this.register(fixtureOps.downItem, {
      keyId: (k) => k,
      load: async (keys) => {
        this.batches.push([...keys]);
        throw new Error('ECONNREFUSED 127.0.0.1:1');
      },
    });
  }

  protected toEngramError(error: unknown, operation: string): EngramError {
    const message = error instanceof Error ? error.message : String(error);
    return message.includes('ECONNREFUSED')
      ? new ProviderUnavailableError({ provider: this.name, operation }, 'connection refused')
      : new ProviderError({ provider: this.name, operation }, message);
  }

  async health(): Promise<ProviderHealth> {
    return { provider: this.name, ok: true, latencyMs: 0 };
  }
}
