import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
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
      // rowOf: the same answers for a word inside a longer text, without cutting it out.
      const text = Array.from({ length: 30 }, word).join(' ');
      for (let probe = 0; probe < 200; probe++) {
        const start = Math.floor(next() * text.length);
        const end = start + Math.floor(next() * Math.min(8, text.length - start + 1));
        expect(rows.rowOf(text, start, end)).toBe(map.get(text.slice(start, end)) ?? -1);
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

describe('loadWordVectorTable: a words.txt that does not cover the vectors', () => {
  const broken = (words: (lines: string[]) => string[]): URL => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-wordvec-'));
    for (const name of ['manifest.json', 'vectors.bin']) copyFileSync(new URL(name, DEFAULT_WORD_VECTOR_DIR), join(dir, name));
    const lines = readFileSync(new URL('words.txt', DEFAULT_WORD_VECTOR_DIR), 'utf8').split('\n');
    writeFileSync(join(dir, 'words.txt'), words(lines).join('\n'));
    return pathToFileURL(`${dir}/`);
  };

  it.each([
    ['a line short', (lines: string[]) => lines.slice(0, loadWordVectorTable().manifest.count - 1)],
    ['an empty line', (lines: string[]) => ['', ...lines.slice(1)]],
  ])('%s: EMBEDDING_FAILED, no table', (_, words) => {
    const dir = broken(words);
    try {
      expect(() => loadWordVectorTable(dir)).toThrowError(
        expect.objectContaining({ code: 'EMBEDDING_FAILED', message: 'words.txt is shorter than the vectors' }),
      );
    } finally {
      rmSync(fileURLToPath(dir), { recursive: true, force: true });
    }
  });
});
