import { splitSentences, wordCount } from '../../summarizers/sentences.js';

/**
 * Which user sentences are worth keeping as long-term notes: an honest heuristic. Simple cues
 * (first-person preferences, plans, facts about oneself, numbers, dates) give most of the
 * score; the rest is the sentence's similarity, with the service's embedder, to prototypes of
 * such statements. Questions and short acknowledgements are never promoted.
 */
export interface Cue {
  readonly name: 'preference' | 'plan' | 'fact' | 'number' | 'date' | 'update';
  readonly pattern: RegExp;
  readonly weight: number;
}

const MONTHS =
  'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
const DAYS =
  'monday|tuesday|wednesday|thursday|friday|saturday|sunday|tomorrow|tonight|yesterday|weekend|next (?:week|month|year)|last (?:week|month|year)';

export const CUES: readonly Cue[] = [
  {
    name: 'preference',
    pattern: /\b(?:i|we)\s+(?:really\s+|don't\s+|do not\s+)?(?:like|love|enjoy|prefer|hate|dislike|avoid|can't stand)\b/i,
    weight: 0.65,
  },
  {
    name: 'preference',
    pattern: /\b(?:my|our)\s+(?:favou?rite|preferred|go-to)\b|\ballergic\b|\b(?:vegetarian|vegan|gluten|lactose)\b/i,
    weight: 0.5,
  },
  {
    name: 'plan',
    pattern:
      /\b(?:i|we)(?:'m| am|'re| are)\s+(?:planning|going|hoping|aiming|about)\s+to\b|\b(?:i|we)\s+(?:plan|intend|want|need|will|have)\s+to\b|\b(?:i|we)'ll\b/i,
    weight: 0.4,
  },
  {
    name: 'fact',
    pattern:
      /\b(?:i|we)(?:'m| am|'re| are|'ve| have| had| was| were)?\s*(?:work|live|moved|started|bought|own|got|joined|finished|switched|signed)\b|\b(?:i|we)(?:'m| am)\s+(?:a|an)\s+\w+/i,
    weight: 0.35,
  },
  { name: 'fact', pattern: /\b(?:my|our)\s+(?!god\b)\w+/i, weight: 0.2 },
  { name: 'number', pattern: /\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twenty|hundred|thousand)\b/i, weight: 0.2 },
  { name: 'date', pattern: new RegExp(`\\b(?:${MONTHS}|${DAYS})\\b`, 'i'), weight: 0.25 },
  { name: 'update', pattern: /\b(?:actually|no longer|anymore|changed|instead|from now on|switched)\b/i, weight: 0.2 },
];

/** Statements of the kinds worth keeping; a sentence close to one of them scores higher. */
export const PROTOTYPES: readonly string[] = [
  'I prefer tea over coffee and I love spicy food',
  'My favourite restaurant is the Italian place downtown',
  'I am allergic to peanuts',
  'We are planning a trip to Spain next month',
  'My birthday is on the fourth of March',
  'I work as a software engineer at a bank',
  'I live in a flat with my partner and two kids',
  'My budget is two thousand pounds',
  'The deadline for the project is Friday',
  'I started running three times a week',
];

export interface PromotionCandidate {
  /** The sentences kept, joined. */
  readonly text: string;
  readonly cues: readonly string[];
  /** Cue score in [0, 1] before the embedding part. */
  readonly cueScore: number;
}

/** The sentences of one user turn that carry a cue, with the turn's cue score; null when none. */
export function cueCandidate(content: string, minWords = 5): PromotionCandidate | null {
  const kept: string[] = [];
  const cues = new Set<string>();
  let best = 0;
  for (const sentence of splitSentences(content)) {
    if (sentence.endsWith('?') || wordCount(sentence) < minWords) continue;
    let score = 0;
    for (const cue of CUES) {
      if (cue.pattern.test(sentence)) {
        score += cue.weight;
        cues.add(cue.name);
      }
    }
    if (score >= 0.35) {
      kept.push(sentence);
      best = Math.max(best, Math.min(1, score));
    }
  }
  return kept.length === 0 ? null : { text: kept.join(' '), cues: [...cues], cueScore: best };
}

/**
 * The final score in [0, 1]: the cues, plus a boost for closeness to the prototypes (cosine
 * mapped from [0.2, 0.8] to [0, 1]). A boost, not a gate: the offline embedder knows little
 * of rare words, so a strong cue alone (a stated preference) passes the default threshold.
 */
export function promotionScore(cueScore: number, prototypeSimilarity: number): number {
  const embedded = Math.min(1, Math.max(0, (prototypeSimilarity - 0.2) / 0.6));
  return Math.min(1, 0.75 * cueScore + 0.35 * embedded);
}
