import { describe, expect, it } from 'vitest';
import { TopK } from '../../src/stores/sqlite/sqlite-vectors.js';

// The exact vector search's selection of the k best: the same as sorting everything and taking k.
describe('TopK', () => {
  it('keeps the k best of any stream, best first', () => {
    let seed = 11;
    const next = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (const [n, k] of [
      [0, 5],
      [3, 5],
      [5, 5],
      [6, 5],
      [260, 100],
      [1000, 1],
      [50, 0],
    ] as const) {
      const pairs = Array.from({ length: n }, (_, i) => ({ id: `m${i}`, score: Math.round(next() * 1000) / 1000 }));
      const top = new TopK(k);
      for (const { id, score } of pairs) top.push(id, score);
      const got = top.sorted();
      const want = [...pairs].sort((a, b) => b.score - a.score).slice(0, k);
      expect(
        got.map((pair) => pair.score),
        `n ${n}, k ${k}`,
      ).toEqual(want.map((pair) => pair.score));
      // Each kept pair is one of the stream's, with its own score.
      const byId = new Map(pairs.map((pair) => [pair.id, pair.score]));
      for (const pair of got) expect(byId.get(pair.id)).toBe(pair.score);
      expect(new Set(got.map((pair) => pair.id)).size).toBe(got.length);
    }
  });
});
