import { describe, expect, it } from 'vitest';
import { type KeywordDoc, KeywordIndex } from '../../src/stores/sqlite/keyword-index.js';

// KeywordIndex.scores rescoring a few docs must give exactly what search gives them, wherever
// their postings sit: the built base, the tails of later adds, after deletes and after a merge,
// for words counted more often than a packed byte holds, and for phrases of several tokens.
const WEIGHTS = { text: 1.0, context: 0.2 };
const WORDS = ['ferry', 'fjord', 'harbour', 'noon', 'ticket', 'bergen', 'rain', 'coffee', 'map', 'bus', 'train', 'hotel'];

function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

function docOf(rowid: number, random: () => number): KeywordDoc {
  const count = (): Map<string, number> => {
    const counts = new Map<string, number>();
    const n = Math.floor(random() * 8);
    for (let i = 0; i < n; i++) {
      const word = WORDS[Math.floor(random() * WORDS.length)] as string;
      // Now and then a word far more often than the 14 a packed count holds.
      counts.set(word, (counts.get(word) ?? 0) + (random() < 0.05 ? 20 : 1));
    }
    return counts;
  };
  const text = count();
  const context = count();
  let length = 0;
  for (const n of [...text.values(), ...context.values()]) length += n;
  const user = random() < 0.7 ? 'u1' : 'u2';
  return { rowid, tenantId: 't1', scopeKey: `t1\u0000${user}`, tokens: { text, context, length: length + 1 } };
}

function expectScoresMatchSearch(index: KeywordIndex, rowids: readonly number[], random: () => number): void {
  const scopes = [{ scopeKey: 't1\u0000u1' }, { scopeKey: 't1\u0000u2' }, { tenantId: 't1' }, { tenantId: 'other' }];
  for (let q = 0; q < 30; q++) {
    const phrases: string[][] = [];
    const n = 1 + Math.floor(random() * 4);
    for (let i = 0; i < n; i++) {
      const word = WORDS[Math.floor(random() * WORDS.length)] as string;
      phrases.push(random() < 0.2 ? [word, WORDS[Math.floor(random() * WORDS.length)] as string] : [word]);
    }
    for (const scope of scopes) {
      const searched = new Map(index.search(phrases, scope, WEIGHTS, 100_000).map((hit) => [hit.rowid, hit.score]));
      const asked = [...rowids, 999_999];
      const scores = index.scores(phrases, scope, WEIGHTS, asked);
      asked.forEach((rowid, i) => {
        expect(scores[i], `rowid ${rowid} for ${JSON.stringify(phrases)} in ${JSON.stringify(scope)}`).toBe(searched.get(rowid) ?? 0);
      });
    }
  }
}

describe('KeywordIndex.scores', () => {
  it('equals search for every doc: base, tails, deletes, re-adds and after a merge', () => {
    const random = rng(7);
    const live = new Set<number>();
    const index = KeywordIndex.build(() => Array.from({ length: 300 }, (_, i) => docOf(i + 1, rng(1000 + i))));
    for (let i = 1; i <= 300; i++) live.add(i);
    expectScoresMatchSearch(index, [...live], random);

    for (let i = 301; i <= 500; i++) {
      index.add(docOf(i, random));
      live.add(i);
    }
    for (const rowid of [3, 17, 42, 305, 420]) {
      index.remove(rowid);
      live.delete(rowid);
    }
    // Re-adding a live doc replaces it (new postings in the tail, old ones dead).
    index.add(docOf(10, random));
    index.add(docOf(333, random));
    expectScoresMatchSearch(index, [...live, 3, 42], random);

    index.merge();
    expectScoresMatchSearch(index, [...live, 17], random);
  });

  it('is all zeros for an unknown scope and for phrases no doc has', () => {
    const index = KeywordIndex.build(() => Array.from({ length: 20 }, (_, i) => docOf(i + 1, rng(i))));
    expect([...index.scores([['ferry']], { scopeKey: 't9\u0000u1' }, WEIGHTS, [1, 2, 3])]).toEqual([0, 0, 0]);
    expect([...index.scores([['zeppelin']], { tenantId: 't1' }, WEIGHTS, [1, 2, 3])]).toEqual([0, 0, 0]);
    expect(index.scores([['ferry']], { tenantId: 't1' }, WEIGHTS, [])).toHaveLength(0);
  });
});
