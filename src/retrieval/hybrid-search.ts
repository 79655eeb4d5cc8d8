import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Embedder } from '../embeddings/embedder.js';
import type { MemoryFilter, MemoryStoreV1, StoredWords } from '../spec/memory-store.js';
import type { MemoryRecord } from '../spec/records.js';
import { expectedAnswerType, holdsAnswerType } from './answer-type.js';
import { type FeedbackSettings, feedbackTerms } from './feedback-terms.js';
import { type FusedCandidate, type FusionMethod, fuse } from './fusion.js';
import { mmrOrder } from './mmr.js';
import { expandNeighbours, type NeighbourSettings } from './neighbour-expansion.js';
import { asksForPresentState, statesChange } from './present-cue.js';
import { queryTerms } from './query-terms.js';
import { defaultSoftMatcher } from './soft-match.js';

export type SearchMode = 'hybrid' | 'keyword' | 'vector';

export interface RetrievalSettings {
  readonly fusion: FusionMethod;
  readonly keywordWeight: number;
  readonly rrfK: number;
  /** Candidates fetched from each signal per result wanted (at least `minCandidates`). */
  readonly candidateMultiplier: number;
  readonly minCandidates: number;
  /**
   * Vector candidates fetched at least (keyword candidates stay at `minCandidates`). A paraphrase
   * that shares no word with the question ("practice exams" for "mocks") enters the pool only
   * through the vector list, where the sentence vector often ranks it low (cosine -0.02 for that
   * one); the soft match then lifts it, but only if it is a candidate. Tried on half the
   * scenarios (75: 0, 100: +2.0 points recall@10, 150: +2.0), checked on the other half (+2.8 at
   * 100) and on the merged halves (A 0 / B +4.0 recall@10, recall@5 +1.0 / +2.8). Cost at 100k
   * memories: about +2 ms CPU a search (8.4 -> 10.5 ms, four alternating pairs); 50 (the keyword
   * depth) when latency matters more.
   */
  readonly minVectorCandidates: number;
  /** Half-life of the recency signal, in days. */
  readonly recencyHalfLifeDays: number;
  readonly recencyWeight: number;
  /** Recency weight instead of `recencyWeight` when the query asks for the present state (see present-cue.ts). */
  readonly presentRecencyWeight: number;
  /**
   * Added, when the query asks for the present state, to the memories that state a change
   * ("instead", "now", "moved", "raising"; see present-cue.ts): the new value is usually said
   * as a change, the old one plainly. Tried on half the scenarios (0.4-0.8 alike, 0.3 and 1.2
   * worse), checked on the other half: recall@10 +2.0 / +2.8 points, recall@5 +2.9 / +5.6.
   */
  readonly changeCueWeight: number;
  readonly importanceWeight: number;
  /**
   * Added when the question asks for a kind of answer (a date, a weekday, an amount) that the
   * memory holds (see answer-type.ts); 0 is off. Tried on half the scenarios (0.05-0.2 alike,
   * 0.25 worse: recall@10 +1.0 point), checked on the other half: 0 at 0.1 (+1.9 at 0.15-0.2).
   */
  readonly answerTypeWeight: number;
  /** Weight of the word-level soft-match signal (see soft-match.ts) beside the fused score. */
  readonly softMatchWeight: number;
  /** Weight of the previous-turn context in soft matching, relative to the memory's own text. */
  readonly contextSoftWeight: number;
  /** Neighbouring turns of the top hits share their score (see neighbour-expansion.ts). Off by default (`from: 0`): on the scenarios it moved recall@10 by +1 point and containment by -1, within noise. */
  readonly neighbours: NeighbourSettings;
  /**
   * Pseudo-relevance feedback (see feedback-terms.ts); `terms: 0` is off. Measured on half the
   * scenarios (weights 0.3-0.6 within one question of each other), checked on the other half
   * (with the default turn chunks): recall@10 +2.0 / +2.7 points, recall@5 +5.9 / +1.8.
   */
  readonly feedback: FeedbackSettings;
  /** A result counts as relevant (for abstention) when its relevance is at least this. */
  readonly relevanceThreshold: number;
  /**
   * MMR lambda a search uses when the request does not say (`mmr: false` turns it off); null:
   * none. Without it a question's top ten fill up with the exchanges around its best-matching
   * fact, and a second fact (multi-hop) or a plain statement of a date falls below them. Tried
   * on half the scenarios (0.7-0.95 alike, 0.5 worse), checked on the other half: recall@10
   * +1.0 / +0.9 points, recall@5 0 / -1.0; one question moved on each half.
   */
  readonly searchMmr: number | null;
}

