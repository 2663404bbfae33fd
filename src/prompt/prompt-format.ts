import { z } from 'zod';

/** How a bundle's text is laid out for the prompt. */
export const PromptFormatSchema = z
  .enum(['MARKDOWN', 'XML', 'JSON'])
  .meta({ id: 'PromptFormat', description: 'Layout of a prompt context: Markdown sections, XML elements, or one JSON object.' });
export type PromptFormat = z.output<typeof PromptFormatSchema>;

/** One item of a part: its text (MARKDOWN, XML) and its value (JSON). */
export interface PromptItem {
  readonly text: string;
  readonly value: unknown;
}

/** A part as the renderer sees it: every item it could show, in display order. */
export interface PromptSection {
  /** The part's name: the XML element and the JSON key. */
  readonly name: string;
  /** The Markdown heading. */
  readonly title: string;
  /** A list value (JSON array, Markdown bullets, XML `<item>`s) rather than a single value. */
  readonly list: boolean;
  readonly items: readonly PromptItem[];
}

/** A half-open range of a section's items, in display order. */
export interface ItemRange {
  readonly from: number;
  readonly to: number;
}

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Renders sections in one format. A section with no item in its range is left out entirely, and
 * the text of nothing is `''` in every format (zero tokens). Item segments are computed once, so
 * rendering another range costs a join, not a re-rendering.
 */
export class PromptRenderer {
  readonly format: PromptFormat;
  readonly #sections: readonly PromptSection[];
  readonly #segments: ReadonlyArray<readonly string[]>;

  constructor(format: PromptFormat, sections: readonly PromptSection[]) {
    this.format = format;
    this.#sections = sections;
    this.#segments = sections.map((section) => section.items.map((item) => this.#segment(section, item)));
  }

  /** The text of one item, as it appears inside its section. */
  segment(section: number, item: number): string {
    return this.#segments[section]?.[item] ?? '';
  }

  /** What a section adds around its items (heading, tags, key): for estimates. */
  overhead(section: number): string {
    const s = this.#sections[section] as PromptSection;
    const [open, close] = this.#frame(s);
    return open + close;
  }

  /** The text of one section with the items in `range`; `''` when the range is empty. */
  section(index: number, range: ItemRange): string {
    if (range.to <= range.from) return '';
    const s = this.#sections[index] as PromptSection;
    const items = (this.#segments[index] as readonly string[]).slice(range.from, range.to);
    const [open, close] = this.#frame(s);
    return open + items.join(this.format === 'JSON' ? ',' : '') + close;
  }

  /** The whole text with each section's items in its range. */
  text(ranges: readonly ItemRange[]): string {
    const sections: string[] = [];
    for (let i = 0; i < this.#sections.length; i++) {
      const text = this.section(i, ranges[i] as ItemRange);
      if (text !== '') sections.push(text);
    }
    if (sections.length === 0) return '';
    switch (this.format) {
      case 'MARKDOWN':
        return sections.join('\n');
      case 'XML':
        return sections.join('');
      case 'JSON':
        return `{${sections.join(',')}}`;
    }
  }

  #frame(s: PromptSection): readonly [string, string] {
    switch (this.format) {
      case 'MARKDOWN':
        return [`## ${s.title}\n`, ''];
      case 'XML':
        return [`<${s.name}>\n`, `</${s.name}>\n`];
      case 'JSON':
        return s.list ? [`${JSON.stringify(s.name)}:[`, ']'] : [`${JSON.stringify(s.name)}:`, ''];
    }
  }

  #segment(s: PromptSection, item: PromptItem): string {
    switch (this.format) {
      case 'MARKDOWN': {
        const text = item.text.trimEnd();
        return s.list ? `- ${text.replace(/\n/g, '\n  ')}\n` : `${text}\n`;
      }
      case 'XML':
        return s.list ? `<item>${escapeXml(item.text)}</item>\n` : `${escapeXml(item.text.trimEnd())}\n`;
      case 'JSON':
        return JSON.stringify(item.value ?? null);
    }
  }
}

/**
 * The default text of an item: a string as is; an object as `key: value` pairs of its non-empty
 * fields (nested values as JSON), separated by `; `.
 */
export function defaultItemText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value !== 'object') return String(value);
  const pairs: string[] = [];
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    if (field === null || field === undefined || field === '') continue;
    pairs.push(`${key}: ${typeof field === 'object' ? JSON.stringify(field) : String(field)}`);
  }
  return pairs.join('; ');
}
