/**
 * The building blocks of KeywordIndex: what a document and a hit are, how per-posting counts
 * are packed, a growable postings tail, and top-k selection.
 */

/** Token counts of one memory, per indexed column, as the FTS5 tokenizer produces them. */
export interface DocTokens {
  readonly text: ReadonlyMap<string, number>;
  readonly context: ReadonlyMap<string, number>;
  /** Tokens in both columns (FTS5's column sizes summed). */
  readonly length: number;
}

export interface KeywordDoc {
  readonly rowid: number;
  readonly tenantId: string;
  /** Scope key (tenant and user). */
  readonly scopeKey: string;
  readonly tokens: DocTokens;
}

export interface KeywordHit {
  readonly rowid: number;
  readonly score: number;
}

export interface ColumnWeights {
  readonly text: number;
  readonly context: number;
}

/** Which docs a search considers: one user's scope, or a whole tenant. */
export type KeywordScope = { readonly scopeKey: string } | { readonly tenantId: string };

/**
 * Per-posting counts packed in a byte: text count << 4 | context count, each at most
 * MAX_PACKED; OVERFLOW means "look in `overflow`" (a word 15 times in one memory is rare).
 */
export const OVERFLOW = 0xff;
export const MAX_PACKED = 0xe;

/** Postings added since the last merge into the compact base. */
export class Tail {
  docs = new Int32Array(2);
  counts = new Uint8Array(2);
  size = 0;

  push(doc: number, count: number): void {
    if (this.size === this.docs.length) {
      const grown = Math.ceil(this.size * 1.5) + 2;
      const docs = new Int32Array(grown);
      docs.set(this.docs);
      this.docs = docs;
      const counts = new Uint8Array(grown);
      counts.set(this.counts);
      this.counts = counts;
    }
    this.docs[this.size] = doc;
    this.counts[this.size] = count;
    this.size++;
  }
}

/** A phrase's weighted frequency in a doc: summed per instance, text before context, as fts5Bm25Function does. */
export function weightedFrequency([inText, inContext]: readonly [number, number], weights: ColumnWeights): number {
  let freq = 0;
  for (let n = inText; n > 0; n--) freq += weights.text;
  for (let n = inContext; n > 0; n--) freq += weights.context;
  return freq;
}

/** A run of postings: docs[i] with packed counts[i], for i < size. */
export interface Segment {
  readonly docs: Int32Array;
  readonly counts: Uint8Array;
  readonly size: number;
  /** Exact counts of a posting whose packed value is OVERFLOW. */
  exact(i: number): readonly [number, number];
}

export function intern(ids: Map<string, number>, key: string): number {
  let id = ids.get(key);
  if (id === undefined) {
    id = ids.size;
    ids.set(key, id);
  }
  return id;
}

/** The `limit` docs of touched[0, n) with the highest scores, best first (a bounded min-heap). */
export function topK(scores: Float64Array, touched: Int32Array, n: number, limit: number): number[] {
  const heap: number[] = [];
  let floor = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const doc = touched[i] as number;
    const score = scores[doc] as number;
    if (heap.length < limit) {
      heap.push(doc);
      let at = heap.length - 1;
      while (at > 0) {
        const parent = (at - 1) >> 1;
        if (score >= (scores[heap[parent] as number] as number)) break;
        heap[at] = heap[parent] as number;
        at = parent;
      }
      heap[at] = doc;
      if (heap.length === limit) floor = scores[heap[0] as number] as number;
    } else if (score > floor) {
      // Replace the root (the lowest kept) and sift down.
      let at = 0;
      for (;;) {
        const left = 2 * at + 1;
        if (left >= limit) break;
        const right = left + 1;
        let child = left;
        if (right < limit && (scores[heap[right] as number] as number) < (scores[heap[left] as number] as number)) child = right;
        if ((scores[heap[child] as number] as number) >= score) break;
        heap[at] = heap[child] as number;
        at = child;
      }
      heap[at] = doc;
      floor = scores[heap[0] as number] as number;
    }
  }
  return heap.sort((a, b) => (scores[b] as number) - (scores[a] as number));
}
