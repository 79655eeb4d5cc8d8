import { type ColumnWeights, OVERFLOW, type Segment, weightedFrequency } from './keyword-postings.js';

/** One phrase of a query, ready to score: its postings and idf (BM25's, as FTS5 floors it). */
export interface ScoringPhrase {
  readonly segments: readonly Segment[];
  readonly idf: number;
  /** At most what the phrase adds to a doc's score (at most `idf * (k1 + 1)`: BM25's factor `f (k1 + 1) / (f + norm)` is below k1 + 1). */
  readonly bound: number;
  /** A phrase of several tokens: its one segment is not searched by doc, only scanned. */
  readonly scanOnly: boolean;
}

/** What scoring reads of the index, and its scratch space (arrays indexed by doc number). */
export interface ScoringState {
  /** Scope number per doc, -1 once deleted; the docs returned have `wanted` here (or in `tenants`). */
  readonly scopes: Int32Array;
  readonly tenants: Int32Array;
  readonly byScope: boolean;
  readonly wanted: number;
  /** Only these rowids, when set. */
  readonly allowed: ReadonlySet<number> | undefined;
  readonly rowids: Float64Array;
  /** BM25's length normalisation per doc. */
  readonly norms: Float64Array;
  /** Weighted frequency by packed count (but OVERFLOW, whose counts are `exact`). */
  readonly freqs: Float64Array;
  readonly weights: ColumnWeights;
  /** Zero everywhere on entry and on return. */
  readonly scratch: Float64Array;
  /** Zero everywhere on entry and on return. */
  readonly mark: Uint8Array;
  readonly touched: Int32Array;
}

const K1 = 1.2;
/**
 * Margin for floating-point order: pruning compares partial sums taken in another order than
 * the final scores, which differ from them in the last few bits (relative 1e-15); a margin a
 * million times larger keeps every doc that could tie, at no measurable cost in pruning.
 */
const SLACK = 1e-9;

/**
 * The best `limit` eligible docs for an OR of phrases with their scores, best first (ties by
 * rowid), exactly as scoring every posting would give them, without scoring every posting:
 * MaxScore (Turtle and Flood 1995) term-at-a-time. Phrases go in decreasing order of their
 * upper bound (`bound`); once the `limit`-th best partial score exceeds what the
 * phrases left could still add, no new doc can enter the top, and the phrases left (the common
 * words, with most of the postings) only update the docs still in the running, found by
 * galloping search in their sorted postings; a doc drops out as soon as its partial score plus
 * what is left cannot reach the `limit`-th. The winners' scores are then summed again in query
 * order, so that they are bit for bit the exhaustive sums (and FTS5's).
 */
export function topDocs(phrases: readonly ScoringPhrase[], state: ScoringState, limit: number): { docs: number[]; scores: number[] } {
  const { scratch, mark, touched } = state;
  const order = phrases.map((_, i) => i).sort((a, b) => bound(phrases[b] as ScoringPhrase) - bound(phrases[a] as ScoringPhrase) || a - b);
  // left[j]: the most the phrases order[j..] can add to a doc.
  const left = new Float64Array(order.length + 1);
  for (let j = order.length - 1; j >= 0; j--) left[j] = (left[j + 1] as number) + bound(phrases[order[j] as number] as ScoringPhrase);
  let n = 0;
  let admitting = true;
  let sorted = false;
  /** Whether `floor` is the limit-th partial score of the docs as they are now. */
  let fresh = false;
  // The limit-th partial score grows by at most the bounds of the phrases added since it was
  // last found: it is found again (a pass over every doc touched) only once that could stop admitting.
  let floor = Number.NEGATIVE_INFINITY;
  let gained = 0;
  for (let j = 0; j < order.length; j++) {
    const phrase = phrases[order[j] as number] as ScoringPhrase;
    if (admitting && n >= limit && floor + gained > (left[j] as number)) {
      floor = kthLargest(scratch, touched, n, limit);
      gained = 0;
      if (floor > (left[j] as number) * (1 + SLACK) + SLACK) {
        admitting = false;
        fresh = true;
      }
    }
    if (admitting) {
      for (const segment of phrase.segments) {
        const { docs, size } = segment;
        for (let i = 0; i < size; i++) {
          const doc = docs[i] as number;
          if (mark[doc] === 0) {
            if (!eligible(state, doc)) continue;
            mark[doc] = 1;
            touched[n++] = doc;
          }
          scratch[doc] = (scratch[doc] as number) + part(state, phrase.idf, segment, i, doc);
        }
      }
      if (floor === Number.NEGATIVE_INFINITY && n >= limit) floor = 0;
      gained += bound(phrase);
      continue;
    }
    n = keepContenders(state, n, left[j] as number, fresh ? floor : kthLargest(scratch, touched, n, limit));
    fresh = false;
    if (n <= limit) {
      // Every doc left is in the top: the phrases left can only reorder them, summed exactly below.
      break;
    }
    // Galloping needs the docs in order (kept in order from then on); a scan of the postings does not.
    const size = phrase.segments.reduce((sum, segment) => sum + segment.size, 0);
    if (!sorted && !phrase.scanOnly && gallops(n, size)) {
      touched.subarray(0, n).sort();
      sorted = true;
    }
    updateCandidates(phrase, state, n, sorted);
  }
  return finish(phrases, state, n, limit);
}

