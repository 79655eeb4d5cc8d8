// The encoding's own module, not the package's main entry: that one also loads every model's
// specification (pricing, context windows), about 16 MiB more resident memory for nothing used here.
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';

/** Token counting for budgets: OpenAI's o200k_base encoding (gpt-4o and later), via gpt-tokenizer. */
export interface TokenCounter {
  readonly name: string;
  count(text: string): number;
  /**
   * True when a text cut right after a newline, where the next character is neither whitespace
   * nor '/', counts as the sum of its parts: no pre-tokenizer piece spans such a cut (o200k's
   * pieces that take a newline extend only over whitespace, newlines and '/'). The context
   * builder then counts its packed text from memoised per-line counts.
   */
  readonly additiveAtNewlines?: boolean;
}

/**
 * Special-token markup in stored text ("<|endoftext|>" pasted into a message) is counted as the
 * ordinary text it is: gpt-tokenizer's default throws on it, which failed getContext.
 */
const AS_TEXT = { disallowedSpecial: new Set<string>() };

export const o200kTokenCounter: TokenCounter = {
  name: 'o200k_base',
  count: (text: string): number => (text.length === 0 ? 0 : countO200k(text, AS_TEXT)),
  additiveAtNewlines: true,
};
