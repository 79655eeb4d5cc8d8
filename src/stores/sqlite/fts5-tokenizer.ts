/**
 * A JavaScript replica of the FTS5 tokenizer the keyword index is declared with
 * (`porter unicode61 remove_diacritics 2`) for text whose characters are ASCII, or non-ASCII
 * punctuation, symbols and spaces (separators for unicode61 in every Unicode version): tokens
 * are runs of [A-Za-z0-9], lower-cased, then stemmed by FTS5's Porter implementation
 * (ext/fts5/fts5_tokenize.c), which only stems tokens of 3 to 64 bytes. Any other text (letters
 * or digits outside ASCII, combining marks) is not handled here: the caller asks SQLite itself,
 * so the two never disagree.
 */

const MAX_TOKEN = 64;
/** A character this replica does not tokenize exactly like FTS5. */
const FOREIGN = /[^\x20-\x7e\t\n\r\f\v\p{P}\p{S}\p{Z}]/u;

/** True when countAsciiTokens tokenizes `text` exactly as FTS5 does. */
export function isAscii(text: string): boolean {
  return !FOREIGN.test(text);
}

/**
 * Adds the stemmed tokens of `text` (isAscii) to `counts` (and, in order, to `order`); returns
 * how many tokens it had. `stem` receives each token as written and returns its lower-case stem.
 */
export function countAsciiTokens(text: string, counts: Map<string, number>, stem: (token: string) => string, order?: string[]): number {
  let n = 0;
  let start = -1;
  const length = text.length;
  for (let i = 0; i <= length; i++) {
    const c = i < length ? text.charCodeAt(i) : 0;
    if ((c >= 97 && c <= 122) || (c >= 48 && c <= 57) || (c >= 65 && c <= 90)) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      const token = stem(text.slice(start, i));
      counts.set(token, (counts.get(token) ?? 0) + 1);
      order?.push(token);
      start = -1;
      n++;
    }
  }
  return n;
}

/** A memoised lower-case + stem: the vocabulary of a corpus is far smaller than its token count. */
export function cachedStemmer(limit = 200_000): (token: string) => string {
  const cache = new Map<string, string>();
  return (token: string): string => {
    let stemmed = cache.get(token);
    if (stemmed === undefined) {
      stemmed = porterStem(token.toLowerCase());
      if (cache.size >= limit) cache.clear();
      cache.set(token, stemmed);
    }
    return stemmed;
  };
}

function isVowel(c: string, yIsVowel: boolean): boolean {
  return c === 'a' || c === 'e' || c === 'i' || c === 'o' || c === 'u' || (yIsVowel && c === 'y');
}

/** Index just past the first vowel-consonant sequence of s[from, to), or 0 (fts5PorterGobbleVC). */
function gobbleVC(s: string, from: number, to: number, prevCons: boolean): number {
  let cons = prevCons;
  let i = from;
  for (; i < to; i++) {
    cons = !isVowel(s[i] as string, cons);
    if (!cons) break;
  }
  for (i++; i < to; i++) {
    cons = !isVowel(s[i] as string, cons);
    if (cons) return i + 1 - from;
  }
  return 0;
}

/** m > 0 over s[0, n). */
function mGt0(s: string, n: number): boolean {
  return gobbleVC(s, 0, n, false) !== 0;
}

function mGt1(s: string, n: number): boolean {
  const first = gobbleVC(s, 0, n, false);
  return first !== 0 && gobbleVC(s, first, n, true) !== 0;
}

function mEq1(s: string, n: number): boolean {
  const first = gobbleVC(s, 0, n, false);
  return first !== 0 && gobbleVC(s, first, n, true) === 0;
}

/** *o: the stem ends consonant-vowel-consonant, the last not w, x or y. */
function oStar(s: string, n: number): boolean {
  const last = s[n - 1];
  if (last === 'w' || last === 'x' || last === 'y') return false;
  let mask = 0;
  let cons = false;
  for (let i = 0; i < n; i++) {
    cons = !isVowel(s[i] as string, cons);
    mask = ((mask << 1) + (cons ? 1 : 0)) & 0xffff;
  }
  return (mask & 0x7) === 0x5;
}

/** *v*: the stem contains a vowel. */
function hasVowel(s: string, n: number): boolean {
  for (let i = 0; i < n; i++) if (isVowel(s[i] as string, i > 0)) return true;
  return false;
}

type Condition = (s: string, n: number) => boolean;
type Rule = readonly [suffix: string, replacement: string, condition: Condition];

const mGt1SorT: Condition = (s, n) => (s[n - 1] === 's' || s[n - 1] === 't') && mGt1(s, n);

