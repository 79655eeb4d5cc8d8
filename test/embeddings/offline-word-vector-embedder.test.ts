import { describe, expect, it } from 'vitest';
import { tokenizeWords } from '../../src/embeddings/offline/tokenize-words.js';
import { createWordVectorEmbedder, tokenize, wordVector } from '../../src/embeddings/offline/word-vector-embedder.js';
import { readWordVectorManifest } from '../../src/embeddings/offline/word-vector-table.js';
import { StrataError } from '../../src/errors/strata-error.js';
import { embeddingModelId } from '../../src/spec/embedding-model.js';

// Runs against the committed asset in assets/wordvec/: no mocks.
const embedder = createWordVectorEmbedder();

function cosine(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}

function norm(v: Float32Array): number {
  return Math.sqrt(cosine(v, v));
}

async function embedOne(text: string): Promise<Float32Array> {
  const [vector] = await embedder.embed([text]);
  if (vector === undefined) throw new Error('no vector');
  return vector;
}

describe('WordVectorEmbedder', () => {
  it('declares its identity and limits', () => {
    expect(embedder.specificationVersion).toBe('v1');
    expect(embedder.provider).toBe('offline');
    expect(embedder.modelName).toBe('strata-wordvec-sif');
    expect(embedder.dimensions).toBe(100);
    expect(embedder.maxEmbeddingsPerCall).toBeGreaterThanOrEqual(64);
    const { assetHash } = readWordVectorManifest();
    expect(embedder.modelVersion).toContain(assetHash.slice(0, 12));
    const ref = { name: embedder.modelName, version: embedder.modelVersion, dims: embedder.dimensions };
    expect(embeddingModelId(ref)).toMatch(/^strata-wordvec-sif@.+\/100$/);
  });

  it('changes its version when its settings change', () => {
    expect(createWordVectorEmbedder({ sifA: 1e-3 }).modelVersion).not.toBe(embedder.modelVersion);
    expect(createWordVectorEmbedder().modelVersion).toBe(embedder.modelVersion);
  });

  it('returns unit-length vectors of the declared dimensions with no NaN', async () => {
    const texts = [
      'user: My dog Biscuit is a beagle and he hates the rain.',
      'assistant: Noted — I will look for pet-friendly flats near the harbour.',
      'Set GEOCODER_CACHE_TTL_MS to 600000 in docs/config.md (#482).',
      'İzmir, Kadıköy, café, naïve — 24.99% of $22,800 on March 2nd',
      'x'.repeat(10_000),
      '🙂🙂🙂',
    ];
    for (const vector of await embedder.embed(texts)) {
      expect(vector).toBeInstanceOf(Float32Array);
      expect(vector.length).toBe(100);
      expect(vector.every(Number.isFinite)).toBe(true);
      expect(norm(vector)).toBeCloseTo(1, 5);
    }
  });

  it('is deterministic across calls and instances', async () => {
    const text = 'We moved the minimum supported runtime to Node 22 last week.';
    const first = await embedOne(text);
    const second = await embedOne(text);
    const other = createWordVectorEmbedder().embedText(text);
    expect(Array.from(second)).toEqual(Array.from(first));
    expect(Array.from(other)).toEqual(Array.from(first));
  });

  it('scores a paraphrase above an unrelated sentence', async () => {
    const beagle = await embedOne('my dog Biscuit is a beagle');
    const pet = await embedOne("the user's pet");
    const tax = await embedOne('the quarterly tax report is due');
    expect(cosine(beagle, pet)).toBeGreaterThan(cosine(beagle, tax) + 0.3);

    const evidence = await embedOne('user: my dog Biscuit is a beagle');
    const question = await embedOne("What kind of animal is the user's pet?");
    const unrelated = await embedOne('user: the quarterly VAT return is due at the end of the month');
    expect(cosine(question, evidence)).toBeGreaterThan(cosine(question, unrelated) + 0.1);

    const allergy = await embedOne("user: I'm allergic to tree nuts, especially pistachios and cashews.");
    const warn = await embedOne('What must a restaurant be warned about before this user eats there?');
    const booking = await embedOne('assistant: Your train to Bergen leaves at 08:25 from platform 4.');
    expect(cosine(warn, allergy)).toBeGreaterThan(cosine(warn, booking));
  });

  it('makes texts sharing an unknown identifier similar', async () => {
    const added = await embedOne('I added `GEOCODER_CACHE_TTL_MS` with a default of 600000.');
    const asked = await embedOne('Where is GEOCODER_CACHE_TTL_MS documented?');
    const other = await embedOne('Where is the retry policy documented?');
    expect(cosine(asked, added)).toBeGreaterThan(cosine(other, added) + 0.2);

    const name = await embedOne('Our contact at the agency is Zeynepgül Oktaybek.');
    expect(cosine(await embedOne('Who is Oktaybek?'), name)).toBeGreaterThan(cosine(await embedOne('Who is the landlord?'), name));
  });

  it('embeds empty and token-free text to one fixed unit vector', async () => {
    const vectors = await embedder.embed(['', '   ', '?!', 'a I', '— … —']);
    const first = vectors[0];
    if (first === undefined) throw new Error('no vector');
    expect(norm(first)).toBeCloseTo(1, 5);
    expect(first.every(Number.isFinite)).toBe(true);
    for (const vector of vectors) expect(Array.from(vector)).toEqual(Array.from(first));
    // It is the removed common component, so it is orthogonal to every real embedding.
    expect(Math.abs(cosine(first, await embedOne('the flat has two bedrooms')))).toBeLessThan(1e-5);
  });

  it('returns vectors in input order and handles large batches', async () => {
    const texts = Array.from({ length: 300 }, (_, i) => `message ${i} about topic ${i % 7 === 0 ? 'cats' : 'tax'}`);
    const batch = await embedder.embed(texts);
    expect(batch).toHaveLength(texts.length);
    for (const i of [0, 1, 150, 299]) {
      expect(Array.from(batch[i] ?? [])).toEqual(Array.from(embedder.embedText(texts[i] ?? '')));
    }
    expect(await embedder.embed([])).toEqual([]);
  });

  it('rejects invalid settings', () => {
    expect(() => createWordVectorEmbedder({ sifA: 0 })).toThrow(StrataError);
    expect(() => createWordVectorEmbedder({ oovWeight: -1 })).toThrow(StrataError);
  });

  it('rejects oversized batches and honours an aborted signal', async () => {
    const small = createWordVectorEmbedder({ maxEmbeddingsPerCall: 2 });
    await expect(small.embed(['a', 'b', 'c'])).rejects.toSatisfy((e) => StrataError.is(e, 'INVALID_INPUT'));
    const controller = new AbortController();
    controller.abort();
    await expect(embedder.embed(['hello'], { signal: controller.signal })).rejects.toThrow();
  });
});

