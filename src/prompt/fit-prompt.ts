import { fitToBudget } from './fit-to-budget.js';
import { PromptRenderer, type ItemRange, type PromptFormat, type PromptSection } from './prompt-format.js';
import type { Tokenizer } from './tokenizer.js';

/** A section with how it may be cut. */
export interface FittableSection extends PromptSection {
  /** 0 = never cut; higher numbers are cut first. */
  readonly priority: number;
  /** Which end of its items (in display order) is least relevant. */
  readonly dropFrom: 'start' | 'end';
}

export interface FitPromptInput {
  readonly format: PromptFormat;
  readonly sections: readonly FittableSection[];
  readonly budget: number;
  readonly tokenizer: Tokenizer;
}

export type FitPromptResult =
  | {
      readonly fits: true;
      readonly text: string;
      /** Exact tokens of `text`. */
      readonly tokens: number;
      /** Items kept per section. */
      readonly kept: readonly number[];
      /** Tokens of each section's text, counted on its own (0 for a section left out). */
      readonly sectionTokens: readonly number[];
      /** Texts the fit tokenized whole (for measurements). */
      readonly counted: number;
    }
  | { readonly fits: false; readonly minimum: number };

/**
 * Renders sections in a format and fits them to a budget with a real tokenizer (see
 * `fitToBudget`): what a bundle does once its parts are read.
 */
export function fitPrompt(input: FitPromptInput): FitPromptResult {
  const { format, sections, tokenizer } = input;
  const renderer = new PromptRenderer(format, sections);
  const ranges = (kept: readonly number[]): ItemRange[] =>
    kept.map((k, i) => {
      const section = sections[i] as FittableSection;
      const size = section.items.length;
      return section.dropFrom === 'start' ? { from: size - k, to: size } : { from: 0, to: k };
    });
  const displayIndex = (section: number, rank: number): number => {
    const s = sections[section] as FittableSection;
    return s.dropFrom === 'start' ? s.items.length - 1 - rank : rank;
  };
  const fit = fitToBudget({
    parts: sections.map((s) => ({ priority: s.priority, size: s.items.length, dropFrom: s.dropFrom })),
    budget: input.budget,
    render: (kept) => renderer.text(ranges(kept)),
    count: tokenizer.count,
    // A separator (JSON comma, the newline between sections) is worth about one token.
    itemCost: (section, rank) => tokenizer.count(renderer.segment(section, displayIndex(section, rank))) + (format === 'JSON' ? 1 : 0),
    sectionCost: (section) => tokenizer.count(renderer.overhead(section)) + 1,
  });
  if (!fit.fits) return fit;
  const kept = ranges(fit.kept);
  return {
    fits: true,
    text: fit.text,
    tokens: fit.tokens,
    kept: fit.kept,
    sectionTokens: kept.map((range, i) => (range.to > range.from ? tokenizer.count(renderer.section(i, range)) : 0)),
    counted: fit.counted,
  };
}
