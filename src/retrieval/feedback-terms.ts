import type { SoftMatcher } from './soft-match.js';

export interface FeedbackSettings {
  /** Top hits read for feedback terms. */
  readonly docs: number;
  /** Terms taken from them (0: feedback off). */
  readonly terms: number;
  /** Weight of the second keyword search (BM25 / its best score) added to the score. */
  readonly weight: number;
}

/**
 * Pseudo-relevance feedback: the rarest content words shared by the top hits and absent from
 * the query. A word counts by its rarity times the number of top hits containing it, so a
 * name or identifier the first hits agree on ("Tomasz", "INC-3312") outranks a common word.
 */
export function feedbackTerms(matcher: SoftMatcher, queryTerms: readonly string[], texts: readonly string[], limit: number): string[] {
  const query = new Set(queryTerms);
  const weight = new Map<string, number>();
  for (const text of texts) {
    for (const word of matcher.contentWords(text)) {
      if (query.has(word) || word.includes("'") || word.includes('’')) continue;
      weight.set(word, (weight.get(word) ?? 0) + matcher.rarity(word));
    }
  }
  return [...weight.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, limit)
    .map(([word]) => word);
}
