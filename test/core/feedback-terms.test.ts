import { describe, expect, it } from 'vitest';
import { feedbackTerms } from '../../src/retrieval/feedback-terms.js';
import { DEFAULT_RETRIEVAL, hybridSearch } from '../../src/retrieval/hybrid-search.js';
import { defaultSoftMatcher } from '../../src/retrieval/soft-match.js';
import { memoryInRam } from '../helpers/memory.js';

describe('pseudo-relevance feedback', () => {
  const matcher = defaultSoftMatcher();

  it('takes the rare words the top hits share, not the query words or common words', () => {
    const terms = feedbackTerms(
      matcher,
      ['candidate', 'withdrew'],
      [
        'Tomasz is the strongest candidate, eight years of Go at a payments firm.',
        'Tomasz asked about the hybrid policy again.',
        'The weather was nice today.',
      ],
      3,
    );
    expect(terms[0]).toBe('tomasz');
    expect(terms).not.toContain('candidate');
    expect(terms).not.toContain('the');
    expect(terms).toHaveLength(3);
  });

  it('does not take the speaker labels of chunk lines, and weighs a question about "the user" by its other words', () => {
    const chunks = ['user: My pup Biscuit hates the rain.\nassistant: Noted.', 'user: Biscuit had his jab.\nassistant: Good.'];
    const terms = feedbackTerms(matcher, ['dog'], chunks, 5);
    expect(terms[0]).toBe('biscuit');
    expect(terms).not.toContain('user');
    expect(terms).not.toContain('assistant');
    // "user" weighs as a common word (the embedder's prior), so covering it is worth little.
    expect(matcher.rarity('user')).toBeLessThan(0.1);
    const question = matcher.prepare('Which bank does the user hold her accounts with?');
    const labelled = matcher.score(question, 'user: I moved house last spring.');
    expect(labelled - matcher.score(question, 'I moved house last spring.')).toBeLessThan(0.02);
  });

  it('returns nothing without texts, and at most the limit', () => {
    expect(feedbackTerms(matcher, ['x'], [], 5)).toEqual([]);
    expect(feedbackTerms(matcher, [], ['alpha beta gamma delta epsilon zeta'], 2)).toHaveLength(2);
  });

  it('lets a turn that shares no word with the query but names what the top hits name rank higher', async () => {
    const memory = await memoryInRam({ chunks: { turns: 0 } });
    try {
      await memory.createSession({ id: 's', userId: 'u' });
      const at = Date.parse('2026-02-01T10:00:00Z');
      const filler = [
        'The boiler service is booked for Monday.',
        'Invoices go out on the first of the month.',
        'The team offsite moved to Utrecht.',
        'Laptops are refreshed every three years.',
        'The kitchen dishwasher is fixed.',
        'Security training is due by June.',
        'The staging database was restored overnight.',
        'Holiday requests go through the portal.',
        'The new badge readers arrive soon.',
        'Our cloud bill dropped after the cleanup.',
        'The lift inspection passed.',
        'Bike racks were added by the entrance.',
      ];
      // Fillers between the lines keep each line's neighbourhood (indexed as context) neutral.
      const lines = [
        'Our strongest candidate for the backend role is Tomasz Wrona.',
        ...filler.slice(0, 4),
        'The candidate pool for the design role is thin.',
        ...filler.slice(4, 8),
        'Tomasz Wrona accepted a counter-offer and is out.',
        ...filler.slice(8),
      ];
      await memory.addMessages(
        's',
        lines.map((content, i) => ({ role: 'user' as const, content, createdAt: at + i * 60_000 })),
      );
      const rank = async (weight: number): Promise<number> => {
        const { hits } = await hybridSearch(
          memory.store,
          memory.embedder,
          {
            query: 'What happened with the strongest candidate?',
            filter: { tenantId: 'default', userId: 'u' },
            k: 6,
            mode: 'hybrid',
            now: at,
          },
          { ...DEFAULT_RETRIEVAL, feedback: { docs: 1, terms: 3, weight } },
        );
        return hits.findIndex((hit) => hit.memory.text.includes('counter-offer'));
      };
      const without = await rank(0);
      const withFeedback = await rank(1);
      expect(withFeedback).toBeGreaterThanOrEqual(0);
      expect(withFeedback).toBeLessThan(without);
    } finally {
      await memory.close();
    }
  });
});
