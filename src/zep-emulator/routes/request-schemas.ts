import { z } from 'zod';
import { mustBe } from '../emulator-api-error.js';

/** Schemas shared by the API routes. @internal */

export const isoDateTime = z.iso.datetime({ offset: true, ...mustBe('an ISO 8601 date-time such as 2026-01-01T09:00:00Z') });

export const metadata = z.record(z.string(), z.unknown());

export const roleType = z.enum(
  ['norole', 'system', 'assistant', 'user', 'function', 'tool'],
  mustBe('one of norole, system, assistant, user, function, tool'),
);

export const nonEmptyString = z.string(mustBe('a non-empty string')).min(1, mustBe('a non-empty string'));

/** A query-string integer (`?lastn=3`), at least `min`. */
export function queryInteger(min: number) {
  return z
    .string()
    .regex(/^\d+$/, mustBe(`an integer of at least ${min}`))
    .transform(Number)
    .pipe(z.number().min(min, mustBe(`an integer of at least ${min}`)));
}