export const DEFAULT_RETRIEVAL: RetrievalSettings = {
  fusion: 'weighted',
  keywordWeight: 0.5,
  rrfK: 60,
  candidateMultiplier: 2,
  minCandidates: 50,
  minVectorCandidates: 100,
  recencyHalfLifeDays: 30,
  recencyWeight: 0.05,
  presentRecencyWeight: 0.25,
  changeCueWeight: 0.5,
  importanceWeight: 0.05,
  answerTypeWeight: 0.1,
  softMatchWeight: 1,
  contextSoftWeight: 0.8,
  relevanceThreshold: 0.6,
  neighbours: { from: 0, next: 0.6, previous: 0 },
  feedback: { docs: 3, terms: 5, weight: 0.4 },
  searchMmr: 0.8,
};

export interface SearchRequest {
  readonly query: string;
  readonly filter: MemoryFilter;
  readonly k: number;
  readonly mode: SearchMode;
  /** MMR trade-off; omit for none. */
  readonly mmrLambda?: number | undefined;
  /** Reference time for recency (epoch ms). */
  readonly now: number;
  readonly exactVectors?: boolean | undefined;
}

export interface ScoreBreakdown {
  /** BM25 (higher is better); null when keyword search did not return the memory. */
  readonly keyword: number | null;
  /** Cosine similarity; null when vector search did not return the memory. */
  readonly vector: number | null;
  readonly fused: number;
  /** Word-level soft match of the query against the memory, in [0, 1]. */
  readonly softMatch: number;
  /** exp-decay of age, 1 = now. */
  readonly recency: number;
  readonly importance: number;
  /** Absolute relevance used for the abstention threshold. */
  readonly relevance: number;
}

export interface SearchHit {
  readonly memory: MemoryRecord;
  readonly score: number;
  readonly scores: ScoreBreakdown;
  /** Set when the hit ranks by the score its neighbouring turn lent it. */
  readonly neighbourOf?: string;
}

type MutableHit = { -readonly [K in keyof SearchHit]: SearchHit[K] };

export interface SearchOutcome {
  readonly hits: SearchHit[];
  readonly threshold: number;
  readonly terms: string[];
}