// Steps 2-4 as generated in fts5_tokenize.c: rules keyed by the second-to-last letter, the
// first rule whose suffix matches is the only one tried.
const STEP2: Record<string, readonly Rule[]> = {
  a: [
    ['ational', 'ate', mGt0],
    ['tional', 'tion', mGt0],
  ],
  c: [
    ['enci', 'ence', mGt0],
    ['anci', 'ance', mGt0],
  ],
  e: [['izer', 'ize', mGt0]],
  g: [['logi', 'log', mGt0]],
  l: [
    ['bli', 'ble', mGt0],
    ['alli', 'al', mGt0],
    ['entli', 'ent', mGt0],
    ['eli', 'e', mGt0],
    ['ousli', 'ous', mGt0],
  ],
  o: [
    ['ization', 'ize', mGt0],
    ['ation', 'ate', mGt0],
    ['ator', 'ate', mGt0],
  ],
  s: [
    ['alism', 'al', mGt0],
    ['iveness', 'ive', mGt0],
    ['fulness', 'ful', mGt0],
    ['ousness', 'ous', mGt0],
  ],
  t: [
    ['aliti', 'al', mGt0],
    ['iviti', 'ive', mGt0],
    ['biliti', 'ble', mGt0],
  ],
};

const STEP3: Record<string, readonly Rule[]> = {
  a: [['ical', 'ic', mGt0]],
  s: [['ness', '', mGt0]],
  t: [
    ['icate', 'ic', mGt0],
    ['iciti', 'ic', mGt0],
  ],
  u: [['ful', '', mGt0]],
  v: [['ative', '', mGt0]],
  z: [['alize', 'al', mGt0]],
};

const STEP4: Record<string, readonly Rule[]> = {
  a: [['al', '', mGt1]],
  c: [
    ['ance', '', mGt1],
    ['ence', '', mGt1],
  ],
  e: [['er', '', mGt1]],
  i: [['ic', '', mGt1]],
  l: [
    ['able', '', mGt1],
    ['ible', '', mGt1],
  ],
  n: [
    ['ant', '', mGt1],
    ['ement', '', mGt1],
    ['ment', '', mGt1],
    ['ent', '', mGt1],
  ],
  o: [
    ['ion', '', mGt1SorT],
    ['ou', '', mGt1],
  ],
  s: [['ism', '', mGt1]],
  t: [
    ['ate', '', mGt1],
    ['iti', '', mGt1],
  ],
  u: [['ous', '', mGt1]],
  v: [['ive', '', mGt1]],
  z: [['ize', '', mGt1]],
};

function applyStep(s: string, table: Record<string, readonly Rule[]>): string {
  const rules = table[s[s.length - 2] ?? ''];
  if (!rules) return s;
  for (const [suffix, replacement, condition] of rules) {
    if (s.length > suffix.length && s.endsWith(suffix)) {
      const stem = s.length - suffix.length;
      return condition(s, stem) ? s.slice(0, stem) + replacement : s;
    }
  }
  return s;
}

/** FTS5's Porter stemmer on one lower-case ASCII token. */
export function porterStem(token: string): string {
  if (token.length > MAX_TOKEN || token.length < 3) return token;
  let s = token;
  // Step 1a.
  if (s.endsWith('s')) {
    const n = s.length;
    if (s[n - 2] === 'e') {
      s = (n > 4 && s[n - 4] === 's' && s[n - 3] === 's') || (n > 3 && s[n - 3] === 'i') ? s.slice(0, n - 2) : s.slice(0, n - 1);
    } else if (s[n - 2] !== 's') {
      s = s.slice(0, n - 1);
    }
  }
  // Step 1b.
  let step1b = false;
  const n1 = s.length;
  if (s[n1 - 2] === 'e') {
    if (n1 > 3 && s.endsWith('eed')) {
      if (mGt0(s, n1 - 3)) s = `${s.slice(0, n1 - 3)}ee`;
    } else if (n1 > 2 && s.endsWith('ed')) {
      if (hasVowel(s, n1 - 2)) {
        s = s.slice(0, n1 - 2);
        step1b = true;
      }
    }
  } else if (s[n1 - 2] === 'n') {
    if (n1 > 3 && s.endsWith('ing') && hasVowel(s, n1 - 3)) {
      s = s.slice(0, n1 - 3);
      step1b = true;
    }
  }
  if (step1b) {
    const n = s.length;
    const second = s[n - 2];
    let replaced = false;
    if (n > 2) {
      if (second === 'a' && s.endsWith('at')) replaced = true;
      else if (second === 'b' && s.endsWith('bl')) replaced = true;
      else if (second === 'i' && s.endsWith('iz')) replaced = true;
    }
    if (replaced) {
      s = `${s}e`;
    } else {
      const c = s[n - 1] as string;
      if (!isVowel(c, false) && c !== 'l' && c !== 's' && c !== 'z' && c === s[n - 2]) s = s.slice(0, n - 1);
      else if (mEq1(s, n) && oStar(s, n)) s = `${s}e`;
    }
  }
  // Step 1c.
  if (s.endsWith('y') && hasVowel(s, s.length - 1)) s = `${s.slice(0, -1)}i`;
  // Steps 2 to 4.
  s = applyStep(s, STEP2);
  s = applyStep(s, STEP3);
  s = applyStep(s, STEP4);
  // Step 5a.
  if (s.endsWith('e')) {
    const n = s.length - 1;
    if (mGt1(s, n) || (mEq1(s, n) && !oStar(s, n))) s = s.slice(0, n);
  }
  // Step 5b.
  if (s.length > 1 && s.endsWith('ll') && mGt1(s, s.length - 1)) s = s.slice(0, -1);
  return s;
}
