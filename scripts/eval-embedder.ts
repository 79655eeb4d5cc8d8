// Evidence-recall evaluation of the offline word-vector embedder on the scripted scenarios.
//
//   npx tsx scripts/eval-embedder.ts [--scenarios /work/shared/scenarios] [--asset-dir assets/wordvec/]
//                                    [--only default] [--categories]
//
// For each scenario: embed every message (`${role}: ${content}`, optionally with the previous
// message of the session as context), embed each question, rank the messages by cosine and
// score evidence recall@5/@10 and all-evidence@10 (mean over answerable questions). For the
// abstention questions (evidence []) it reports their top cosine next to the answerable
// questions' top and best-evidence cosines, to see whether a threshold can signal "nothing".
// BM25 and a BM25 + embedding rank fusion are printed as reference points.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import {
  createWordVectorEmbedder,
  type WordVectorEmbedder,
  type WordVectorEmbedderOptions,
} from '../src/embeddings/offline/word-vector-embedder.js';

interface Message {
  readonly id: string;
  readonly role: string;
  readonly content: string;
  readonly name?: string;
}
interface Question {
  readonly question: string;
  readonly category: string;
  readonly evidence: readonly string[];
}
interface Scenario {
  readonly id: string;
  readonly sessions: readonly { readonly messages: readonly Message[] }[];
  readonly questions: readonly Question[];
}
interface Scored {
  readonly id: string;
  readonly score: number;
}
/** Indexes one scenario's messages; returns a function ranking them for a question. */
type Ranker = (scenario: Scenario) => (question: string) => Scored[];

/** How a message's text is built: alone, or with the previous message of its session. */
type Context = 'none' | 'prev-concat' | 'prev-mix';
interface Variant {
  readonly label: string;
  readonly options: WordVectorEmbedderOptions;
  readonly context?: Context;
  /** Embed `${role}: ${content}` (default) or the content alone. */
  readonly text?: 'role' | 'content';
  /** A reference ranker whose scores are not cosines. */
  readonly reference?: 'bm25' | 'rrf';
}

const { values: args } = parseArgs({
  options: {
    scenarios: { type: 'string', default: '/work/shared/scenarios' },
    'asset-dir': { type: 'string' },
    only: { type: 'string' },
    categories: { type: 'boolean', default: false },
  },
});
const assetOptions: WordVectorEmbedderOptions =
  args['asset-dir'] === undefined ? {} : { assetDir: pathToFileURL(`${resolve(args['asset-dir'])}/`) };

const STOP_WORDS = (
  'the of to and in for that on is was with he as it by at from his an be has are have but were not this who ' +
  'they had which will their or its we would been also she her you if no can do so them what him may could ' +
  'should how my me our your am did does when where why there these those than then into about up out any ' +
  'some all just very more most such only own same too being here us whom whose while each both few other ' +
  'over under again further once during before after above below off'
).split(' ');
const MEAN: WordVectorEmbedderOptions = {
  weighting: 'mean',
  removeCommonComponent: false,
  oovWeight: 0,
  numberWeight: 0,
  probabilityOverrides: {},
};
const one = (label: string, options: WordVectorEmbedderOptions, context: Context = 'none'): Variant => ({
  label,
  options,
  context,
});
// Each row changes one thing from the default unless it says otherwise.
const VARIANTS: Variant[] = [
  one('plain mean, known words only', MEAN),
  one('plain mean + OOV/number hashing', { ...MEAN, oovWeight: 1, numberWeight: 0.25 }),
  one('SIF only (no CC, no OOV, no role prior)', { ...MEAN, weighting: 'sif' }),
  one('SIF + CC (no OOV, no role prior)', { ...MEAN, weighting: 'sif', removeCommonComponent: true }),
  one('default without CC removal', { removeCommonComponent: false }),
  one('default without OOV hashing (words)', { oovWeight: 0 }),
  one('default, numbers dropped', { numberWeight: 0 }),
  one('default, numbers weight 1', { numberWeight: 1 }),
  one('default without compound tokens', { compounds: false }),
  one('default without role prior', { probabilityOverrides: {} }),
  one('default + stop-word list', { stopWords: STOP_WORDS }),
  one('default, unit-normalised word vectors', { unitWordVectors: true }),
  ...[1e-2, 1e-3, 3e-4, 3e-5, 1e-5].map((sifA) => one(`default, a=${sifA}`, { sifA })),
  { ...one('default, message content only (no role prefix)', {}), text: 'content' },
  one('plain mean + previous message (concat)', MEAN, 'prev-concat'),
  one('default + previous message (concat)', {}, 'prev-concat'),
  one('default + previous message (vector mix 0.5)', {}, 'prev-mix'),
  { label: 'reference: BM25 (k1 1.2, b 0.75) on the same tokens', options: {}, reference: 'bm25' },
  { label: 'reference: RRF(default, BM25), k 60', options: {}, reference: 'rrf' },
  one('default', {}),
];

