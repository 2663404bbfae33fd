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

/** What one part of a bundle read, and what of it made it into the text. */
export const PartProvenanceSchema = ProvenanceSchema.extend({
  part: z.string().describe('The part, as the bundle names it.'),
  priority: z.int().describe('0 = never cut; higher numbers are cut first.'),
  tokens: z.int().describe("Tokens of the part's section, counted on its own."),
  itemsKept: z.int(),
  itemsDropped: z.int().describe('Items cut to fit the budget.'),
  truncated: z.boolean().describe('The part lost items to the budget, or all of it to `error`.'),
  skipped: z.literal(true).optional().describe('Not read: the bundle derived no arguments for it (e.g. no query).'),
}).meta({ id: 'BundlePartMeta', description: 'One part of a bundle: where it came from and what of it was kept.' });

/**
 * Where a bundle's text came from: each part's provenance (fallbacks included) and what the
 * budget cut. GraphQL's `extensions.contexts` entry of a bundle field and REST's `meta` of a bundle.
 */
export const BundleProvenanceSchema = z
  .object({
    context: z.string().describe('The bundle.'),
    bundle: z.literal(true),
    tokens: z.int().describe('Tokens of the text (0 when the bundle failed).'),
    budgetTokens: z.int(),
    tokenizer: z.string(),
    format: z.string(),
    latencyMs: z.number(),
    parts: z.array(PartProvenanceSchema),
    error: ErrorCodeSchema.optional().describe('Code of the error the bundle failed with, if it failed.'),
  })
  .meta({ id: 'BundleMeta', description: 'Where a bundle\'s parts came from and what the budget cut.' });

export type SourceAttempt = z.output<typeof SourceAttemptSchema>;
export type Provenance = z.output<typeof ProvenanceSchema>;
export type PartProvenance = z.output<typeof PartProvenanceSchema>;
export type BundleProvenance = z.output<typeof BundleProvenanceSchema>;
/** The provenance of one field: a context's or a bundle's. */
export type FieldProvenance = Provenance | BundleProvenance;
