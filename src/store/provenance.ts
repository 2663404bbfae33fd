import { z } from 'zod';
import { httpStatusByCode, type ErrorCode } from '../errors/index.js';

/** Every client-visible error code, as a schema (derived from the one table of codes). */
export const ErrorCodeSchema = z.enum(Object.keys(httpStatusByCode) as [ErrorCode, ...ErrorCode[]]).meta({ id: 'ErrorCode' });

/** One source tried for a context, in order. */
export const SourceAttemptSchema = z
  .object({
    provider: z.string(),
    operation: z.string(),
    error: ErrorCodeSchema.optional().describe('Set when this source failed.'),
  })
  .meta({ id: 'SourceAttempt' });

/**
 * Where a context value came from. The one definition of provenance: its TypeScript type, GraphQL's
 * `extensions.contexts` entries, REST's `meta` and the OpenAPI `ContextMeta` schema all derive from it.
 */
export const ProvenanceSchema = z
  .object({
    context: z.string(),
    provider: z.string().nullable().describe('Provider that answered; null when every source failed.'),
    operation: z.string().nullable(),
    fallback: z.boolean().describe('A source other than the primary answered.'),
    fallbackReason: ErrorCodeSchema.optional().describe('Error code of the primary when fallback is true.'),
    cached: z.boolean().describe('Served from the cross-request cache.'),
    stale: z.boolean().describe('A cached value past its TTL, served because every source failed.'),
    latencyMs: z.number(),
    ageMs: z.number().optional().describe('Age of a cached value, in ms.'),
    attempts: z.array(SourceAttemptSchema).readonly().optional().describe('The sources tried, in order; present only when one failed.'),
    error: ErrorCodeSchema.optional().describe('Code of the error the context failed with, if it failed.'),
  })
  .meta({ id: 'ContextMeta', description: 'Where the value came from.' });

export type SourceAttempt = z.output<typeof SourceAttemptSchema>;
export type Provenance = z.output<typeof ProvenanceSchema>;
