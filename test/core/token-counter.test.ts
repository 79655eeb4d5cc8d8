import { countTokens as countWithMainEntry, encode } from 'gpt-tokenizer';
import { describe, expect, it } from 'vitest';
import { o200kTokenCounter } from '../../src/retrieval/tokenizer.js';

describe('o200kTokenCounter', () => {
  it('counts as the package entry point does (o200k_base), from the encoding module alone', () => {
    const texts = [
      'hello world',
      'The flat in Girne is £900 a month; we moved the viewing to Saturday 14:30.',
      'naïve café — 東京 🚀 multi-byte text',
      'x'.repeat(5_000),
    ];
    for (const text of texts) expect(o200kTokenCounter.count(text)).toBe(countWithMainEntry(text));
    // o200k_base, not cl100k_base: the two split this differently.
    expect(encode('hello world')).toEqual([24912, 2375]);
    expect(o200kTokenCounter.count('')).toBe(0);
    expect(o200kTokenCounter.name).toBe('o200k_base');
  });

  it('counts special-token markup in a text as ordinary text instead of throwing', () => {
    const text = 'pasted from a prompt: <|endoftext|> and <|im_start|>user';
    expect(() => countWithMainEntry(text)).toThrow();
    expect(o200kTokenCounter.count(text)).toBe(encode(text, { disallowedSpecial: new Set() }).length);
    expect(o200kTokenCounter.count(text)).toBeGreaterThan(o200kTokenCounter.count('pasted from a prompt:'));
  });
});