const scenarioDir = args.scenarios;
const scenarios: Scenario[] = readdirSync(scenarioDir)
  .filter((file) => file.endsWith('.json'))
  .sort()
  .map((file) => JSON.parse(readFileSync(join(scenarioDir, file), 'utf8')) as Scenario);

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += (a[i] ?? 0) * (b[i] ?? 0);
  return sum;
}

function mix(a: Float32Array, b: Float32Array, weight: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let i = 0; i < a.length; i++) out[i] = (a[i] ?? 0) + weight * (b[i] ?? 0);
  const norm = Math.sqrt(dot(out, out)) || 1;
  for (let i = 0; i < a.length; i++) out[i] = (out[i] ?? 0) / norm;
  return out;
}

function messageText(m: Message, mode: 'role' | 'content' = 'role'): string {
  return mode === 'content' ? m.content : `${m.name ?? m.role}: ${m.content}`;
}

const byScore = (a: Scored, b: Scored): number => b.score - a.score;

function embeddingRanker(embedder: WordVectorEmbedder, variant: Variant): Ranker {
  return (scenario) => {
    const vectors: { id: string; vector: Float32Array }[] = [];
    for (const session of scenario.sessions) {
      session.messages.forEach((message, index) => {
        const previous = index > 0 ? session.messages[index - 1] : undefined;
        const own = messageText(message, variant.text);
        let vector: Float32Array;
        if (previous === undefined || (variant.context ?? 'none') === 'none') vector = embedder.embedText(own);
        else if (variant.context === 'prev-concat') {
          vector = embedder.embedText(`${messageText(previous, variant.text)}\n${own}`);
        } else vector = mix(embedder.embedText(own), embedder.embedText(messageText(previous, variant.text)), 0.5);
        vectors.push({ id: message.id, vector });
      });
    }
    return (question) => {
      const q = embedder.embedText(question);
      return vectors.map(({ id, vector }) => ({ id, score: dot(q, vector) })).sort(byScore);
    };
  };
}

function bm25Ranker(embedder: WordVectorEmbedder): Ranker {
  return (scenario) => {
    const docs = scenario.sessions.flatMap((s) => s.messages).map((m) => ({ id: m.id, tokens: embedder.tokenize(m.content) }));
    const df = new Map<string, number>();
    for (const doc of docs) for (const t of new Set(doc.tokens)) df.set(t, (df.get(t) ?? 0) + 1);
    const avgLength = docs.reduce((s, d) => s + d.tokens.length, 0) / docs.length;
    return (question) => {
      const terms = new Set(embedder.tokenize(question));
      return docs
        .map((doc) => {
          let score = 0;
          for (const term of terms) {
            const tf = doc.tokens.filter((t) => t === term).length;
            if (tf === 0) continue;
            const n = df.get(term) ?? 0;
            const idf = Math.log(1 + (docs.length - n + 0.5) / (n + 0.5));
            score += (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * doc.tokens.length) / avgLength));
          }
          return { id: doc.id, score };
        })
        .sort(byScore);
    };
  };
}

function rrfRanker(rankers: readonly Ranker[], k = 60): Ranker {
  return (scenario) => {
    const indexed = rankers.map((ranker) => ranker(scenario));
    return (question) => {
      const fused = new Map<string, number>();
      for (const rank of indexed) {
        rank(question).forEach(({ id }, i) => {
          fused.set(id, (fused.get(id) ?? 0) + 1 / (k + i + 1));
        });
      }
      return [...fused].map(([id, score]) => ({ id, score })).sort(byScore);
    };
  };
}

interface QuestionResult {
  readonly category: string;
  readonly recall5: number;
  readonly recall10: number;
  readonly all10: boolean;
  readonly top: number;
  readonly bestEvidence: number;
}
interface VariantResult {
  readonly answerable: QuestionResult[];
  readonly abstentionTops: number[];
}

