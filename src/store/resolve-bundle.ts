import type { BundlePart, RegisteredBundle } from '../context/index.js';
import { BudgetTooSmallError } from '../errors/index.js';
import {
  defaultItemText,
  fitPrompt,
  type FittableSection,
  type LazyTokenizer,
  type PromptContext,
  type PromptFormat,
  type PromptPart,
} from '../prompt/index.js';
import type { BundleProvenance, PartProvenance, Provenance } from './provenance.js';
import { errorCode } from './resolve-sources.js';
import type { ContextResult } from './store-session.js';

export interface BundleResult {
  readonly value: PromptContext;
  readonly provenance: BundleProvenance;
}

export interface ResolveBundleInput {
  readonly bundle: RegisteredBundle;
  /** Validated arguments, `budgetTokens` and `format` included. */
  readonly args: Record<string, unknown>;
  readonly tokenizer: LazyTokenizer;
  /**
   * Reads a context through the request's session (validation, access rule, cache, sources),
   * recording its provenance, on success or failure, in `sink` under `path`.
   */
  get(context: string, args: unknown, path: string, sink: Map<string, Provenance>): Promise<ContextResult>;
}

/** A bundle failed; its provenance says which part and why. */
export class BundleFailure {
  constructor(
    readonly error: unknown,
    readonly provenance: BundleProvenance,
  ) {}
}

type PartOutcome =
  | { readonly kind: 'skipped' }
  | { readonly kind: 'read'; readonly value: unknown; readonly provenance: Provenance }
  | { readonly kind: 'failed'; readonly error: unknown; readonly provenance: Provenance };

const round = (ms: number): number => Math.round(ms * 100) / 100;

function itemsOf(value: unknown): readonly unknown[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function partMeta(part: BundlePart & { name: string }, outcome: PartOutcome, fitted?: { tokens: number; kept: number; size: number }): PartProvenance {
  const base: Provenance = outcome.kind === 'skipped'
    ? { context: part.context.name, provider: null, operation: null, fallback: false, cached: false, stale: false, latencyMs: 0 }
    : outcome.provenance;
  const kept = fitted?.kept ?? 0;
  const dropped = fitted ? fitted.size - kept : 0;
  return {
    ...base,
    part: part.name,
    priority: part.priority,
    tokens: fitted?.tokens ?? 0,
    itemsKept: kept,
    itemsDropped: dropped,
    truncated: dropped > 0 || outcome.kind === 'failed',
    ...(outcome.kind === 'skipped' ? { skipped: true as const } : {}),
  };
}

/**
 * Resolves a bundle: reads every part in the same tick (so their loads join the request's batches),
 * fails when a priority-0 part fails or is refused (or any part hits a bug), drops and reports any
 * other part that does, then renders the parts and fits them to the budget with the real tokenizer.
 */
export async function resolveBundle(input: ResolveBundleInput): Promise<BundleResult> {
  const started = performance.now();
  const { bundle, args } = input;
  const { definition } = bundle;
  const budgetTokens = args['budgetTokens'] as number;
  const format = args['format'] as PromptFormat;
  const tokenizing = input.tokenizer.get();
  // Awaited after the parts are read: until then a failed load must not be an unhandled rejection.
  tokenizing.catch(() => {});

  const sink = new Map<string, Provenance>();
  const reads = definition.parts.map(async (part): Promise<PartOutcome> => {
    const partArgs = part.args(args);
    if (partArgs === null || partArgs === undefined) return { kind: 'skipped' };
    try {
      const result = await input.get(part.context.name, partArgs, part.name, sink);
      return { kind: 'read', value: result.value, provenance: result.provenance };
    } catch (error) {
      // A refusal or invalid arguments happen before the context records anything.
      const provenance = sink.get(part.name) ?? {
        context: part.context.name, provider: null, operation: null, fallback: false, cached: false, stale: false, latencyMs: 0, error: errorCode(error),
      };
      return { kind: 'failed', error, provenance };
    }
  });
  const outcomes = await Promise.all(reads);
  const tokenizer = await tokenizing;

  const failedMeta = (error: unknown): BundleProvenance => ({
    context: definition.name,
    bundle: true,
    tokens: 0,
    budgetTokens,
    tokenizer: tokenizer.name,
    format,
    latencyMs: round(performance.now() - started),
    parts: definition.parts.map((part, i) => partMeta(part, outcomes[i] as PartOutcome)),
    error: errorCode(error),
  });
  // A bug (a broken batch contract, a throwing map) fails the bundle whatever the part's priority:
  // like a fallback, dropping the part must not hide it.
  const essential = definition.parts.findIndex((part, i) => {
    const outcome = outcomes[i] as PartOutcome;
    return outcome.kind === 'failed' && (part.priority === 0 || errorCode(outcome.error) === 'INTERNAL_SERVER_ERROR');
  });
  if (essential >= 0) {
    const error = (outcomes[essential] as Extract<PartOutcome, { kind: 'failed' }>).error;
    throw new BundleFailure(error, failedMeta(error));
  }

  const sections: FittableSection[] = definition.parts.map((part, i) => {
    const outcome = outcomes[i] as PartOutcome;
    const value = outcome.kind === 'read' ? outcome.value : null;
    const render = part.render ?? defaultItemText;
    return {
      name: part.name,
      title: part.title ?? part.name,
      list: Array.isArray(value),
      items: itemsOf(value).map((item) => ({ text: render(item), value: item })),
      priority: part.priority,
      dropFrom: part.dropFrom,
    };
  });
  const fit = fitPrompt({ format, sections, budget: budgetTokens, tokenizer });
  if (!fit.fits) {
    const error = new BudgetTooSmallError(definition.name, budgetTokens, fit.minimum, {
      parts: definition.parts.filter((p) => p.priority === 0).map((p) => p.name),
      format,
      tokenizer: tokenizer.name,
    });
    throw new BundleFailure(error, failedMeta(error));
  }

  const metas = definition.parts.map((part, i) =>
    partMeta(part, outcomes[i] as PartOutcome, { tokens: fit.sectionTokens[i] as number, kept: fit.kept[i] as number, size: (sections[i] as FittableSection).items.length }),
  );
  const parts: PromptPart[] = metas.map((m) => ({
    name: m.part,
    context: m.context,
    provider: m.provider,
    tokens: m.tokens,
    itemsKept: m.itemsKept,
    itemsDropped: m.itemsDropped,
    truncated: m.truncated,
  }));
  return {
    value: { text: fit.text, tokens: fit.tokens, budgetTokens, tokenizer: tokenizer.name, parts },
    provenance: {
      context: definition.name,
      bundle: true,
      tokens: fit.tokens,
      budgetTokens,
      tokenizer: tokenizer.name,
      format,
      latencyMs: round(performance.now() - started),
      parts: metas,
    },
  };
}
