import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError, ProviderUnavailableError } from '../../src/errors/index.js';
import { defineProvider, type OperationSpec, type ProviderDefinition } from '../../src/providers/index.js';

export interface FixtureItem {
  readonly id: string;
  readonly label: string;
}

type ItemOperation = OperationSpec<string, FixtureItem | null>;
type FixtureOperations = { item: ItemOperation; slowItem: ItemOperation; downItem: ItemOperation };

/**
 * A provider with scripted behaviour, written with `defineProvider` like any other; records every
 * batch it receives. `item`: `{ id, label }` per key, a key starting with `fail` gets an error in its
 * slot, `missing` is null; `slowItem`: the same after `delayMs`; `downItem`: every batch fails as if
 * the service were down.
 */
export class FixtureProvider implements ProviderDefinition<FixtureOperations> {
  readonly batches: string[][] = [];
  delayMs = 200;
  readonly name: string;
  readonly ops: ProviderDefinition<FixtureOperations>['ops'];
  readonly spec: ProviderDefinition<FixtureOperations>['spec'];

  constructor(name = 'fixture') {
    const item = (key: string): FixtureItem | null | Error =>
      key.startsWith('fail') ? new Error(`cannot load ${key}`) : key === 'missing' ? null : { id: key, label: `${name}:${key}` };
    const definition = defineProvider({
      name,
      operations: {
        item: {
          load: async (keys: readonly string[]) => {
            this.batches.push([...keys]);
            return keys.map(item);
          },
        },
        slowItem: {
          load: async (keys: readonly string[], { signal }) => {
            this.batches.push([...keys]);
            await sleep(this.delayMs, undefined, { signal }).catch(() => {});
            return keys.map(item);
          },
        },
        downItem: {
          load: async (keys: readonly string[]): Promise<Array<FixtureItem | null>> => {
            this.batches.push([...keys]);
            throw new Error('ECONNREFUSED 127.0.0.1:1');
          },
        },
      },
      mapError: (error, operation) => {
        const message = error instanceof Error ? error.message : String(error);
        return message.includes('ECONNREFUSED')
          ? new ProviderUnavailableError({ provider: name, operation }, 'connection refused')
          : new ProviderError({ provider: name, operation }, message);
      },
    });
    this.name = definition.name;
    this.ops = definition.ops;
    this.spec = definition.spec;
  }
}

/** Operations of the fixture provider (named `fixture`), for context definitions' sources. */
export const fixtureOps = new FixtureProvider().ops;
