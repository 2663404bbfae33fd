import { describe, expect, it } from 'vitest';
import { fitPrompt, LazyTokenizer, type FittableSection } from '../../src/prompt/index.js';

const tokenizer = await new LazyTokenizer('o200k_base').get();

const sections: FittableSection[] = [
  { name: 'profile', title: 'User', list: false, priority: 0, dropFrom: 'end', items: [{ text: 'Ada Lovelace <ada@example.com>', value: { name: 'Ada Lovelace' } }] },
  {
    name: 'messages',
    title: 'Latest messages',
    list: true,
    priority: 2,
    dropFrom: 'start',
    items: [
      { text: 'user: first', value: 'first' },
      { text: 'assistant: second & <last>', value: 'second' },
    ],
  },
  { name: 'facts', title: 'Facts', list: true, priority: 1, dropFrom: 'end', items: [{ text: 'Ada likes tea.', value: 'tea' }, { text: 'Ada codes.', value: 'codes' }] },
];

describe('prompt formats', () => {
  it('renders MARKDOWN sections, XML elements and one JSON object', () => {
    const render = (format: 'MARKDOWN' | 'XML' | 'JSON') => fitPrompt({ format, sections, budget: 1000, tokenizer });
    expect(render('MARKDOWN')).toMatchObject({
      fits: true,
      text: '## User\nAda Lovelace <ada@example.com>\n\n## Latest messages\n- user: first\n- assistant: second & <last>\n\n## Facts\n- Ada likes tea.\n- Ada codes.\n',
      kept: [1, 2, 2],
    });
    expect(render('XML')).toMatchObject({
      fits: true,
      text: '<profile>\nAda Lovelace &lt;ada@example.com&gt;\n</profile>\n<messages>\n<item>user: first</item>\n<item>assistant: second &amp; &lt;last&gt;</item>\n</messages>\n<facts>\n<item>Ada likes tea.</item>\n<item>Ada codes.</item>\n</facts>\n',
    });
    expect(render('JSON')).toMatchObject({ fits: true, text: '{"profile":{"name":"Ada Lovelace"},"messages":["first","second"],"facts":["tea","codes"]}' });
  });

  it('cuts the highest priority number first, each list from its least relevant end', () => {
    const full = fitPrompt({ format: 'MARKDOWN', sections, budget: 1000, tokenizer });
    if (!full.fits) throw new Error('expected a fit');
    // One token short of everything: the last message-priority item goes first — the oldest message.
    const short = fitPrompt({ format: 'MARKDOWN', sections, budget: full.tokens - 1, tokenizer });
    expect(short).toMatchObject({ fits: true, kept: [1, 1, 2], text: '## User\nAda Lovelace <ada@example.com>\n\n## Latest messages\n- assistant: second & <last>\n\n## Facts\n- Ada likes tea.\n- Ada codes.\n' });
  });

  it('reports the minimum when even priority 0 does not fit', () => {
    const minimum = tokenizer.count('## User\nAda Lovelace <ada@example.com>\n');
    expect(fitPrompt({ format: 'MARKDOWN', sections, budget: minimum - 1, tokenizer })).toEqual({ fits: false, minimum });
    expect(fitPrompt({ format: 'MARKDOWN', sections, budget: minimum, tokenizer })).toMatchObject({ fits: true, tokens: minimum, kept: [1, 0, 0] });
  });

  it('counts special-token markers in user text as ordinary text', () => {
    const marker: FittableSection[] = [{ name: 'n', title: 'N', list: false, priority: 0, dropFrom: 'end', items: [{ text: '<|endoftext|>', value: null }] }];
    expect(fitPrompt({ format: 'MARKDOWN', sections: marker, budget: 100, tokenizer })).toMatchObject({ fits: true, text: '## N\n<|endoftext|>\n' });
  });
});

describe('fitting a large list', () => {
  it('tokenizes the whole text a handful of times, not once per item', () => {
    const items = Array.from({ length: 600 }, (_, i) => ({ text: `Fact number ${i}: Ada mentioned something worth remembering about topic ${i * 7}.`, value: i }));
    const big: FittableSection[] = [{ name: 'facts', title: 'Facts', list: true, priority: 1, dropFrom: 'end', items }];
    const started = performance.now();
    const result = fitPrompt({ format: 'MARKDOWN', sections: big, budget: 8000, tokenizer });
    const ms = performance.now() - started;
    if (!result.fits) throw new Error('expected a fit');
    expect(result.tokens).toBeLessThanOrEqual(8000);
    expect(result.kept[0]).toBeLessThan(items.length);
    expect(result.counted).toBeLessThanOrEqual(3);
    console.info(`fitting 600 items (${tokenizer.count(items.map((i) => i.text).join('\n'))} tokens) to 8000 tokens: ${ms.toFixed(1)} ms, ${result.counted} whole-text counts`);
  });
});
