import { z } from 'zod';
import { defineContext, id } from '../../src/context/index.js';
import { zepOps } from '../../src/providers/zep/index.js';
import { fixtureOps } from './fixture-provider.js';

const Item = z.object({ id: id(), label: z.string() }).meta({ id: 'FixtureItem' });

/** `item(itemId)`: served by the fixture provider; `fail…` ids fail, `missing` is null. */
export const itemContext = defineContext({
  name: 'item',
  description: 'A fixture item.',
  args: z.object({ itemId: id() }),
  output: Item.nullable(),
  access: 'public',
  sources: (from) => [from(fixtureOps.item, { key: (a) => a.itemId })],
});

/** Primary always down, fallback answers. */
export const itemWithFallback = defineContext({
  name: 'itemWithFallback',
  description: 'A fixture item whose primary source is down.',
  args: z.object({ itemId: id() }),
  output: Item.nullable(),
  access: 'public',
  sources: (from) => [from(fixtureOps.downItem, { key: (a) => a.itemId }), from(fixtureOps.item, { key: (a) => a.itemId })],
});

/** Primary answers after 200 ms but has a 50 ms budget; the fallback answers at once. */
export const slowItem = defineContext({
  name: 'slowItem',
  description: 'A fixture item whose primary source is too slow.',
  args: z.object({ itemId: id() }),
  output: Item.nullable(),
  access: 'public',
  sources: (from) => [
    from(fixtureOps.slowItem, { key: (a) => a.itemId, timeoutMs: 50 }),
    from(fixtureOps.item, { key: (a) => a.itemId }),
  ],
});

/** Its only source is too slow for its 50 ms budget. */
export const timedOutItem = defineContext({
  name: 'timedOutItem',
  description: 'A fixture item that always times out.',
  args: z.object({ itemId: id() }),
  output: Item.nullable(),
  access: 'public',
  sources: (from) => [from(fixtureOps.slowItem, { key: (a) => a.itemId, timeoutMs: 50 })],
});

/** Every source is down. */
export const downItem = defineContext({
  name: 'downItem',
  description: 'A fixture item that cannot be served.',
  args: z.object({ itemId: id() }),
  output: Item.nullable(),
  access: 'public',
  sources: (from) => [from(fixtureOps.downItem, { key: (a) => a.itemId })],
});

/** Its `map` has a bug: an internal error that must be masked. */
export const buggyItem = defineContext({
  name: 'buggyItem',
  description: 'A fixture item whose mapping throws.',
  args: z.object({ itemId: id() }),
  output: Item.nullable(),
  access: 'public',
  sources: (from) => [
    from(fixtureOps.item, {
      key: (a) => a.itemId,
      map: () => {
        throw new Error('secret internal detail at /srv/app.ts:42');
      },
    }),
  ],
});

export const fixtureContexts = [itemContext, itemWithFallback, slowItem, timedOutItem, downItem, buggyItem];

/** Zep-only (the emulator's user record): nothing to fall back to. */
export const zepUser = defineContext({
  name: 'zepUser',
  description: 'A Zep user record.',
  args: z.object({ userId: id() }),
  output: z.object({ id: id(), email: z.string().nullable() }).nullable(),
  access: 'public',
  sources: (from) => [from(zepOps.user, { key: (a) => a.userId })],
});
