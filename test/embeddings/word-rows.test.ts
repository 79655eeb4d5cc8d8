import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { WordRows } from '../../src/embeddings/offline/word-rows.js';
import { DEFAULT_WORD_VECTOR_DIR, loadWordVectorTable } from '../../src/embeddings/offline/word-vector-table.js';
import { seededRandom } from '../helpers/seeded-random.js';

/** The Map the table used to build: each word set to its row, so a repeated word keeps its last row. */
function mapOf(words: readonly string[]): Map<string, number> {
  const map = new Map<string, number>();
  for (const [row, word] of words.entries()) map.set(word, row);
  return map;
}

describe('WordRows', () => {
  it('answers as a Map of the same words, for random vocabularies with repeats, unicode and misses', () => {
    const alphabet = ['a', 'b', 'c', 'é', 'ß', '東', '😀', '-', "'", '0'];
    for (let seed = 1; seed <= 40; seed++) {
      const next = seededRandom(seed);
      const word = (): string => {
        const length = 1 + Math.floor(next() * 6);
        let out = '';
        for (let i = 0; i < length; i++) out += alphabet[Math.floor(next() * alphabet.length)];
        return out;
      };
      const words = Array.from({ length: Math.floor(next() * 400) }, word);
      const rows = WordRows.of(words);
      const map = mapOf(words);
      expect(rows.size).toBe(words.length);
      for (const probe of [...words, ...Array.from({ length: 200 }, word), '', 'absent-word']) {
        expect(rows.get(probe)).toBe(map.get(probe));
        expect(rows.has(probe)).toBe(map.has(probe));
      }
    }
  });

  it('holds every word of the committed asset at its line number', () => {
    const table = loadWordVectorTable();
    const words = readFileSync(new URL('words.txt', DEFAULT_WORD_VECTOR_DIR), 'utf8').split('\n', table.manifest.count);
    const map = mapOf(words);
    for (const [word, row] of map) expect(table.rows.get(word)).toBe(row);
    for (const miss of ['', 'zzzqqqxx', 'The', 'strata-not-a-word']) expect(table.rows.get(miss)).toBe(map.get(miss));
  });
});
