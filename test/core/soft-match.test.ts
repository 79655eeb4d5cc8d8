import { describe, expect, it } from 'vitest';
import { defaultSoftMatcher } from '../../src/retrieval/soft-match.js';

describe('soft match', () => {
  const matcher = defaultSoftMatcher();

  it('counts a possessive as its word and ignores stop words, case and repeats', () => {
    const query = matcher.prepare("What did Biscuit's vet say?");
    expect(query.words).toEqual(['biscuit', 'vet', 'say']);
    expect(matcher.score(query, 'BISCUIT’S VET said: say it again')).toBeCloseTo(1, 6);
    const once = matcher.score(query, 'the vet of biscuit');
    expect(matcher.score(query, 'the vet the vet of biscuit biscuit')).toBeCloseTo(once, 6);
    expect(matcher.score(query, 'what did it do to them')).toBe(0);
  });

  it('a stop word in a text never scores, even right after the same query (memo shared across texts)', () => {
    const query = matcher.prepare('doctor');
    expect(matcher.score(query, 'the and of')).toBe(0);
    expect(matcher.score(query, 'doctor')).toBeCloseTo(1, 6);
    // A related word scores between 0 and 1: word vectors, not exact matching.
    const related = matcher.score(query, 'the physician');
    expect(related).toBeGreaterThan(0);
    expect(related).toBeLessThan(1);
  });

  it('blends the context in only where it covers more than the text', () => {
    const query = matcher.prepare('ferry zanzibar');
    const own = matcher.score(query, 'the ferry leaves at nine');
    expect(matcher.scoreWithContext(query, 'the ferry leaves at nine', null, 0.8)).toBeCloseTo(own, 6);
    const blended = matcher.scoreWithContext(query, 'the ferry leaves at nine', 'user: how do I get to zanzibar', 0.8);
    expect(blended).toBeGreaterThan(own);
    expect(matcher.scoreWithContext(query, 'the ferry leaves at nine', 'nothing here', 0.8)).toBeCloseTo(own, 6);
  });
});
