import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ISO_TIMESTAMPTZ_TYPES } from '../../../src/providers/postgres/create-pool.js';
import { parseTimestamptz, timestamptzIso } from '../../../src/providers/postgres/timestamptz.js';
import { createPool } from '../../../src/providers/postgres/index.js';

const serverUrl = process.env['TEST_DATABASE_URL'];
const pgParser = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as (text: string) => unknown;

/** Compares as pg's parser gives it: the same instant, or the same non-date value. */
function expectSameAsPg(text: string): void {
  const ours = parseTimestamptz(text);
  const theirs = pgParser(text);
  if (theirs instanceof Date) {
    expect(ours, text).toBeInstanceOf(Date);
    expect((ours as Date).getTime(), text).toBe(theirs.getTime());
  } else {
    expect(ours, text).toEqual(theirs);
  }
}

/** Compares with pg's `Date` as an ISO string (or pg's value when it gives no `Date`). */
function expectSameIsoAsPg(text: string): void {
  const theirs = pgParser(text);
  expect(timestamptzIso(text), text).toEqual(theirs instanceof Date ? theirs.toISOString() : theirs);
}

const FORMS = [
      '2026-11-25 16:58:53.915819+00',
      '2026-11-25 16:58:53+00',
      '2026-11-25 16:58:53.1+00',
      '2026-11-25 16:58:53.123+00',
      '2026-11-25 16:58:53.999999+00',
      '2026-01-01 00:00:00-05',
      '2026-01-01 00:00:00.5+05:30',
      '1900-02-28 23:59:59.000001-03:30:15',
      '0100-01-01 00:00:00+00',
      '0099-01-01 00:00:00+00',
      '2026-11-25 16:58:53+00 BC',
      '12026-11-25 16:58:53+00',
      'infinity',
      '-infinity',
      '2026-11-25',
      'not a date',
];

/** `count` timestamps as PostgreSQL sends them, over random instants, fractions and offsets. */
function randomTexts(count: number): string[] {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return Array.from({ length: count }, (_, i) => {
    const date = new Date(Math.floor(Math.random() * 4e12) - 1e12);
    const fraction = ['', `.${pad(Math.floor(Math.random() * 1e6), 6)}`, `.${Math.floor(Math.random() * 10)}`, `.${pad(Math.floor(Math.random() * 1000), 3)}`][i % 4];
    const offset = ['+00', '-08', '+05:30', '-09:30:15', '+00'][i % 5];
    return `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}${fraction}${offset}`;
  });
}

/** Runs `check` on one connection of Engram's pool in each of three session time zones. */
async function inEachTimeZone(check: (client: pg.PoolClient) => Promise<void>): Promise<void> {
  const pool = createPool({ url: serverUrl as string });
  try {
    const client = await pool.connect();
    try {
      for (const zone of ['UTC', 'America/St_Johns', 'Asia/Kolkata']) {
        await client.query(`set time zone '${zone}'`);
        await check(client);
      }
    } finally {
      client.release();
    }
  } finally {
    await pool.end();
  }
}

describe('parseTimestamptz', () => {
  it('gives the same Date as pg for every form PostgreSQL sends', () => {
    for (const text of FORMS) expectSameAsPg(text);
  });

  it('agrees with pg on random instants, fractions and offsets', () => {
    for (const text of randomTexts(2000)) expectSameAsPg(text);
  });

  it.skipIf(!serverUrl)('is what Engram\'s pool reads timestamptz with, whatever the session time zone', async () => {
    await inEachTimeZone(async (client) => {
      const { rows } = await client.query<{ at: Date; text: string }>(
        "select t as at, t::text as text from (values (timestamptz '2026-11-25 16:58:53.915819+00'), (timestamptz '1999-12-31 23:59:59+00')) v(t)",
      );
      for (const row of rows) {
        expect(row.at).toBeInstanceOf(Date);
        expect(row.at.getTime()).toBe((pgParser(row.text) as Date).getTime());
      }
    });
  });
});

describe('timestamptzIso', () => {
  it('gives the ISO string of pg\'s Date for every form PostgreSQL sends', () => {
    for (const text of [...FORMS, '2026-11-25 16:58:53.+00', '2026-11-25 16:58:5x.123+00', '0999-12-31 23:59:59.9999+00']) expectSameIsoAsPg(text);
  });

  it('agrees with pg on random instants, fractions and offsets (UTC text rearranged, the rest parsed)', () => {
    for (const text of randomTexts(3000)) expectSameIsoAsPg(text);
  });

  it.skipIf(!serverUrl)('is what the provider\'s statements read timestamptz with (per query), whatever the session time zone', async () => {
    await inEachTimeZone(async (client) => {
      const text = "select t as at, t::text as text from (values (timestamptz '2026-11-25 16:58:53.915819+00'), (timestamptz '1999-12-31 23:59:59+00'), (null)) v(t)";
      const { rows } = await client.query<{ at: string | null; text: string | null }>({ text, types: ISO_TIMESTAMPTZ_TYPES });
      expect(rows.map((r) => r.at)).toEqual(rows.map((r) => (r.text === null ? null : (pgParser(r.text) as Date).toISOString())));
      expect(rows[0]?.at).toBe('2026-11-25T16:58:53.915Z');
      // The pool's own parser (Kysely, API keys) still gives Dates.
      const plain = await client.query<{ at: Date }>("select timestamptz '2026-11-25 16:58:53+00' as at");
      expect(plain.rows[0]?.at).toBeInstanceOf(Date);
    });
  });
});
