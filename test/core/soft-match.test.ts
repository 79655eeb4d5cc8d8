import { describe, expect, it } from 'vitest';
import { loadWordVectorTable } from '../../src/embeddings/offline/word-vector-table.js';
import { defaultSoftMatcher } from '../../src/retrieval/soft-match.js';
import { dot } from '../../src/util/vector-math.js';
import { seededRandom } from '../helpers/seeded-random.js';

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

describe('soft match and speaker labels', () => {
  const matcher = defaultSoftMatcher();

  it('does not count the role labels core writes before neighbourhood lines, and counts a speaker name', () => {
    const query = matcher.prepare("What is the user's favourite wine?");
    expect(query.words).toEqual(['favourite', 'wine']);
    // The labels add nothing: the same lines without them score the same, and a query of labels alone has no words.
    const question = matcher.prepare('what did the user and the assistant say about the harbour');
    expect(question.words).toEqual(['say', 'harbour']);
    expect(matcher.scoreWithContext(question, 'nothing', 'user: I love the harbour\nassistant: noted', 0.8)).toBe(
      matcher.scoreWithContext(question, 'nothing', 'I love the harbour\nnoted', 0.8),
    );
    expect(matcher.prepare('the user and the assistant').words).toEqual([]);
    expect(matcher.score(matcher.prepare('what did Ada recommend'), 'Ada: try the harbour cafe')).toBeGreaterThan(0.4);
  });
});

describe('soft match word splitting', () => {
  const matcher = defaultSoftMatcher();

  it('splits ASCII text (by char codes) into the same words as the Unicode regex', () => {
    // A non-ASCII letter anywhere sends the whole text through the regex; a single letter is no
    // content word, so appending one changes which splitter runs and nothing else.
    const texts = [
      "Biscuit's vet said don't, won't; it's 9am at gate 12B's desk",
      "rock'n'roll o'clock's a'1 b' 'c d''e 42's x's it'",
      'email: ANNA.SMITH@example.com, call 555-0199 (ext.7); v2.0_beta/rc1',
      "THE DOCTOR'S NOTE: physician appointments moved to 3pm",
      "trailing apostrophe dogs' tails, and a lone ' here",
    ];
    for (const question of ['What did the doctor say about the appointment?', "Biscuit's vet at 9am", 'rock roll clock gate desk']) {
      const query = matcher.prepare(question);
      for (const text of texts) {
        expect(matcher.score(query, text), text).toBe(matcher.score(query, `${text} é`));
        expect(matcher.scoreWithContext(query, text, texts[0] ?? '', 0.8)).toBe(
          matcher.scoreWithContext(query, `${text} é`, `${texts[0]} é`, 0.8),
        );
      }
    }
  });

  it('splits a text once for all queries: scores equal those of a text never seen, and contentWords hands out copies', () => {
    const text = "Biscuit's vet moved the appointment; the physician's note is at the desk";
    const long = `${'filler words only '.repeat(300)}${text}`;
    const first = matcher.contentWords(text);
    first.push('mutated');
    expect(matcher.contentWords(text)).not.toContain('mutated');
    for (const question of ['When is the vet appointment?', 'what did the doctor write', 'desk']) {
      const seen = matcher.score(matcher.prepare(question), text);
      expect(matcher.score(matcher.prepare(question), text)).toBe(seen);
      // A fresh string of the same text (not the memoised key object), and one too long to memoise.
      expect(matcher.score(matcher.prepare(question), `${text} `.trimEnd())).toBe(seen);
      expect(matcher.score(matcher.prepare(question), long)).toBe(matcher.score(matcher.prepare(question), `filler words only ${text}`));
    }
  });

  it('memoises a word that resembles no query word as null, a related one with its similarities (by vocabulary row)', () => {
    const rows = loadWordVectorTable().rows;
    const query = matcher.prepare('doctor appointment');
    matcher.score(query, 'the physician saw zebras');
    // Stop words leave with the text's split (memoised per text): the query's memo never sees them.
    expect(query.rowMemo.has(rows.get('the') as number)).toBe(false);
    expect(query.rowMemo.get(rows.get('zebras') as number)).toBeNull();
    const physician = query.rowMemo.get(rows.get('physician') as number);
    expect(physician?.[0]).toBeGreaterThan(0);
  });
});

