import fc from 'fast-check';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { describe, expect, it } from 'vitest';
import { fitPrompt, LazyTokenizer, PromptRenderer, type FittableSection, type ItemRange, type PromptFormat } from '../../src/prompt/index.js';

const tokenizer = await new LazyTokenizer('o200k_base').get();
/** The library's own count, called directly: what `tokens` must equal. */
const reference = (text: string): number => countTokens(text, { disallowedSpecial: new Set() });

const itemText = fc.oneof(
  { weight: 6, arbitrary: fc.lorem({ maxCount: 60, size: 'large' }) },
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme', maxLength: 60 }) },
  { weight: 1, arbitrary: fc.constantFrom('<|endoftext|>', '/help me', '\n\nleading blank lines', '   ', '', 'a & b < c > d', '"quoted" \\ slash') },
);

const section = (index: number): fc.Arbitrary<FittableSection> =>
  fc
    .record({
      priority: fc.integer({ min: 0, max: 4 }),
      dropFrom: fc.constantFrom<'start' | 'end'>('start', 'end'),
      list: fc.boolean(),
      // Data sizes from nothing to well past 8,000 tokens in all.
      texts: fc.integer({ min: 0, max: 200 }).chain((n) => fc.array(itemText, { minLength: n, maxLength: n })),
    })
    .map(({ priority, dropFrom, list, texts }) => ({
      name: `part${index}`,
      title: `Part ${index}`,
      list,
      priority,
      dropFrom,
      items: (list ? texts : texts.slice(0, 1)).map((text, i) => ({ text, value: { i, text } })),
    }));

const scenario = fc
  .integer({ min: 1, max: 5 })
  .chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => section(i))))
  .map((sections) =>
    // Priority-0 parts are kept whole: keep them small, or almost every case would be BUDGET_TOO_SMALL.
    sections.map((s) => (s.priority === 0 ? { ...s, items: s.items.slice(0, 3) } : s)),
  );

const format = fc.constantFrom<PromptFormat>('MARKDOWN', 'XML', 'JSON');
const budget = fc.integer({ min: 0, max: 8000 });

/** The text with `kept[i]` of section i's most relevant items, rendered independently of the fitter. */
function render(fmt: PromptFormat, sections: readonly FittableSection[], kept: readonly number[]): string {
  const ranges: ItemRange[] = sections.map((s, i) => {
    const k = kept[i] as number;
    return s.dropFrom === 'start' ? { from: s.items.length - k, to: s.items.length } : { from: 0, to: k };
  });
  return new PromptRenderer(fmt, sections).text(ranges);
}

/** Sections in the order they are cut last to first: priority, then position. */
const importance = (sections: readonly FittableSection[]): number[] =>
  sections.map((_, i) => i).sort((a, b) => (sections[a] as FittableSection).priority - (sections[b] as FittableSection).priority || a - b);

describe('fitting a prompt to a token budget (property-based, o200k_base)', () => {
  // Hundreds of exact counts of texts up to tens of thousands of tokens: give a loaded machine room.
  it('is never over budget, counts exactly, keeps priority 0 whole, and drops minimally', { timeout: 120_000 }, () => {
    // The cases must include data past the largest budget and cuts, or the properties prove little.
    const sizes: number[] = [];
    const outcomes = { cut: 0 };
    fc.assert(
      fc.property(scenario, format, budget, (sections, fmt, b) => {
        const result = fitPrompt({ format: fmt, sections, budget: b, tokenizer });
        sizes.push(reference(render(fmt, sections, sections.map((s) => s.items.length))));
        if (result.fits && result.kept.some((k, i) => k < (sections[i] as FittableSection).items.length)) outcomes.cut += 1;
        const essential = sections.map((s) => (s.priority === 0 ? s.items.length : 0));
        if (!result.fits) {
          // BUDGET_TOO_SMALL: the minimum is the exact count of the priority-0 parts alone, and above the budget.
          expect(result.minimum).toBe(reference(render(fmt, sections, essential)));
          expect(result.minimum).toBeGreaterThan(b);
          return;
        }
        expect(result.tokens).toBeLessThanOrEqual(b);
        expect(result.tokens).toBe(reference(result.text));
        expect(result.text).toBe(render(fmt, sections, result.kept));
        for (const [i, s] of sections.entries()) if (s.priority === 0) expect(result.kept[i]).toBe(s.items.length);
        if (fmt === 'JSON' && result.text !== '') expect(() => JSON.parse(result.text)).not.toThrow();
        // Trimming is a prefix of the importance order: nothing of a less important part is kept
        // while a more important one lost items.
        const order = importance(sections);
        const firstShort = order.findIndex((i) => (result.kept[i] as number) < (sections[i] as FittableSection).items.length);
        if (firstShort >= 0) {
          for (const later of order.slice(firstShort + 1)) expect(result.kept[later]).toBe(0);
          // Minimal: re-adding the first dropped item would exceed the budget.
          const section = order[firstShort] as number;
          const more = result.kept.map((k, i) => (i === section ? k + 1 : k));
          expect(reference(render(fmt, sections, more))).toBeGreaterThan(b);
        }
      }),
      { numRuns: 300 },
    );
    expect(sizes.filter((n) => n > 8000).length).toBeGreaterThan(15);
    expect(outcomes.cut).toBeGreaterThan(60);
  });

  it('never gives less text for a larger budget', { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(scenario, format, budget, fc.integer({ min: 1, max: 2000 }), (sections, fmt, b, extra) => {
        const small = fitPrompt({ format: fmt, sections, budget: b, tokenizer });
        const large = fitPrompt({ format: fmt, sections, budget: Math.min(b + extra, 8000), tokenizer });
        if (!small.fits) return;
        expect(large.fits).toBe(true);
        if (!large.fits) return;
        for (const [i, kept] of small.kept.entries()) expect(large.kept[i]).toBeGreaterThanOrEqual(kept);
        expect(large.text.length).toBeGreaterThanOrEqual(small.text.length);
        expect(large.tokens).toBeGreaterThanOrEqual(small.tokens);
      }),
      { numRuns: 200 },
    );
  });
});
