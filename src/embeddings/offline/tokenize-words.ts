/**
 * Word tokenizer for the offline word-vector embedder. Lowercases; expands contractions
 * ("don't" -> do not) and drops possessive 's; splits hyphenated, dotted, snake_case and
 * camelCase identifiers into their parts unless the whole form is a known word; normalises
 * numbers ("$22,800" -> 22800, "2nd" -> 2). Single letters are dropped: the vocabulary has
 * none and they carry no meaning on their own.
 */
export interface TokenizeWordsOptions {
  /** Whether a lowercase form is in the vocabulary; known compounds ("e-mail") stay whole. */
  readonly isKnown?: (word: string) => boolean;
  /** Keep number tokens (digits only, no separators) or drop them. Default: keep. */
  readonly numbers?: 'keep' | 'drop';
  /**
   * Also emit a multi-part token that is not a known word as one lowercase token, beside its
   * parts (`GEOCODER_CACHE_TTL_MS` -> geocoder, cache, ttl, ms, geocoder_cache_ttl_ms), so
   * texts naming the same identifier match on it. Default: true.
   */
  readonly compounds?: boolean;
}

const RAW_TOKEN = /[\p{L}\p{N}]+(?:(?:['’_.-]|(?<=\p{N}),(?=\p{N}{3}(?!\p{N})))[\p{L}\p{N}]+)*/gu;
const NUMBER = /^\p{N}+(?:,\p{N}{3})*(?:\.\p{N}+)?(?:st|nd|rd|th)?$/iu;
const CONTRACTION = /^(.+?)(n't|'s|'re|'ve|'ll|'d|'m)$/i;
const EXPANSIONS: Record<string, string> = {
  "'re": 'are',
  "'ve": 'have',
  "'ll": 'will',
  "'d": 'would',
  "'m": 'am',
};
const NEGATED_BASES: Record<string, string> = { wo: 'will', ca: 'can', sha: 'shall', ai: 'is' };
const NON_ASCII = /[^\x20-\x7e]/;
const COMBINING_MARKS = /\p{M}/gu;

const alwaysUnknown = (): boolean => false;

export function tokenizeWords(text: string, options: TokenizeWordsOptions = {}): string[] {
  const isKnown = options.isKnown ?? alwaysUnknown;
  const keepNumbers = options.numbers !== 'drop';
  const compounds = options.compounds !== false;
  const out: string[] = [];

  const pushAtom = (atom: string): void => {
    if (atom.length === 0) return;
    if (NUMBER.test(atom)) {
      if (keepNumbers) out.push(normaliseNumber(atom));
      return;
    }
    const lower = atom.toLowerCase();
    if (isKnown(lower)) {
      out.push(lower);
      return;
    }
    const folded = NON_ASCII.test(lower) ? foldDiacritics(lower) : lower;
    if (folded !== lower && isKnown(folded)) out.push(folded);
    else if (folded.length > 1) out.push(folded);
  };

  const pushWord = (word: string): void => {
    const lower = word.toLowerCase();
    if (isKnown(lower)) {
      out.push(lower);
      return;
    }
    const parts = splitParts(word);
    if (parts.length <= 1) {
      pushAtom(word);
      return;
    }
    const joined = lower.replaceAll("'", '');
    if (word.includes("'") && isKnown(joined)) {
      out.push(joined);
      return;
    }
    for (const part of parts) pushAtom(part);
    if (compounds && !NUMBER.test(word)) {
      const folded = NON_ASCII.test(lower) ? foldDiacritics(lower) : lower;
      out.push(folded.replaceAll("'", ''));
    }
  };

  for (const match of text.matchAll(RAW_TOKEN)) {
    const raw = match[0].replaceAll('’', "'");
    if (NUMBER.test(raw)) {
      pushAtom(raw);
      continue;
    }
    const contraction = raw.includes("'") ? CONTRACTION.exec(raw) : null;
    if (contraction === null) {
      pushWord(raw);
      continue;
    }
    const base = contraction[1] ?? '';
    const suffix = (contraction[2] ?? '').toLowerCase();
    if (suffix === "n't") {
      const lowerBase = base.toLowerCase();
      pushWord(NEGATED_BASES[lowerBase] ?? base);
      out.push('not');
    } else {
      pushWord(base);
      const expansion = EXPANSIONS[suffix];
      if (expansion !== undefined) out.push(expansion);
    }
  }
  return out;
}

/** Splits on - _ . ' and at camelCase and letter/digit boundaries; keeps the original case. */
function splitParts(word: string): string[] {
  return word
    .replace(/([\p{Ll}\p{N}])(\p{Lu})/gu, '$1 $2')
    .replace(/(\p{Lu})(\p{Lu}\p{Ll})/gu, '$1 $2')
    .replace(/(\p{L})(\p{N})/gu, '$1 $2')
    .replace(/(\p{N})(\p{L})/gu, '$1 $2')
    .split(/[\s_.'-]+/)
    .filter((part) => part.length > 0);
}

function normaliseNumber(atom: string): string {
  return atom.replace(/(?:st|nd|rd|th)$/i, '').replaceAll(',', '');
}

function foldDiacritics(word: string): string {
  return word.normalize('NFKD').replace(COMBINING_MARKS, '');
}