describe('soft match against a reference (words as strings, row vectors normalised before each dot product)', () => {
  const matcher = defaultSoftMatcher();
  const table = loadWordVectorTable();
  const unit = (word: string): Float32Array | null => {
    const row = table.rows.get(word);
    if (row === undefined) return null;
    const dims = table.dimensions;
    const out = new Float32Array(dims);
    let norm = 0;
    for (let d = 0; d < dims; d++) {
      out[d] = table.vectors[row * dims + d] as number;
      norm += (out[d] as number) ** 2;
    }
    const inverse = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let d = 0; d < dims; d++) out[d] = (out[d] as number) * inverse;
    return out;
  };
  /** The soft match as the module described it before texts were scanned by vocabulary row. */
  const reference = (question: string, text: string): number => {
    const query = matcher.prepare(question);
    if (query.totalWeight === 0) return 0;
    const best = new Float32Array(query.words.length);
    for (const word of matcher.contentWords(text)) {
      const vector = unit(word);
      query.words.forEach((queryWord, i) => {
        let sim = 0;
        if (queryWord === word) sim = 1;
        else {
          const other = unit(queryWord);
          if (vector && other) {
            const cos = dot(vector, other);
            if (cos > 0.35) sim = (cos - 0.35) / (1 - 0.35);
          }
        }
        if (Math.fround(sim) > (best[i] as number)) best[i] = sim;
      });
    }
    let covered = 0;
    best.forEach((value, i) => {
      covered += (query.weights[i] as number) * value;
    });
    return covered / query.totalWeight;
  };

  // The matcher sums a row's int8 values against float32 unit query vectors and scales by the
  // row's inverse norm; the reference normalises the row first: the same cosines to float32
  // rounding, so scores agree to 1e-6 (and every word that counts, counts in both).
  it('gives the same scores (to float32 rounding) on random texts of vocabulary words, stop words, names, possessives, digits and non-ASCII words', () => {
    const pool = [
      ...['doctor', 'physician', 'appointment', 'vet', 'dog', 'beagle', 'ferry', 'harbour', 'budget', 'rent', 'flat'],
      ...['the', 'and', 'of', 'what', 'when', 'it', 'is', 'a', 'I', 'was', "don't", "won't", "it's"],
      ...['Biscuit', 'Zanzibar', 'Kib-Tek', 'zqxv12', 'harbor-dispatch', 'ANNA', 'NodeJS', 'x', 'b'],
      ...["Biscuit's", "doctor's", "dogs'", "rock'n'roll", "o'clock", '9am', '12B', '555-0199', '2026', 'v2.0_beta'],
      ...['café', 'naïve', 'Flåm', '東京', 'Balık', 'İstanbul', '’s', 'doctor’s'],
      ...[',', '.', ';', '?', '!', '(', ')', ':', '/', "'", '"', '-', '\n'],
    ];
    for (let seed = 1; seed <= 60; seed++) {
      const next = seededRandom(seed);
      const words = (n: number): string =>
        Array.from({ length: n }, () => pool[Math.floor(next() * pool.length)] as string).join(next() < 0.5 ? ' ' : '');
      const question = words(2 + Math.floor(next() * 6));
      for (let t = 0; t < 20; t++) {
        const text = words(Math.floor(next() * 25));
        expect(matcher.score(matcher.prepare(question), text), `${question} | ${text}`).toBeCloseTo(reference(question, text), 6);
      }
    }
  });
});

