import { describe, expect, it } from 'vitest';
import { type KeywordDoc, type KeywordHit, KeywordIndex, type KeywordScope } from '../../src/stores/sqlite/keyword-index.js';

// KeywordIndex.search prunes (MaxScore, keyword-top-k.ts): it must return exactly what scoring
// every posting gives, the same docs, the same scores to the bit, ties by rowid. The oracle
// here is `scores` (each doc's sum in query order, found by binary search, another code path)
// over every rowid, sorted. Queries of many phrases over a skewed vocabulary make the pruning
// stop admitting docs early; duplicated docs make ties at every rank.
const WEIGHTS = { text: 1.0, context: 0.2 };
const VOCABULARY = Array.from({ length: 80 }, (_, i) => `w${i}`);

function rng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/** A word, the first ones far more often (Zipf-like): common words with long postings, rare ones with short. */
function word(random: () => number): string {
  return VOCABULARY[Math.floor(VOCABULARY.length * random() ** 2.5)] as string;
}

function tokens(random: () => number, most: number): Map<string, number> {
  const counts = new Map<string, number>();
  const n = Math.floor(random() * most);
  for (let i = 0; i < n; i++) {
    const w = word(random);
    // Now and then a word more often than the 14 a packed count holds.
    counts.set(w, (counts.get(w) ?? 0) + (random() < 0.02 ? 16 : 1));
  }
  return counts;
}

function docOf(rowid: number, random: () => number, copy?: KeywordDoc): KeywordDoc {
  const roll = random();
  const tenantId = roll < 0.9 ? 't1' : 't2';
  const scopeKey = `${tenantId}\u0000${roll < 0.6 ? 'u1' : 'u2'}`;
  if (copy) return { ...copy, rowid, tenantId, scopeKey };
  const text = tokens(random, 24);
  const context = tokens(random, 12);
  let length = 1;
  for (const n of [...text.values(), ...context.values()]) length += n;
  return { rowid, tenantId, scopeKey, tokens: { text, context, length } };
}

function exhaustive(
  index: KeywordIndex,
  phrases: string[][],
  scope: KeywordScope,
  limit: number,
  rowids: readonly number[],
  allowed?: ReadonlySet<number>,
): KeywordHit[] {
  const asked = allowed ? rowids.filter((rowid) => allowed.has(rowid)) : [...rowids];
  const scores = index.scores(phrases, scope, WEIGHTS, asked);
  return asked
    .map((rowid, i) => ({ rowid, score: scores[i] as number }))
    .filter((hit) => hit.score > 0)
    .sort((a, b) => b.score - a.score || a.rowid - b.rowid)
    .slice(0, limit);
}

function expectSearchExact(index: KeywordIndex, rowids: readonly number[], random: () => number, queries: number): number {
  const scopes: KeywordScope[] = [{ scopeKey: 't1\u0000u1' }, { scopeKey: 't2\u0000u2' }, { tenantId: 't1' }];
  let tied = 0;
  for (let q = 0; q < queries; q++) {
    const phrases: string[][] = [];
    const n = 1 + Math.floor(random() * 16);
    for (let i = 0; i < n; i++) phrases.push(random() < 0.1 ? [word(random), word(random)] : [word(random)]);
    if (random() < 0.2) phrases.push(phrases[0] as string[]); // a phrase twice counts twice, as in FTS5
    const scope = scopes[Math.floor(random() * scopes.length)] as KeywordScope;
    const limit = [1, 3, 10, 40][Math.floor(random() * 4)] as number;
    const allowed = random() < 0.2 ? new Set(rowids.filter(() => random() < 0.5)) : undefined;
    const expected = exhaustive(index, phrases, scope, limit, rowids, allowed);
    const got = index.search(phrases, scope, WEIGHTS, limit, allowed);
    expect(got, `${JSON.stringify(phrases)} in ${JSON.stringify(scope)}, limit ${limit}`).toEqual(expected);
    for (let i = 1; i < got.length; i++) if (got[i]?.score === got[i - 1]?.score) tied++;
  }
  return tied;
}

describe('KeywordIndex.search (pruned top-k)', () => {
  it('returns the exhaustive top-k, scores to the bit and ties by rowid: base, tails, deletes, re-adds, merge', () => {
    const random = rng(11);
    const built: KeywordDoc[] = [];
    for (let i = 1; i <= 1500; i++) {
      const copy = i > 10 && random() < 0.15 ? built[Math.floor(random() * built.length)] : undefined;
      built.push(docOf(i, rng(5000 + i), copy));
    }
    const index = KeywordIndex.build(() => built);
    const live = new Set(built.map((doc) => doc.rowid));
    let tied = expectSearchExact(index, [...live], random, 150);

    for (let i = 1501; i <= 2200; i++) {
      index.add(docOf(i, random, random() < 0.15 ? built[Math.floor(random() * built.length)] : undefined));
      live.add(i);
    }
    for (let i = 0; i < 60; i++) {
      const rowid = 1 + Math.floor(random() * 2200);
      index.remove(rowid);
      live.delete(rowid);
    }
    index.add(docOf(7, random));
    live.add(7);
    tied += expectSearchExact(index, [...live], random, 150);

    index.merge();
    tied += expectSearchExact(index, [...live], random, 150);
    // The data holds ties (duplicated docs): rowid order among them was checked, not assumed.
    expect(tied).toBeGreaterThan(50);
  });

  // Bounds found for a term hold as other docs come: long docs (600 tokens) raise the length average, which
  // lowers every norm and raises what the term's postings add (the bound scales with it).
  it('stays exact when the length average grows after the bounds were found', () => {
    const random = rng(23);
    const index = KeywordIndex.build(() => Array.from({ length: 800 }, (_, i) => docOf(i + 1, rng(9000 + i))));
    const rowids = Array.from({ length: 800 }, (_, i) => i + 1);
    expectSearchExact(index, rowids, random, 80);
    for (let i = 801; i <= 2400; i++) {
      const filler = { text: new Map([['zz', 600]]), context: new Map<string, number>(), length: 600 };
      index.add({ rowid: i, tenantId: 't1', scopeKey: 't1\u0000u1', tokens: filler });
      rowids.push(i);
    }
    expectSearchExact(index, rowids, random, 200);
  });

  it('answers nothing for an unknown scope, no matching phrase or a limit of 0', () => {
    const index = KeywordIndex.build(() => Array.from({ length: 50 }, (_, i) => docOf(i + 1, rng(i))));
    expect(index.search([['w0']], { scopeKey: 't9\u0000u1' }, WEIGHTS, 10)).toEqual([]);
    expect(index.search([['zeppelin']], { tenantId: 't1' }, WEIGHTS, 10)).toEqual([]);
    expect(index.search([['w0']], { tenantId: 't1' }, WEIGHTS, 0)).toEqual([]);
  });
});
