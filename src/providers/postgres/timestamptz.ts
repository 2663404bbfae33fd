import pg from 'pg';

// pg's own parser (postgres-date): the fallback for every form the fast path does not read.
const parseAnyTimestamptz = pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as (text: string) => Date | number | null;

const ZERO = 48;

/** The value of `count` decimal digits at `at`, or -1 when one of them is not a digit. */
function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - ZERO;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * Parses a `timestamptz` as PostgreSQL sends it with `DateStyle` ISO
 * (`2026-11-25 16:58:53.915819+00`, or an offset such as `-05`, `+05:30`, `+05:30:15`) without
 * pg's regular expressions, to the same `Date` pg's parser gives. Anything else (infinity, BC,
 * years before 100 or after 9999) goes to pg's parser.
 */
export function parseTimestamptz(text: string): Date | number | null {
  const length = text.length;
  if (length < 22 || text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 32 || text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) {
    return parseAnyTimestamptz(text);
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 100 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return parseAnyTimestamptz(text);
  let at = 19;
  let ms = 0;
  if (text.charCodeAt(at) === 46) {
    const start = at;
    at += 1;
    while (at < length && digits(text, at, 1) >= 0) at += 1;
    if (at === start + 1) return parseAnyTimestamptz(text);
    // As pg's parser computes it, so that the milliseconds truncate alike.
    ms = 1000 * Number.parseFloat(text.slice(start, at));
  }
  const sign = text.charCodeAt(at);
  if ((sign !== 43 && sign !== 45) || (length !== at + 3 && length !== at + 6 && length !== at + 9)) return parseAnyTimestamptz(text);
  const offsetHours = digits(text, at + 1, 2);
  const offsetMinutes = length > at + 3 ? (text.charCodeAt(at + 3) === 58 ? digits(text, at + 4, 2) : -1) : 0;
  const offsetSeconds = length > at + 6 ? (text.charCodeAt(at + 6) === 58 ? digits(text, at + 7, 2) : -1) : 0;
  if (offsetHours < 0 || offsetMinutes < 0 || offsetSeconds < 0) return parseAnyTimestamptz(text);
  const offsetMs = (offsetHours * 3600 + offsetMinutes * 60 + offsetSeconds) * 1000;
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - (sign === 45 ? -offsetMs : offsetMs));
}

/**
 * The ISO string `Date#toISOString` gives for `parseTimestamptz(text)`, without making the `Date`:
 * the text of a session in UTC (`2026-11-25 16:58:53.915819+00`) is rearranged, its fraction cut to
 * milliseconds as pg's parser truncates it. Any other form (another offset, infinity, BC, a year
 * outside 1000–9999) goes through `parseTimestamptz`; a value that is not a `Date` is returned as is.
 */
export function timestamptzIso(text: string): string | number | null {
  const length = text.length;
  const end = length - 3;
  if (
    length >= 22 &&
    text.charCodeAt(end) === 43 &&
    text.charCodeAt(end + 1) === ZERO &&
    text.charCodeAt(end + 2) === ZERO &&
    text.charCodeAt(4) === 45 &&
    text.charCodeAt(7) === 45 &&
    text.charCodeAt(10) === 32 &&
    text.charCodeAt(13) === 58 &&
    text.charCodeAt(16) === 58 &&
    digits(text, 0, 4) >= 1000 &&
    digits(text, 5, 2) >= 0 &&
    digits(text, 8, 2) >= 0 &&
    digits(text, 11, 2) >= 0 &&
    digits(text, 14, 2) >= 0 &&
    digits(text, 17, 2) >= 0 &&
    (end === 19 || (text.charCodeAt(19) === 46 && end > 20 && digits(text, 20, end - 20) >= 0))
  ) {
    const ms = end === 19 ? '000' : `${text.slice(20, Math.min(end, 23))}00`.slice(0, 3);
    return `${text.slice(0, 10)}T${text.slice(11, 19)}.${ms}Z`;
  }
  const parsed = parseTimestamptz(text);
  return parsed instanceof Date ? parsed.toISOString() : parsed;
}