describe('tokenize and wordVector', () => {
  it('lowercases, expands contractions and drops possessives', () => {
    expect(tokenize("The user's dog DOESN'T bark; they're fine, I'm sure")).toEqual([
      'the',
      'user',
      'dog',
      'does',
      'not',
      'bark',
      'they',
      'are',
      'fine',
      'am',
      'sure',
    ]);
    expect(tokenize("won't can't")).toEqual(['will', 'not', 'can', 'not']);
  });

  it('splits identifiers into parts and keeps the unknown whole', () => {
    expect(tokenize('GEOCODER_CACHE_TTL_MS')).toEqual(['geocoder', 'cache', 'ttl', 'ms', 'geocoder_cache_ttl_ms']);
    expect(tokenize('parseHTTPResponse')).toEqual(['parse', 'http', 'response', 'parsehttpresponse']);
    expect(tokenize('e-mail nut-free')).toEqual(['e-mail', 'nut', 'free', 'nut-free']);
    expect(tokenizeWords('snake_case', { compounds: false })).toEqual(['snake', 'case']);
  });

  it('normalises numbers', () => {
    expect(tokenize('$22,800 at 24.99% on the 2nd')).toEqual(['22800', 'at', '24.99', 'on', 'the', '2']);
    expect(tokenizeWords('node 22', { numbers: 'drop' })).toEqual(['node']);
  });

  it('gives unit word vectors where similar words are close', () => {
    const dog = wordVector('Dog');
    const puppy = wordVector('puppy');
    const invoice = wordVector('invoice');
    if (dog === undefined || puppy === undefined || invoice === undefined) throw new Error('missing word');
    expect(norm(dog)).toBeCloseTo(1, 5);
    expect(cosine(dog, puppy)).toBeGreaterThan(cosine(dog, invoice) + 0.3);
    expect(wordVector('geocoder')).toBeUndefined();
  });
});
