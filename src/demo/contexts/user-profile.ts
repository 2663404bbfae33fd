import { z } from 'zod';
import { dateTime, defineContext, id } from '../../context/index.js';
import { postgresOps } from '../../providers/postgres/index.js';

export const userProfile = defineContext({
  name: 'userProfile',
  description: 'Who the user is: identity, locale, plan and preferences.',
  args: z.object({ userId: id('The user to describe.') }),
  output: z
    .object({
      id: id(),
      email: z.string(),
      firstName: z.string(),
      lastName: z.string(),
      displayName: z.string(),
      locale: z.string().nullable(),
      timezone: z.string().nullable(),
      plan: z.string().nullable(),
      bio: z.string().nullable(),
      preferences: z.record(z.string(), z.unknown()).nullable(),
      createdAt: dateTime(),
    })
    .nullable(),
  sources: (from) => [
    from(postgresOps.userProfile, {
      key: (args) => args.userId,
      // A literal, not a spread: this runs once per field.
      map: (row) => ({
        id: row.id,
        email: row.email,
        firstName: row.firstName,
        lastName: row.lastName,
        displayName: `${row.firstName} ${row.lastName}`,
        locale: row.locale,
        timezone: row.timezone,
        plan: row.plan,
        bio: row.bio,
        preferences: row.preferences,
        createdAt: row.createdAt,
      }),
    }),
  ],
  // The user themself, or a principal with context:read:any in the same tenant.
  access: { scopes: ['context:read'], owner: (args) => args.userId },
  cache: { ttlSeconds: 60, staleIfErrorSeconds: 600 },
});