/** Keyword + vector retrieval, fused, with recency and importance, optional MMR, and a breakdown per hit. */
export async function hybridSearch(
  store: MemoryStoreV1,
  embedder: Embedder,
  request: SearchRequest,
  settings: RetrievalSettings = DEFAULT_RETRIEVAL,
): Promise<SearchOutcome> {
  const terms = queryTerms(request.query);
  const candidates = Math.max(settings.minCandidates, request.k * settings.candidateMultiplier);
  const vectorCandidates = Math.max(settings.minVectorCandidates, candidates);
  const wantKeyword = request.mode !== 'vector';
  const wantVector = request.mode !== 'keyword';
  const vectorHits = wantVector
    ? embedder
        .embedOne(request.query)
        .then((query) => store.vectorSearch(request.filter, query, embedder.modelId, vectorCandidates, { exact: request.exactVectors }))
    : Promise.resolve([]);
  // The vector search goes first: the SQLite store's ANN search runs in its own thread, and the
  // keyword search (synchronous, in this thread) waits one turn of the event loop, so that the
  // query is embedded and posted to that thread and both searches run at once.
  const keywordHits = wantKeyword
    ? (wantVector ? nextTurn() : Promise.resolve()).then(() => store.keywordSearch(request.filter, terms, candidates))
    : Promise.resolve([]);
  const matcher = defaultSoftMatcher();
  const prepared = matcher.prepare(request.query);
  // The candidates' records, and their content words when the store keeps them: scored without scanning the texts.
  const memories = new Map<string, MemoryRecord>();
  const stored = new Map<MemoryRecord, StoredWords>();
  const hydrate = async (ids: readonly string[]): Promise<MemoryRecord[]> => {
    const records = ids.length === 0 ? [] : await store.getMemories(request.filter.tenantId, ids);
    for (const record of records) memories.set(record.id, record);
    store.storedWords?.(records).forEach((words, i) => {
      if (words) stored.set(records[i] as MemoryRecord, words);
    });
    return records;
  };
  const softScores = new Map<MemoryRecord, number>();
  const softOf = (memory: MemoryRecord): number => {
    let score = softScores.get(memory);
    if (score === undefined) {
      score = matcher.scoreWithContext(prepared, memory.text, memory.context, settings.contextSoftWeight, stored.get(memory));
      softScores.set(memory, score);
    }
    return score;
  };
  // While the vector search is out (the SQLite store's ANN search runs on its own thread), the
  // keyword candidates are hydrated and soft-matched: this thread would otherwise wait for it.
  const keywordReady = keywordHits.then(async (hits) => {
    if (wantVector) for (const record of await hydrate(hits.map((hit) => hit.id))) softOf(record);
    return hits;
  });
  const [keyword, vector] = await Promise.all([keywordReady, vectorHits]);
  const fused = fuse(keyword, vector, {
    method: settings.fusion,
    keywordWeight: settings.keywordWeight,
    rrfK: settings.rrfK,
  });
  await hydrate(fused.flatMap((candidate) => (memories.has(candidate.id) ? [] : [candidate.id])));
  const halfLifeMs = settings.recencyHalfLifeDays * 86_400_000;
  const present = asksForPresentState(request.query);
  const answerType = settings.answerTypeWeight > 0 ? expectedAnswerType(request.query) : null;
  const recencyOf = (memory: MemoryRecord): number => 0.5 ** (Math.max(0, request.now - memory.createdAt) / halfLifeMs);
  const scored = fused.flatMap((candidate) => {
    const memory = memories.get(candidate.id);
    return memory ? [{ candidate, memory, softMatch: softOf(memory), recency: recencyOf(memory) }] : [];
  });
  // A question about the present state weighs where a memory sits in the pool's time span
  // (newest 1, oldest 0), whatever the absolute ages: the newest statement on a topic wins.
  let oldest = Number.POSITIVE_INFINITY;
  let newest = Number.NEGATIVE_INFINITY;
  for (const { memory } of scored) {
    oldest = Math.min(oldest, memory.createdAt);
    newest = Math.max(newest, memory.createdAt);
  }
  const span = newest - oldest;
  const newnessOf = (memory: MemoryRecord): number => (span > 0 ? Math.min(1, Math.max(0, (memory.createdAt - oldest) / span)) : 1);
  // RRF treats the soft match as a third ranking; weighted fusion adds it as an absolute score (and needs no ranking).
  const softRank =
    settings.fusion === 'rrf'
      ? new Map([...scored].sort((a, b) => b.softMatch - a.softMatch).map((item, i) => [item.memory.id, i + 1]))
      : new Map<string, number>();
  const combine = (fusedScore: number, softMatch: number, recency: number, memory: MemoryRecord): number => {
    const time = present
      ? settings.recencyWeight * recency + settings.presentRecencyWeight * newnessOf(memory)
      : settings.recencyWeight * recency;
    const answers = answerType !== null && holdsAnswerType(memory.text, answerType) ? settings.answerTypeWeight : 0;
    const change = present && statesChange(memory.text) ? settings.changeCueWeight : 0;
    const priors = time + settings.importanceWeight * (memory.importance - 0.5) + answers + change;
    return settings.fusion === 'rrf'
      ? fusedScore + 1 / (settings.rrfK + (softRank.get(memory.id) ?? scored.length + 1)) + priors / (settings.rrfK + 1)
      : fusedScore + settings.softMatchWeight * softMatch + priors;
  };
  const toHit = (memory: MemoryRecord, candidate: FusedCandidate | null, softMatch: number, recency: number): MutableHit => ({
    memory,
    score: combine(candidate?.fused ?? 0, softMatch, recency, memory),
    scores: {
      keyword: candidate?.keyword ?? null,
      vector: candidate?.vector ?? null,
      fused: candidate?.fused ?? 0,
      softMatch,
      recency,
      importance: memory.importance,
      relevance: softMatch,
    },
  });
  const hits: MutableHit[] = scored.map(({ candidate, memory, softMatch, recency }) => toHit(memory, candidate, softMatch, recency));
  hits.sort((a, b) => b.score - a.score);
  if (wantKeyword && settings.feedback.terms > 0 && settings.feedback.weight > 0 && hits.length > 0) {
    const extra = feedbackTerms(
      matcher,
      terms,
      hits.slice(0, settings.feedback.docs).map((hit) => hit.memory.text),
      settings.feedback.terms,
    );
    if (extra.length > 0) {
      // Feedback reorders the pool and fetches nothing new: the pool's BM25 for the new terms,
      // scaled by the pool's best. Rescoring the pool (keywordScores) instead of a second keyword
      // search over the scope was a quarter of a search's CPU less at 100k memories; on the
      // scenarios recall is the same (one question fewer at @10 on one half replayed as one user).
      const byId = new Map(hits.map((hit) => [hit.memory.id, hit]));
      const pool = [...byId.keys()];
      const second = store.keywordScores
        ? await store.keywordScores(request.filter, extra, pool)
        : (await store.keywordSearch(request.filter, extra, candidates)).filter((hit) => byId.has(hit.id));
      const top = second[0]?.score ?? 0;
      if (top > 0) {
        for (const s of second) {
          const hit = byId.get(s.id);
          if (hit) hit.score += settings.feedback.weight * (s.score / top);
        }
      }
      hits.sort((a, b) => b.score - a.score);
    }
  }
  let ranked: SearchHit[] = await expandNeighbours(
    hits,
    settings.neighbours,
    (ids) => store.getMemories(request.filter.tenantId, ids),
    (memory) => toHit(memory, null, softOf(memory), recencyOf(memory)),
    request.filter,
  );
  ranked.sort((a, b) => b.score - a.score);
  ranked = absorbContained(dropCovered(ranked), request.k, sameTopic(ABSORB_VECTOR_RATIO));
  if (request.mmrLambda !== undefined && ranked.length > 1) {
    const pool = ranked.slice(0, Math.min(Math.max(request.k * 2, 30), 120));
    // The searched model's vectors: after a re-embedding, memories' main vectors may be of two models.
    const vectors = await store.getEmbeddings(
      request.filter.tenantId,
      pool.map((hit) => hit.memory.id),
      embedder.modelId,
    );
    const keyed = pool.map((hit) => ({ id: hit.memory.id, score: hit.score, hit }));
    ranked = mmrOrder(keyed, vectors, request.mmrLambda, request.k).map((item) => item.hit);
  }
  return { hits: ranked.slice(0, request.k), threshold: settings.relevanceThreshold, terms };
}

