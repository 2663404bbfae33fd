import { z } from 'zod';

/** A non-empty string exposed as GraphQL `ID`. */
export function id(description?: string): z.ZodString {
  const schema = z.string().min(1).max(256).meta({ 'x-graphql-type': 'ID' });
  return description === undefined ? schema : schema.describe(description);
}

/** An ISO-8601 timestamp exposed as the `DateTime` scalar. */
export function dateTime(description?: string): z.ZodISODateTime {
  const schema = z.iso.datetime({ offset: true });
  return description === undefined ? schema : schema.describe(description);
}
