/**
 * The building blocks of KeywordIndex: what a document and a hit are, how per-posting counts
 * are packed, and a growable postings tail.
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