describe('soft match from stored words (SoftMatcher.encode)', () => {
  const matcher = defaultSoftMatcher();
  const pool = [
    ...['doctor', 'physician', 'appointment', 'vet', 'dog', 'beagle', 'ferry', 'harbour', 'budget', 'rent', 'flat'],
    ...['the', 'and', 'of', 'what', 'when', 'it', 'is', 'a', 'I', 'was', "don't", "won't", "it's"],
    ...['Biscuit', 'Zanzibar', 'Kib-Tek', 'zqxv12', 'harbor-dispatch', 'ANNA', 'NodeJS', 'x', 'b', 'Tomás', 'Zoë'],
    ...["Biscuit's", "doctor's", "dogs'", "rock'n'roll", "o'clock", '9am', '12B', '555-0199', '2026', 'v2.0_beta'],
    ...['café', 'naïve', 'Flåm', '東京', 'Balık', 'İstanbul', '’s', 'doctor’s', 'zqxvw', 'qwertyuiop'],
    ...[',', '.', ';', '?', '!', '(', ')', ':', '/', "'", '"', '-', '\n'],
  ];
  const random = (seed: number) => {
    const next = seededRandom(seed);
    return (n: number): string =>
      Array.from({ length: n }, () => pool[Math.floor(next() * pool.length)] as string).join(next() < 0.5 ? ' ' : '');
  };

  it('scores exactly as scanning the texts, for the text, the context and their blend (names and odd-length unknown words too)', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const words = random(seed);
      const question = words(2 + (seed % 6));
      for (let t = 0; t < 15; t++) {
        const text = words(t * 2);
        const context = t % 3 === 0 ? null : words(t + 3);
        const stored = { text: matcher.encode(text), context: matcher.encode(context) };
        const scanned = matcher.scoreWithContext(matcher.prepare(question), text, context, 0.8);
        expect(matcher.scoreWithContext(matcher.prepare(question), text, context, 0.8, stored), `${question} | ${text} | ${context}`).toBe(
          scanned,
        );
      }
    }
  });

  it('the query word that only a stored unknown word matches scores 1 for it, and a word of another length or letters does not', () => {
    const query = matcher.prepare('zqxvw qwertyuiop');
    expect(query.unknown).toEqual([0, 1]);
    const score = (text: string): number => matcher.scoreWithContext(query, text, null, 0.8, { text: matcher.encode(text), context: null });
    expect(score('met zqxvw today')).toBeCloseTo(0.5, 6);
    expect(score('zqxvw and qwertyuiop')).toBeCloseTo(1, 6);
    expect(score('zqxv zqxvwz qwertyuiox')).toBe(0);
  });

  it("encodes a + '\\n' + b as a's words then b's: a store appends a context line's words to the stored ones", () => {
    for (let seed = 100; seed <= 140; seed++) {
      const words = random(seed);
      const question = words(4);
      const a = words(8);
      const b = words(6);
      const joined = Buffer.concat([matcher.encode(a) ?? Buffer.alloc(0), matcher.encode(b) ?? Buffer.alloc(0)]);
      const scanned = matcher.scoreWithContext(matcher.prepare(question), 'x', `${a}\n${b}`, 1);
      expect(matcher.scoreWithContext(matcher.prepare(question), 'x', `${a}\n${b}`, 1, { text: null, context: joined })).toBe(scanned);
    }
  });

  it('reads stored words at any byte offset (a blob inside a larger buffer), and encodes no text as null', () => {
    const text = 'the physician moved the Zanzibar ferry appointment';
    const encoded = matcher.encode(text) as Buffer;
    const shifted = Buffer.alloc(encoded.length + 3);
    encoded.copy(shifted, 3);
    const query = matcher.prepare('doctor ferry zanzibar');
    expect(matcher.scoreWithContext(query, text, null, 0.8, { text: shifted.subarray(3), context: null })).toBe(matcher.score(query, text));
    expect(matcher.encode(null)).toBeNull();
    expect(matcher.encode('')).toBeNull();
    expect(matcher.encode('the and of')?.length).toBe(0);
    expect(matcher.encodingFingerprint).toMatch(/^[0-9a-f]{16}$/);
  });
});
