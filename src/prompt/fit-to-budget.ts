/** A part as the fitter sees it. */
export interface FitPart {
  /** 0 is never cut; higher numbers are cut first. */
  readonly priority: number;
  /** Items it could show. */
  readonly size: number;
  /** Which end of its items (in display order) is least relevant, and is cut first. */
  readonly dropFrom: 'start' | 'end';
}

export interface FitInput {
  readonly parts: readonly FitPart[];
  readonly budget: number;
  /** The final text when part `i` keeps `kept[i]` of its most relevant items. */
  render(kept: readonly number[]): string;
  /** The exact token count of a text. */
  count(text: string): number;
  /**
   * Estimated tokens of part `part`'s item of relevance rank `rank` (0 = most relevant), and of the
   * section around a part's items. Estimates only steer the search; every answer is counted exactly.
   */
  itemCost(part: number, rank: number): number;
  sectionCost(part: number): number;
}

export type FitResult =
  | { readonly fits: true; readonly kept: readonly number[]; readonly text: string; readonly tokens: number; readonly counted: number }
  | { readonly fits: false; readonly minimum: number };

/**
 * Keeps the longest prefix of the parts' items, in order of importance (priority 0 first, then
 * by priority, parts of equal priority in their order, each part's items most relevant first),
 * whose rendered text fits the budget: the items of priority-0 parts are always kept (or the fit
 * fails with the tokens they need), and an item is dropped only when keeping it, after every more
 * important item, would exceed the budget.
 *
 * Token counts are exact on the final text. Per-item estimates find the cut in one pass; it is then
 * confirmed with two exact counts (the text that fits and the one with the next item), galloping
 * and bisecting only when estimates were off, so a large list is not re-tokenized once per item.
 */
export function fitToBudget(input: FitInput): FitResult {
  const { parts, budget } = input;
  const order = parts.map((part, index) => ({ part, index })).sort((a, b) => a.part.priority - b.part.priority || a.index - b.index);
  const offsets: number[] = new Array(parts.length).fill(0);
  let total = 0;
  let mustKeep = 0;
  let estimated = 0;
  let estimate = -1;
  for (const { part, index } of order) {
    offsets[index] = total;
    for (let rank = 0; rank < part.size; rank++) {
      estimated += input.itemCost(index, rank) + (rank === 0 ? input.sectionCost(index) : 0);
      if (estimate < 0 && estimated > budget) estimate = total + rank;
    }
    total += part.size;
    if (part.priority === 0) mustKeep = total;
  }
  if (estimate < 0) estimate = total;

  const keptAt = (k: number): number[] => parts.map((part, i) => Math.min(part.size, Math.max(0, k - (offsets[i] as number))));
  const measured = new Map<number, { text: string; tokens: number }>();
  const measure = (k: number): { text: string; tokens: number } => {
    let m = measured.get(k);
    if (!m) {
      const text = input.render(keptAt(k));
      m = { text, tokens: input.count(text) };
      measured.set(k, m);
    }
    return m;
  };
  const fits = (k: number): boolean => measure(k).tokens <= budget;

  // Invariants: `lo` is the largest prefix known (or assumed, for `mustKeep`) to fit, `hi` the
  // smallest known not to (total + 1: none).
  let lo = mustKeep;
  let hi = total + 1;
  const start = Math.min(Math.max(estimate, mustKeep), total);
  if (start > lo) {
    if (fits(start)) lo = start;
    else hi = start;
  }
  if (hi === total + 1) {
    for (let step = 1; lo < total; step *= 2) {
      const next = Math.min(lo + step, total);
      if (fits(next)) lo = next;
      else {
        hi = next;
        break;
      }
    }
  } else {
    for (let step = 1; ; step *= 2) {
      const next = Math.max(hi - step, lo);
      if (next === lo) break;
      if (fits(next)) {
        lo = next;
        break;
      }
      hi = next;
    }
  }
  while (hi - lo > 1) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid;
  }
  const result = measure(lo);
  if (result.tokens > budget) return { fits: false, minimum: measure(mustKeep).tokens };
  return { fits: true, kept: keptAt(lo), text: result.text, tokens: result.tokens, counted: measured.size };
}
