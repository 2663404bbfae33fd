import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { parseTimestamptz } from '../../../src/providers/postgres/timestamptz.js';
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

describe('parseTimestamptz', () => {
  it('gives the same Date as pg for every form PostgreSQL sends', () => {
    for (const text of [
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
    ]) {
      expectSameAsPg(text);
    }
  });

  it('agrees with pg on random instants, fractions and offsets', () => {
    const pad = (n: number, width = 2) => String(n).padStart(width, '0');
    for (let i = 0; i < 2000; i++) {
      const date = new Date(Math.floor(Math.random() * 4e12) - 1e12);
      const fraction = ['', `.${pad(Math.floor(Math.random() * 1e6), 6)}`, `.${Math.floor(Math.random() * 10)}`][i % 3];
      const offset = ['+00', '-08', '+05:30', '-09:30:15'][i % 4];
      const text = `${pad(date.getUTCFullYear(), 4)}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}${fraction}${offset}`;
      expectSameAsPg(text);
    }
  });

  it.skipIf(!serverUrl)('is what Engram\'s pool reads timestamptz with, whatever the session time zone', async () => {
    const pool = createPool({ url: serverUrl as string });
    try {
      const client = await pool.connect();
      try {
        for (const zone of ['UTC', 'America/St_Johns', 'Asia/Kolkata']) {
          await client.query(`set time zone '${zone}'`);
          const { rows } = await client.query<{ at: Date; text: string }>(
            "select t as at, t::text as text from (values (timestamptz '2026-11-25 16:58:53.915819+00'), (timestamptz '1999-12-31 23:59:59+00')) v(t)",
          );
          for (const row of rows) {
            expect(row.at).toBeInstanceOf(Date);
            expect(row.at.getTime()).toBe((pgParser(row.text) as Date).getTime());
          }
        }
      } finally {
        client.release();
      }
    } finally {
      await pool.end();
    }
  });
});
