import type { TokenCounter } from '../retrieval/tokenizer.js';
import type { SummarizerV1, SummaryInput, SummaryOutput, SummarySentence } from '../spec/summarizer.js';
import { dot } from '../util/vector-math.js';
import { splitSentences, wordCount } from './sentences.js';

/** What the extractive summarizer needs from core: vectors (the service's embedder) and a token count. */
export interface SentenceEmbedder {
  embed(texts: readonly string[]): Promise<Float32Array[]>;
}

export interface ExtractiveOptions {
  /** MMR trade-off: 1 = centrality only, 0 = novelty only. */
  readonly lambda?: number;
  /** Sentences shorter than this many words are not candidates. */
  readonly minWords?: number;
  /** Sentences longer than this many tokens are clipped. */
  readonly maxSentenceTokens?: number;
}

interface Candidate {
  readonly text: string;
  readonly source: readonly string[];
  /** Order in the conversation: previous summary sentences first, then the turns. */
  readonly order: number;
  readonly tokens: number;
}

/**
 * The offline default: picks central, non-redundant sentences from the previous summary and
 * the new turns. Centrality is the cosine to the centroid of every candidate's vector; MMR
 * (maximal marginal relevance) penalises a sentence by its closest already chosen one; the
 * pick stops at the token budget (counted with the project tokenizer). Chosen sentences are
 * shown in conversation order, each prefixed with its speaker.
 */
export class ExtractiveSummarizer implements SummarizerV1 {
  readonly specificationVersion = 'v1' as const;
  readonly name = 'extractive';
  private readonly lambda: number;
  private readonly minWords: number;
  private readonly maxSentenceTokens: number;

  constructor(
    private readonly embedder: SentenceEmbedder,
    private readonly tokens: TokenCounter,
    options: ExtractiveOptions = {},
  ) {
    this.lambda = options.lambda ?? 0.7;
    this.minWords = options.minWords ?? 4;
    this.maxSentenceTokens = options.maxSentenceTokens ?? 80;
  }

  async summarize(input: SummaryInput): Promise<SummaryOutput> {
    const candidates = this.candidates(input);
    if (candidates.length === 0) return { text: '', sentences: [], source: [] };
    const vectors = await this.embedder.embed(candidates.map((c) => c.text));
    const centroid = normalise(mean(vectors));
    const centrality = vectors.map((v) => dot(v, centroid));
    const chosen: number[] = [];
    const closest = new Float64Array(candidates.length).fill(0);
    const left = new Set(candidates.keys());
    let used = 0;
    while (left.size > 0) {
      let best = -1;
      let bestScore = Number.NEGATIVE_INFINITY;
      for (const i of left) {
        const score = this.lambda * (centrality[i] as number) - (1 - this.lambda) * (closest[i] as number);
        if (score > bestScore) {
          bestScore = score;
          best = i;
        }
      }
      left.delete(best);
      const candidate = candidates[best] as Candidate;
      if (used + candidate.tokens > input.tokenBudget) continue;
      // A near-copy of a chosen sentence adds nothing.
      if ((closest[best] as number) >= 0.97) continue;
      used += candidate.tokens;
      chosen.push(best);
      const picked = vectors[best] as Float32Array;
      for (const i of left) closest[i] = Math.max(closest[i] as number, dot(vectors[i] as Float32Array, picked));
    }
    const sentences: SummarySentence[] = chosen
      .sort((a, b) => (candidates[a] as Candidate).order - (candidates[b] as Candidate).order)
      .map((i) => ({ text: (candidates[i] as Candidate).text, source: (candidates[i] as Candidate).source }));
    return {
      text: sentences.map((s) => s.text).join(' '),
      sentences,
      source: [...new Set(sentences.flatMap((s) => s.source))],
    };
  }

  private candidates(input: SummaryInput): Candidate[] {
    const out: Candidate[] = [];
    const seen = new Set<string>();
    const add = (text: string, source: readonly string[]): void => {
      const clipped = this.clip(text);
      const key = clipped.toLowerCase();
      if (seen.has(key)) return;
      seen.add(key);
      out.push({ text: clipped, source, order: out.length, tokens: this.tokens.count(clipped) + 1 });
    };
    for (const sentence of input.previous?.sentences ?? []) add(sentence.text, sentence.source);
    for (const turn of input.turns) {
      const speaker = turn.name ?? capitalise(turn.role);
      for (const sentence of splitSentences(turn.content)) {
        // The assistant's questions ("Do you want ferry suggestions?") carry nothing to remember.
        if (wordCount(sentence) < this.minWords || (turn.role !== 'user' && sentence.endsWith('?'))) continue;
        add(`${speaker}: ${sentence}`, [turn.id]);
      }
    }
    return out;
  }

  private clip(text: string): string {
    if (this.tokens.count(text) <= this.maxSentenceTokens) return text;
    const words = text.split(/\s+/);
    let end = words.length;
    while (end > 1 && this.tokens.count(`${words.slice(0, end).join(' ')}…`) > this.maxSentenceTokens) end = Math.floor(end * 0.8);
    return `${words.slice(0, end).join(' ')}…`;
  }
}

function capitalise(role: string): string {
  return role.charAt(0).toUpperCase() + role.slice(1);
}

function mean(vectors: readonly Float32Array[]): Float32Array {
  const out = new Float32Array((vectors[0] as Float32Array).length);
  for (const v of vectors) for (let d = 0; d < out.length; d++) out[d] = (out[d] as number) + (v[d] as number);
  return out;
}

function normalise(v: Float32Array): Float32Array {
  let norm = 0;
  for (let d = 0; d < v.length; d++) norm += (v[d] as number) ** 2;
  const inverse = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let d = 0; d < v.length; d++) v[d] = (v[d] as number) * inverse;
  return v;
}