function evaluate(ranker: Ranker): VariantResult {
  const answerable: QuestionResult[] = [];
  const abstentionTops: number[] = [];
  for (const scenario of scenarios) {
    const rank = ranker(scenario);
    for (const question of scenario.questions) {
      const ranked = rank(question.question);
      const top = ranked[0]?.score ?? 0;
      if (question.evidence.length === 0) {
        abstentionTops.push(top);
        continue;
      }
      const hits = (k: number): number => {
        const ids = new Set(ranked.slice(0, k).map((r) => r.id));
        return question.evidence.filter((id) => ids.has(id)).length;
      };
      const evidenceScores = ranked.filter((r) => question.evidence.includes(r.id)).map((r) => r.score);
      answerable.push({
        category: question.category,
        recall5: hits(5) / question.evidence.length,
        recall10: hits(10) / question.evidence.length,
        all10: hits(10) === question.evidence.length,
        top,
        bestEvidence: Math.max(...evidenceScores),
      });
    }
  }
  return { answerable, abstentionTops };
}

const mean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / Math.max(xs.length, 1);
const pct = (x: number): string => (100 * x).toFixed(1);
const f2 = (x: number): string => x.toFixed(2);

/** The top-score threshold that best separates abstention from answerable questions (balanced accuracy). */
function bestThreshold(result: VariantResult): { threshold: number; balancedAccuracy: number } {
  const tops = result.answerable.map((r) => r.top);
  let best = { threshold: 0, balancedAccuracy: 0 };
  for (const threshold of [...tops, ...result.abstentionTops].map((x) => x + 1e-6)) {
    const answered = mean(tops.map((t) => (t >= threshold ? 1 : 0)));
    const abstained = mean(result.abstentionTops.map((t) => (t < threshold ? 1 : 0)));
    const balancedAccuracy = (answered + abstained) / 2;
    if (balancedAccuracy > best.balancedAccuracy) best = { threshold, balancedAccuracy };
  }
  return best;
}

function rankerFor(variant: Variant): Ranker {
  const embedder = createWordVectorEmbedder({ ...assetOptions, ...variant.options });
  if (variant.reference === 'bm25') return bm25Ranker(embedder);
  if (variant.reference === 'rrf') return rrfRanker([embeddingRanker(embedder, variant), bm25Ranker(embedder)]);
  return embeddingRanker(embedder, variant);
}

const selected = args.only === undefined ? VARIANTS : VARIANTS.filter((v) => v.label === args.only);
const questionCount = scenarios.reduce((s, x) => s + x.questions.length, 0);
console.log(`${scenarios.length} scenarios, ${questionCount} questions\n`);
console.log(
  '| variant | R@5 | R@10 | all@10 | abstention top cos (mean / max) | answerable top cos (mean / min) ' +
    '| best-evidence cos (mean) | best threshold: balanced acc. |',
);
console.log('|---|---|---|---|---|---|---|---|');
for (const variant of selected) {
  const result = evaluate(rankerFor(variant));
  const { answerable: a, abstentionTops: abst } = result;
  const recall = `${pct(mean(a.map((r) => r.recall5)))} | ${pct(mean(a.map((r) => r.recall10)))} | ${pct(mean(a.map((r) => (r.all10 ? 1 : 0))))}`;
  const sep = bestThreshold(result);
  const scores =
    variant.reference === undefined
      ? `${f2(mean(abst))} / ${f2(Math.max(...abst))} | ${f2(mean(a.map((r) => r.top)))} / ` +
        `${f2(Math.min(...a.map((r) => r.top)))} | ${f2(mean(a.map((r) => r.bestEvidence)))} | ` +
        `${pct(sep.balancedAccuracy)}% at ${f2(sep.threshold)}`
      : 'n/a | n/a | n/a | n/a';
  console.log(`| ${variant.label} | ${recall} | ${scores} |`);
  if (args.categories) {
    for (const category of [...new Set(a.map((r) => r.category))].sort()) {
      const rows = a.filter((r) => r.category === category);
      console.log(
        `| · ${category} (${rows.length}) | ${pct(mean(rows.map((r) => r.recall5)))} | ` +
          `${pct(mean(rows.map((r) => r.recall10)))} | ${pct(mean(rows.map((r) => (r.all10 ? 1 : 0))))} | | | | |`,
      );
    }
  }
}