function eligible(state: ScoringState, doc: number): boolean {
  const scope = state.scopes[doc] as number;
  if (scope < 0 || (state.byScope ? scope !== state.wanted : state.tenants[doc] !== state.wanted)) return false;
  return state.allowed === undefined || state.allowed.has(state.rowids[doc] as number);
}

/** A posting's BM25 part for a phrase, computed as fts5Bm25Function does. */
function part(state: ScoringState, idf: number, segment: Segment, i: number, doc: number): number {
  const packed = segment.counts[i] as number;
  const freq = packed === OVERFLOW ? weightedFrequency(segment.exact(i), state.weights) : (state.freqs[packed] as number);
  return idf * ((freq * (K1 + 1.0)) / (freq + (state.norms[doc] as number)));
}

function bound(phrase: ScoringPhrase): number {
  return phrase.bound;
}

/** Drops the docs that cannot reach `floor` (the `limit`-th partial score) with `left` more, keeping their order; returns how many remain. */
function keepContenders(state: ScoringState, n: number, left: number, floor: number): number {
  const { scratch, mark, touched } = state;
  const cut = floor - left * (1 + SLACK) - SLACK * (1 + Math.abs(floor));
  let kept = 0;
  for (let i = 0; i < n; i++) {
    const doc = touched[i] as number;
    if ((scratch[doc] as number) >= cut) touched[kept++] = doc;
    else {
      scratch[doc] = 0;
      mark[doc] = 0;
    }
  }
  return kept;
}

/** Whether finding n docs in `size` sorted postings by galloping costs less than scanning them. */
function gallops(n: number, size: number): boolean {
  return n * 2 * Math.log2(1 + size / n) < size;
}

/** Adds the phrase's part to the docs touched[0, n) that have it (found by galloping when `sorted` and cheaper). */
function updateCandidates(phrase: ScoringPhrase, state: ScoringState, n: number, sorted: boolean): void {
  const { scratch, mark, touched } = state;
  for (const segment of phrase.segments) {
    const { docs, size } = segment;
    if (phrase.scanOnly || !sorted || !gallops(n, size)) {
      for (let i = 0; i < size; i++) {
        const doc = docs[i] as number;
        if (mark[doc] !== 0) scratch[doc] = (scratch[doc] as number) + part(state, phrase.idf, segment, i, doc);
      }
      continue;
    }
    let at = 0;
    for (let c = 0; c < n && at < size; c++) {
      const doc = touched[c] as number;
      at = gallop(docs, at, size, doc);
      if (at < size && docs[at] === doc) scratch[doc] = (scratch[doc] as number) + part(state, phrase.idf, segment, at, doc);
    }
  }
}

