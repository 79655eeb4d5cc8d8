import { describe, expect, it } from 'vitest';
import { o200kTokenCounter } from '../../src/retrieval/tokenizer.js';
import { memoryInRam } from '../helpers/memory.js';

// The context builder counts its packed text as the sum of its lines' (memoised) counts when the
// tokenizer declares additiveAtNewlines: a text cut right after a newline, where the next part
// begins with neither whitespace nor '/', counts as the sum of its parts.
describe('o200k counts a text cut after newlines as the sum of its parts', () => {
  const pieces = ['a', 'Z', 'é', '日本', '1', '23', ' ', '  ', '\n', '\r\n', '\t', '.', ',', '-', '/', "'", "'s", '’', '(', ':', '#'];
  const more = ['\u00a0', 'x\u0301', '😀', '<', '|', '_', 'ing', 'The', 'HTTP', '2026-12-02', '[', ']', '"'];
  const alphabet = [...pieces, ...more];
  let seed = 7;
  const random = (): number => {
    seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const part = (): string =>
    Array.from({ length: 1 + Math.floor(random() * 8) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
  const count = o200kTokenCounter.count;

  it('holds where the next part begins with neither whitespace nor a slash, and fails often where it does', () => {
    expect(o200kTokenCounter.additiveAtNewlines).toBe(true);
    let cut = 0;
    let blocked = 0;
    let differed = 0;
    for (let n = 0; n < 20_000; n++) {
      const size = 2 + Math.floor(random() * 3);
      const parts = Array.from({ length: size }, (_, i) => part() + (i < size - 1 ? (random() < 0.5 ? '\n' : '\n\n') : ''));
      const whole = count(parts.join(''));
      const sum = parts.reduce((total, p) => total + count(p), 0);
      if (parts.slice(1).some((p) => /^[\s/]/.test(p))) {
        blocked++;
        if (whole !== sum) differed++;
        continue;
      }
      cut++;
      expect(sum, JSON.stringify(parts)).toBe(whole);
    }
    expect(cut).toBeGreaterThan(10_000);
    // The exception is needed: a part starting with whitespace or '/' does change the count.
    expect(differed).toBeGreaterThan(blocked / 10);
  });

  it("a context's token count is its text's, with lines ending in punctuation, spaces and newlines", async () => {
    const memory = await memoryInRam();
    try {
      await memory.createSession({ id: 's', userId: 'u' });
      const contents = [
        'Ends with a period.',
        'trailing spaces   ',
        'line one\nline two\n\n',
        '/starts with a slash',
        '  leading spaces',
        'ok:\r\n',
        '日本語のテキスト。',
      ];
      await memory.addMessages(
        's',
        contents.map((content, i) => ({ role: i % 2 === 0 ? ('user' as const) : ('assistant' as const), content })),
      );
      for (const query of ['period', 'slash spaces', 'テキスト']) {
        const context = await memory.getContext('s', { query, tokenBudget: 4000 });
        expect(context.items.length).toBeGreaterThanOrEqual(contents.length);
        expect(context.tokens).toBe(count(context.text));
      }
    } finally {
      await memory.close();
    }
  });
});
