/** Tokenizers Engram counts with: the BPE encodings of `gpt-tokenizer`, offline. */
export const TOKENIZER_NAMES = ['o200k_base', 'cl100k_base'] as const;
export type TokenizerName = (typeof TOKENIZER_NAMES)[number];

/** Counts tokens exactly as the named encoding does. */
export interface Tokenizer {
  readonly name: TokenizerName;
  /** Tokens of `text`; special-token markers such as `<|endoftext|>` count as ordinary text. */
  count(text: string): number;
}

interface Encoding {
  countTokens(text: string, options: { disallowedSpecial: Set<string> }): number;
}

// Text from users may contain `<|endoftext|>`: it is content, never a control token, and must not throw.
const AS_TEXT = { disallowedSpecial: new Set<string>() };

async function importEncoding(name: TokenizerName): Promise<Encoding> {
  // Literal specifiers, so bundlers and `tsc` see both entry points.
  return name === 'o200k_base' ? import('gpt-tokenizer/encoding/o200k_base') : import('gpt-tokenizer/encoding/cl100k_base');
}

/**
 * A tokenizer loaded on first use: the BPE ranks (several MB) are imported only when a bundle is
 * first asked for, so start-up and memory do not pay for them otherwise. Concurrent first uses
 * share one import.
 */
export class LazyTokenizer {
  readonly name: TokenizerName;
  #loading: Promise<Tokenizer> | undefined;

  /** @param name the encoding @default 'o200k_base' */
  constructor(name: TokenizerName = 'o200k_base') {
    this.name = name;
  }

  get(): Promise<Tokenizer> {
    if (!this.#loading) {
      const loading = importEncoding(this.name).then((encoding) => ({
        name: this.name,
        count: (text: string) => (text === '' ? 0 : encoding.countTokens(text, AS_TEXT)),
      }));
      // A failed import is tried again by the next bundle rather than kept.
      loading.catch(() => {
        if (this.#loading === loading) this.#loading = undefined;
      });
      this.#loading = loading;
    }
    return this.#loading;
  }
}