/** The winners by partial score, then summed again in query order, and ordered by (score desc, rowid asc). */
function finish(phrases: readonly ScoringPhrase[], state: ScoringState, n: number, limit: number): { docs: number[]; scores: number[] } {
  const { scratch, mark, touched, rowids } = state;
  // Docs whose partial sum is within the margin of the limit-th may hold it exactly: all are summed again.
  const floor = n > limit ? kthLargest(scratch, touched, n, limit) : Number.NEGATIVE_INFINITY;
  const cut = floor - SLACK * (1 + Math.abs(floor));
  const contenders: number[] = [];
  for (let i = 0; i < n; i++) {
    const doc = touched[i] as number;
    if ((scratch[doc] as number) >= cut) contenders.push(doc);
    scratch[doc] = 0;
    mark[doc] = 0;
  }
  contenders.sort((a, b) => a - b);
  const exact = exactScores(phrases, state, contenders);
  const ranked = contenders.map((_, i) => i);
  ranked.sort(
    (a, b) =>
      (exact[b] as number) - (exact[a] as number) ||
      (rowids[contenders[a] as number] as number) - (rowids[contenders[b] as number] as number),
  );
  const top = ranked.slice(0, limit);
  return { docs: top.map((i) => contenders[i] as number), scores: top.map((i) => exact[i] as number) };
}

/** Scores of these docs (sorted), each summed in query order as exhaustive term-at-a-time scoring sums it. */
function exactScores(phrases: readonly ScoringPhrase[], state: ScoringState, docs: readonly number[]): Float64Array {
  const out = new Float64Array(docs.length);
  const position = new Map<number, number>();
  for (const phrase of phrases) {
    for (const segment of phrase.segments) {
      if (phrase.scanOnly) {
        if (position.size === 0) for (const [i, doc] of docs.entries()) position.set(doc, i);
        for (let i = 0; i < segment.size; i++) {
          const j = position.get(segment.docs[i] as number);
          if (j !== undefined) out[j] = (out[j] as number) + part(state, phrase.idf, segment, i, segment.docs[i] as number);
        }
        continue;
      }
      let at = 0;
      for (let j = 0; j < docs.length && at < segment.size; j++) {
        const doc = docs[j] as number;
        at = gallop(segment.docs, at, segment.size, doc);
        if (at < segment.size && segment.docs[at] === doc) out[j] = (out[j] as number) + part(state, phrase.idf, segment, at, doc);
      }
    }
  }
  return out;
}

/** The first position in [from, size) of ascending `docs` holding a doc >= `doc` (size when none): exponential, then binary search. */
function gallop(docs: Int32Array, from: number, size: number, doc: number): number {
  if (from >= size || (docs[from] as number) >= doc) return from;
  let step = 1;
  let lo = from;
  let hi = from + 1;
  while (hi < size && (docs[hi] as number) < doc) {
    lo = hi;
    step *= 2;
    hi = from + step;
  }
  if (hi > size) hi = size;
  // docs[lo] < doc, and docs[hi] >= doc or hi = size.
  while (hi - lo > 1) {
    const mid = (lo + hi) >>> 1;
    if ((docs[mid] as number) < doc) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The `k`-th largest score of the docs touched[0, n) (n >= k), by a bounded min-heap. */
function kthLargest(scores: Float64Array, touched: Int32Array, n: number, k: number): number {
  const heap = new Float64Array(k);
  for (let i = 0; i < k; i++) heap[i] = scores[touched[i] as number] as number;
  heap.sort();
  // heap is sorted ascending: a valid min-heap.
  for (let i = k; i < n; i++) {
    const score = scores[touched[i] as number] as number;
    if (score <= (heap[0] as number)) continue;
    let at = 0;
    for (;;) {
      const l = 2 * at + 1;
      if (l >= k) break;
      const r = l + 1;
      const child = r < k && (heap[r] as number) < (heap[l] as number) ? r : l;
      if ((heap[child] as number) >= score) break;
      heap[at] = heap[child] as number;
      at = child;
    }
    heap[at] = score;
  }
  return heap[0] as number;
}
