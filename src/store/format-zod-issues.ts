import type { z } from 'zod';
import type { InvalidArgument } from '../errors/index.js';

/** Turns zod issues into `{ field, reason }` pairs, one per problem, in a stable form. */
export function invalidArguments(error: z.ZodError): InvalidArgument[] {
  return error.issues.map((issue) => {
    const field = issue.path.map(String).join('.');
    if (issue.code === 'unrecognized_keys') {
      return { field: issue.keys.join(', '), reason: `unknown argument${issue.keys.length > 1 ? 's' : ''}` };
    }
    return { field: field === '' ? '(arguments)' : field, reason: issue.message };
  });
}

export function describeInvalidArguments(context: string, invalid: readonly InvalidArgument[]): string {
  return `Invalid arguments for "${context}": ${invalid.map((i) => `${i.field}: ${i.reason}`).join('; ')}.`;
}