/**
 * Drops hits that add no message: a turn already inside a higher-ranked chunk, a chunk whose
 * turns all rank above it. Memories without sources (notes) always stay.
 */
export function dropCovered<T extends { memory: MemoryRecord }>(hits: readonly T[]): T[] {
  const seen = new Set<string>();
  const out: T[] = [];
  for (const hit of hits) {
    const source = hit.memory.source;
    if (source.length > 0 && source.every((id) => seen.has(id))) continue;
    for (const id of source) seen.add(id);
    out.push(hit);
  }
  return out;
}

/**
 * Within the first `window` hits, a hit whose messages include all of a higher-ranked hit's
 * (a chunk below one of its own turns) takes that hit's place, at its score, when `fits`
 * says it may; the list then moves up. Listing the turn and then the exchange around it
 * spends two places on what the exchange alone shows.
 */
export function absorbContained<T extends { memory: MemoryRecord; score: number }>(
  hits: readonly T[],
  window: number,
  fits: (container: T, contained: T) => boolean = () => true,
): T[] {
  const out = [...hits];
  const within = (inner: readonly string[], outer: ReadonlySet<string>): boolean => inner.length > 0 && inner.every((id) => outer.has(id));
  let j = 1;
  while (j < Math.min(window, out.length)) {
    const hit = out[j] as T;
    const sources = new Set(hit.memory.source);
    const absorbs = (other: T): boolean => within(other.memory.source, sources) && fits(hit, other);
    const first = out.findIndex((other, i) => i < j && absorbs(other));
    if (first < 0) {
      j++;
      continue;
    }
    const replaced = out[first] as T;
    out[first] = { ...hit, score: Math.max(hit.score, replaced.score) };
    out.splice(j, 1);
    for (let i = j - 1; i > first; i--) if (absorbs(out[i] as T)) out.splice(i, 1);
    j = first + 1;
  }
  return out;
}

/**
 * A chunk stands for its turn only when its vector similarity to the query is at least this
 * share of the turn's. A turn among unrelated lines (a session that hops topics) keeps its
 * place: the exact message, not four lines of which one matches. At 0.5 the scenarios lose one
 * recall@5 hit (even half) and no recall@10; the strict form (0.6 and up) cost recall@10.
 */
const ABSORB_VECTOR_RATIO = 0.5;

/**
 * A chunk may stand for its turn when its vector similarity stays close to the turn's: the
 * neighbours are about the same thing. When either was not among the vector candidates (no
 * vector score), the chunk may.
 */
export function sameTopic(ratio: number): (container: SearchHit, contained: SearchHit) => boolean {
  return (container, contained) => {
    const inner = contained.scores.vector;
    const outer = container.scores.vector;
    if (inner === null || inner <= 0 || outer === null) return true;
    return outer >= ratio * inner;
  };
}
