import { z } from 'zod';
import { PromptFormatSchema, type PromptFormat } from '../prompt/index.js';
import type { ArgsSchema, ContextDefinition } from './define-context.js';

/** The item type of a context output: the element of a list, else the value itself. */
export type ItemOf<Output> = NonNullable<Output> extends ReadonlyArray<infer Item> ? Item : NonNullable<Output>;

/** How one part of a bundle reads its context and fits into the prompt. */
export interface PartOptions<BundleArgs, Args, Output> {
  /**
   * The context's arguments, from the bundle's validated arguments (validated again by the
   * context's own schema); `null` leaves the part out of this answer (e.g. no query was given).
   */
  readonly args: (args: BundleArgs) => Args | null;
  /** 0 = never cut (the bundle fails with `BUDGET_TOO_SMALL` when it does not fit); higher numbers are cut first. */
  readonly priority: number;
  /** Markdown heading of the part. @default the part's name */
  readonly title?: string;
  /**
   * Which end of a list output is least relevant and cut first: `end` for lists ranked best first
   * (facts, documents), `start` for lists oldest first (messages).
   * @default 'end'
   */
  readonly dropFrom?: 'start' | 'end';
  /** Text of one item for MARKDOWN and XML (JSON keeps the value). @default `key: value; …` of its non-empty fields */
  readonly render?: (item: ItemOf<Output>) => string;
}

/** A part with its types erased, as the store sees it. */
export interface BundlePart {
  readonly context: ContextDefinition;
  readonly args: (args: unknown) => unknown;
  readonly priority: number;
  readonly title: string | undefined;
  readonly dropFrom: 'start' | 'end';
  readonly render: ((item: unknown) => string) | undefined;
}

/** `part`, bound to one bundle's argument type. */
export type PartFactory<BundleArgs> = <Args, Output>(
  context: ContextDefinition<Args, Output>,
  options: PartOptions<BundleArgs, Args, Output>,
) => BundlePart;

function part<BundleArgs, Args, Output>(context: ContextDefinition<Args, Output>, options: PartOptions<BundleArgs, Args, Output>): BundlePart {
  return {
    context,
    args: options.args as (args: unknown) => unknown,
    priority: options.priority,
    title: options.title,
    dropFrom: options.dropFrom ?? 'end',
    render: options.render as ((item: unknown) => string) | undefined,
  };
}

export interface BundleDefinitionInput<A extends ArgsSchema> {
  /** camelCase, GraphQL-safe and unique among contexts and bundles: `Query.<name>`, `/api/v1/context/<name>`. */
  readonly name: string;
  readonly description: string;
  /** The bundle's own arguments; `budgetTokens` and `format` are added to them. */
  readonly args: A;
  /**
   * The parts, in the order their sections appear: `(part) => ({ profile: part(userProfile, { args, priority }) })`.
   * Each reads its context through the request's store session (batched with every other field,
   * with its sources, fallbacks, cache and access rule).
   */
  readonly parts: (part: PartFactory<z.output<A>>) => Readonly<Record<string, BundlePart>>;
  /** Default of the `budgetTokens` argument. @default 2000 */
  readonly budgetTokens?: number;
  /** Default of the `format` argument. @default 'MARKDOWN' */
  readonly format?: PromptFormat;
}

/** A bundle with its types erased, as the registry, store and surfaces see it. */
export interface BundleDefinition {
  readonly kind: 'bundle';
  readonly name: string;
  readonly description: string;
  /** The bundle's own arguments, without `budgetTokens` and `format`. */
  readonly args: ArgsSchema;
  readonly parts: ReadonlyArray<BundlePart & { readonly name: string }>;
  readonly budgetTokens: number;
  readonly format: PromptFormat;
}

/** Largest budget a caller may ask for. */
export const MAX_BUDGET_TOKENS = 1_000_000;

/** The bundle's arguments as callers send them: its own plus `budgetTokens` and `format`, with the bundle's defaults. */
export function bundleArgsSchema(bundle: BundleDefinition): ArgsSchema {
  return bundle.args.extend({
    budgetTokens: z
      .int()
      .min(0)
      .max(MAX_BUDGET_TOKENS)
      .default(bundle.budgetTokens)
      .describe('Most tokens the text may have, counted exactly with the server\'s tokenizer.'),
    format: PromptFormatSchema.default(bundle.format),
  });
}

/**
 * Declares a bundle: a context made of other contexts, rendered as one block of text under an
 * exact token budget. Validated when added to a `ContextRegistry` (after the contexts it reads).
 */
export function defineBundle<A extends ArgsSchema>(input: BundleDefinitionInput<A>): BundleDefinition {
  const parts = Object.entries(input.parts(part as PartFactory<z.output<A>>)).map(([name, p]) => ({ ...p, name }));
  return {
    kind: 'bundle',
    name: input.name,
    description: input.description,
    args: input.args,
    parts,
    budgetTokens: input.budgetTokens ?? 2000,
    format: input.format ?? 'MARKDOWN',
  };
}
