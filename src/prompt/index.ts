export { fitToBudget } from './fit-to-budget.js';
export type { FitInput, FitPart, FitResult } from './fit-to-budget.js';
export { defaultItemText, PromptFormatSchema, PromptRenderer } from './prompt-format.js';
export type { ItemRange, PromptFormat, PromptItem, PromptSection } from './prompt-format.js';
export { LazyTokenizer, TOKENIZER_NAMES } from './tokenizer.js';
export type { Tokenizer, TokenizerName } from './tokenizer.js';
export { PromptContextSchema, PromptPartSchema } from './prompt-context.js';
export type { PromptContext, PromptPart } from './prompt-context.js';
