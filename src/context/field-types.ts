import { z } from 'zod';

/** Identifiers never contain control characters (U+0000–U+001F, U+007F); PostgreSQL cannot even store U+0000. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point.
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;

/** A non-empty string without control characters, exposed as GraphQL `ID`. */
export function id(description?: string): z.ZodString {
  const schema = z
    .string()
    .min(1)
    .max(256)
    .regex(NO_CONTROL_CHARACTERS, { error: 'must not contain control characters (U+0000–U+001F, U+007F)' })
    .meta({ 'x-graphql-type': 'ID' });
  return description === undefined ? schema : schema.describe(description);
}

/** An ISO-8601 timestamp exposed as the `DateTime` scalar. */
export function dateTime(description?: string): z.ZodISODateTime {
  const schema = z.iso.datetime({ offset: true });
  return description === undefined ? schema : schema.describe(description);
}
