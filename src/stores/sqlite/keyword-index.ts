import { closeSync, openSync, writeSync } from 'node:fs';
import {
  type ColumnWeights,
  type DocTokens,
  intern,
  type KeywordDoc,
  type KeywordHit,
  type KeywordScope,
  MAX_PACKED,
  OVERFLOW,
  type Segment,
  Tail,
  weightedFrequency,
} from './keyword-postings.js';
import { type ScoringPhrase, topDocs } from './keyword-top-k.js';
import { RowidMap } from './rowid-map.js';

export type { ColumnWeights, DocTokens, KeywordDoc, KeywordHit, KeywordScope } from './keyword-postings.js';

const K1 = 1.2;
const B = 0.75;
const FORMAT = 'strata-keywords/2';

/**
 * An in-memory BM25 keyword index over memory text (and context, at a lower weight) that
 * answers top-k without visiting rows in SQLite: postings per stemmed term, scored
 * term-at-a-time into a flat accumulator, restricted to one scope (or tenant) while scoring.
 * Scores are exactly FTS5's `bm25()` over a `porter unicode61 remove_diacritics 2` table
 * (ext/fts5/fts5_aux.c): the same statistics (every live row of every scope), the same
 * floating-point order, so rankings match FTS5's.
 *
 * Layout: a compact base (all postings of a term contiguous, CSR) built in two passes so a
 * build never holds more than the final arrays, plus a per-term tail for docs added since.
 * Deleting marks the doc dead; its postings are skipped, and dropped by a merge once dead
 * docs are a third of all. Saving streams base and tails to one file, merged on disk.
 */
export class KeywordIndex {
  // Docs (dense numbers).
  private rowids = new Float64Array(256);
  private lengths = new Int32Array(256);
  /** Scope number per doc; -1 once deleted. */
  private scopes = new Int32Array(256);
  private tenants = new Int32Array(256);
  private docs = 0;
  private liveDocs = 0;
  private liveTokens = 0;
  private readonly docOf = new RowidMap();
  private scopeIds = new Map<string, number>();
  private tenantIds = new Map<string, number>();
  // Base postings (CSR): term i's postings are [offsets[i], offsets[i + 1]).
  private terms = new Map<string, number>();
  private offsets = new Int32Array(1);
  private baseDocs = new Int32Array(0);
  private baseCounts = new Uint8Array(0);
  private tails = new Map<string, Tail>();
  /** Exact counts of postings whose packed value is OVERFLOW, by `${doc}:${term}`. */
  private overflow = new Map<string, readonly [number, number]>();
  private scratch = new Float64Array(0);
  private marks = new Uint8Array(0);
  private touched = new Int32Array(0);
  /** Live docs per term (BM25's nHit), valid until the next delete. */
  private hits = new Map<string, number>();
  /** Weighted frequency by packed counts for `freqWeights` (OVERFLOW's entry unused). */
  private freqs = new Float64Array(0);
  private freqWeights: ColumnWeights | null = null;
  /**
   * Per term searched: the largest BM25 term-frequency factor `f * (k1 + 1) / (f + norm)` of its
   * postings, at the length average `avgdl` of when it was found, for `freqWeights`; kept up by
   * `add` (a delete only loosens it). A tighter bound than `k1 + 1` for search's pruning.
   */
  private factors = new Map<string, { factor: number; readonly avgdl: number }>();
  private norms = new Float64Array(0);
  /** The (tokens, docs) statistics `norms` were computed for. */
  private normsFor = -1;
  /** The index_log seq this index reflects. */
  seq = 0;
  /** Changed since it was built or loaded. */
  dirty = false;

  /** Builds from `docs()`, which is called twice (counting, then filling): nothing grows. */
  static build(docs: () => Iterable<KeywordDoc>): KeywordIndex {
    const index = new KeywordIndex();
    const df = new Map<string, number>();
    let count = 0;
    for (const doc of docs()) {
      for (const term of doc.tokens.text.keys()) df.set(term, (df.get(term) ?? 0) + 1);
      for (const term of doc.tokens.context.keys()) if (!doc.tokens.text.has(term)) df.set(term, (df.get(term) ?? 0) + 1);
      count++;
    }
    index.ensureDocCapacity(count);
    index.offsets = new Int32Array(df.size + 1);
    let total = 0;
    let t = 0;
    for (const [term, n] of df) {
      index.terms.set(term, t);
      index.offsets[t] = total;
      total += n;
      t++;
    }
    index.offsets[t] = total;
    index.baseDocs = new Int32Array(total);
    index.baseCounts = new Uint8Array(total);
    const fill = index.offsets.slice(0, t);
    for (const doc of docs()) {
      const number = index.addDoc(doc);
      if (number < 0) continue;
      const put = (term: string, packed: number): void => {
        const id = index.terms.get(term);
        if (id === undefined) return; // a doc that changed between the passes: caught up from the log
        const at = fill[id] as number;
        if (at >= (index.offsets[id + 1] as number)) return;
        index.baseDocs[at] = number;
        index.baseCounts[at] = packed;
        fill[id] = at + 1;
      };
      index.eachPosting(number, doc.tokens, put);
    }
    // Slots left empty by docs that changed between the passes point at a dead doc.
    for (let id = 0; id < t; id++) {
      for (let at = fill[id] as number; at < (index.offsets[id + 1] as number); at++) index.baseDocs[at] = index.deadSlot();
    }
    return index;
  }

  get size(): number {
    return this.liveDocs;
  }

  /** Adds (or replaces) one memory. */
  add(doc: KeywordDoc): void {
    this.remove(doc.rowid);
    const number = this.addDoc(doc);
    this.eachPosting(number, doc.tokens, (term, packed) => {
      const bound = this.factors.get(term);
      if (bound !== undefined && this.freqWeights !== null) {
        const freq =
          packed === OVERFLOW
            ? weightedFrequency(this.overflow.get(`${number}:${term}`) ?? [MAX_PACKED, MAX_PACKED], this.freqWeights)
            : (this.freqs[packed] as number);
        bound.factor = Math.max(bound.factor, tfFactor(freq, doc.tokens.length, bound.avgdl));
      }
      const cached = this.hits.get(term);
      if (cached !== undefined) this.hits.set(term, cached + 1);
      let tail = this.tails.get(term);
      if (tail === undefined) {
        tail = new Tail();
        this.tails.set(term, tail);
      }
      tail.push(number, packed);
    });
    this.dirty = true;
    // Merging copies every posting: only worth it to drop a large share of deleted docs
    // (saving streams base and tails to disk without merging in memory).
    if (this.docs - this.liveDocs > Math.max(4096, this.liveDocs / 3)) this.merge();
  }

  remove(rowid: number): boolean {
    const doc = this.docOf.get(rowid);
    if (doc === undefined) return false;
    this.docOf.delete(rowid);
    this.scopes[doc] = -1;
    this.hits.clear();
    this.liveDocs--;
    this.liveTokens -= this.lengths[doc] as number;
    this.dirty = true;
    return true;
  }

  /**
   * The best `limit` docs of a scope (or tenant) for an OR of phrases (stemmed tokens, in query
   * order; a phrase may repeat, as in FTS5), scored as `-bm25(memories_fts, text, context)`. A
   * phrase of several tokens counts as present where all of them are (no positions are kept).
   * Best first, equal scores by rowid; pruned as keyword-top-k.ts says, with the exhaustive scores.
   */
  search(
    phrases: ReadonlyArray<readonly string[]>,
    scope: KeywordScope,
    weights: ColumnWeights,
    limit: number,
    /** Only these rowids (a narrow filter resolved by the caller). */
    allowed?: ReadonlySet<number>,
  ): KeywordHit[] {
    const byScope = 'scopeKey' in scope;
    const wanted = byScope ? this.scopeIds.get(scope.scopeKey) : this.tenantIds.get(scope.tenantId);
    if (wanted === undefined || this.liveDocs === 0 || limit <= 0) return [];
    if (this.scratch.length < this.docs) {
      this.scratch = new Float64Array(this.rowids.length);
      this.marks = new Uint8Array(this.rowids.length);
      this.touched = new Int32Array(this.rowids.length);
    }
    const { scopes, tenants, rowids } = this;
    const freqs = this.freqTable(weights);
    const nRow = this.liveDocs;
    const norms = this.lengthNorms();
    const scoring: ScoringPhrase[] = [];
    for (const phrase of phrases) {
      const segments = this.phrasePostings(phrase);
      const idf = this.idf(phrase, segments, nRow);
      if (idf === null) continue;
      const bound = phrase.length === 1 ? this.termBound(phrase[0] as string, segments, freqs, weights) : K1 + 1.0;
      scoring.push({ segments, idf, bound: idf * bound, scanOnly: phrase.length > 1 });
    }
    const { docs, scores } = topDocs(
      scoring,
      {
        scopes,
        tenants,
        byScope,
        wanted,
        allowed,
        rowids,
        norms,
        freqs,
        weights,
        scratch: this.scratch,
        mark: this.marks,
        touched: this.touched,
      },
      limit,
    );
    return docs.map((doc, i) => ({ rowid: rowids[doc] as number, score: scores[i] as number }));
  }

  /**
   * The scores `search` gives these docs (by rowid) for the phrases, 0 for a doc outside the
   * scope or matching none, without visiting the phrases' other postings: each doc's count is
   * found by binary search (a term's postings are in doc order). Rescoring a few hundred
   * candidates for a handful of frequent terms costs microseconds instead of a full search.
   */
  scores(phrases: ReadonlyArray<readonly string[]>, scope: KeywordScope, weights: ColumnWeights, rowids: readonly number[]): Float64Array {
    const out = new Float64Array(rowids.length);
    const byScope = 'scopeKey' in scope;
    const wanted = byScope ? this.scopeIds.get(scope.scopeKey) : this.tenantIds.get(scope.tenantId);
    if (wanted === undefined || this.liveDocs === 0) return out;
    const numbers = rowids.map((rowid) => {
      const doc = this.docOf.get(rowid);
      if (doc === undefined) return -1;
      return (byScope ? this.scopes[doc] : this.tenants[doc]) === wanted ? doc : -1;
    });
    const freqs = this.freqTable(weights);
    const nRow = this.liveDocs;
    const norms = this.lengthNorms();
    for (const phrase of phrases) {
      const segments = this.phrasePostings(phrase);
      const idf = this.idf(phrase, segments, nRow);
      if (idf === null) continue;
      // A phrase of several tokens is one segment in no particular order: looked up by doc.
      const unordered = phrase.length > 1 ? new Map(Array.from(segments[0]?.docs ?? [], (doc, i) => [doc, i])) : null;
      for (const [j, doc] of numbers.entries()) {
        if (doc < 0) continue;
        for (const segment of segments) {
          const i = unordered ? (unordered.get(doc) ?? -1) : indexOf(segment.docs, segment.size, doc);
          if (i < 0) continue;
          const packed = segment.counts[i] as number;
          const freq = packed === OVERFLOW ? weightedFrequency(segment.exact(i), weights) : (freqs[packed] as number);
          out[j] = (out[j] as number) + idf * ((freq * (K1 + 1.0)) / (freq + (norms[doc] as number)));
          break;
        }
      }
    }
    return out;
  }

  /** BM25's idf of a phrase over every live doc (FTS5's floor for common terms), null when no live doc has it. */
  private idf(phrase: readonly string[], segments: readonly Segment[], nRow: number): number | null {
    const key = phrase.join(' ');
    let nHit = this.hits.get(key);
    if (nHit === undefined) {
      nHit = 0;
      const scopes = this.scopes;
      for (const { docs, size } of segments) for (let i = 0; i < size; i++) if ((scopes[docs[i] as number] as number) >= 0) nHit++;
      if (phrase.length === 1) this.hits.set(key, nHit);
    }
    if (nHit === 0) return null;
    const idf = Math.log((nRow - nHit + 0.5) / (nHit + 0.5));
    return idf <= 0 ? 1e-6 : idf;
  }

  /** Folds the tails into the base and drops deleted docs (renumbering the live ones). */
  merge(): void {
    const renumber = new Int32Array(this.docs).fill(-1);
    let next = 0;
    for (let doc = 0; doc < this.docs; doc++) {
      if ((this.scopes[doc] as number) < 0) continue;
      renumber[doc] = next;
      this.rowids[next] = this.rowids[doc] as number;
      this.lengths[next] = this.lengths[doc] as number;
      this.scopes[next] = this.scopes[doc] as number;
      this.tenants[next] = this.tenants[doc] as number;
      this.docOf.set(this.rowids[next] as number, next);
      next++;
    }
    this.docs = next;
    const names = new Set<string>([...this.terms.keys(), ...this.tails.keys()]);
    const counts = new Map<string, number>();
    let total = 0;
    for (const term of names) {
      let n = 0;
      this.eachOf(term, (doc) => {
        if ((renumber[doc] as number) >= 0) n++;
      });
      if (n > 0) {
        counts.set(term, n);
        total += n;
      }
    }
    const terms = new Map<string, number>();
    const offsets = new Int32Array(counts.size + 1);
    const docs = new Int32Array(total);
    const packed = new Uint8Array(total);
    const overflow = new Map<string, readonly [number, number]>();
    let at = 0;
    let id = 0;
    for (const [term] of counts) {
      terms.set(term, id);
      offsets[id] = at;
      this.eachOf(term, (doc, count, exact) => {
        const renumbered = renumber[doc] as number;
        if (renumbered < 0) return;
        docs[at] = renumbered;
        packed[at] = count;
        if (count === OVERFLOW && exact) overflow.set(`${renumbered}:${term}`, exact);
        at++;
      });
      id++;
    }
    offsets[id] = at;
    this.terms = terms;
    this.offsets = offsets;
    this.baseDocs = docs;
    this.baseCounts = packed;
    this.overflow = overflow;
    this.tails = new Map();
    this.scratch = new Float64Array(0);
    this.marks = new Uint8Array(0);
    this.touched = new Int32Array(0);
    // Doc numbers changed: per-doc caches go.
    this.normsFor = -1;
    this.hits.clear();
  }

  /**
   * Writes the index to `path` in the layout `deserialize` reads (live docs renumbered, base
   * and tails merged), streaming term by term so that saving never holds a second copy.
   */
  save(path: string): void {
    const renumber = new Int32Array(this.docs).fill(-1);
    const live = new Int32Array(this.liveDocs);
    let nLive = 0;
    for (let doc = 0; doc < this.docs; doc++) {
      if ((this.scopes[doc] as number) < 0) continue;
      renumber[doc] = nLive;
      live[nLive++] = doc;
    }
    const terms: string[] = [];
    const sizes: number[] = [];
    let largest = 0;
    const count = (term: string): void => {
      let n = 0;
      this.eachOf(term, (doc) => {
        if ((renumber[doc] as number) >= 0) n++;
      });
      if (n === 0) return;
      terms.push(term);
      sizes.push(n);
      largest = Math.max(largest, n);
    };
    for (const term of this.terms.keys()) count(term);
    for (const term of this.tails.keys()) if (!this.terms.has(term)) count(term);
    const offsets = new Int32Array(terms.length + 1);
    for (let i = 0; i < terms.length; i++) offsets[i + 1] = (offsets[i] as number) + (sizes[i] as number);
    const overflow: Array<[string, readonly [number, number]]> = [];
    for (const [key, counts] of this.overflow) {
      const [doc, term] = [Number(key.slice(0, key.indexOf(':'))), key.slice(key.indexOf(':') + 1)];
      const renumbered = renumber[doc] ?? -1;
      if (renumbered >= 0) overflow.push([`${renumbered}:${term}`, counts]);
    }
    const header = Buffer.from(
      JSON.stringify({
        format: FORMAT,
        seq: this.seq,
        docs: nLive,
        liveTokens: this.liveTokens,
        postings: offsets[terms.length],
        terms,
        scopes: [...this.scopeIds.keys()],
        tenants: [...this.tenantIds.keys()],
        overflow,
      }),
    );
    const fd = openSync(path, 'w');
    try {
      let position = 0;
      const write = (view: ArrayBufferView): void => {
        writeSync(fd, new Uint8Array(view.buffer, view.byteOffset, view.byteLength), 0, view.byteLength, position);
        position += view.byteLength;
      };
      const align = (): void => {
        const pad = (8 - (position % 8)) % 8;
        if (pad > 0) write(new Uint8Array(pad));
      };
      const prefix = Buffer.alloc(8);
      prefix.writeUInt32LE(header.length, 0);
      write(prefix);
      write(header);
      const pick = <T extends Float64Array | Int32Array>(from: T, make: (n: number) => T): T => {
        const out = make(nLive);
        for (let i = 0; i < nLive; i++) out[i] = from[live[i] as number] as number;
        return out;
      };
      for (const part of [
        pick(this.rowids, (n) => new Float64Array(n)),
        pick(this.lengths, (n) => new Int32Array(n)),
        pick(this.scopes, (n) => new Int32Array(n)),
        pick(this.tenants, (n) => new Int32Array(n)),
        offsets,
      ]) {
        align();
        write(part);
      }
      // One buffer for every term's postings: a new array per term was as much garbage as the
      // whole index (about 36 MB more resident at 140k memories when it was saved on close).
      const docsBuffer = new Int32Array(largest);
      const countsBuffer = new Uint8Array(largest);
      for (const kind of ['docs', 'counts'] as const) {
        align();
        for (const [i, term] of terms.entries()) {
          const chunk = (kind === 'docs' ? docsBuffer : countsBuffer).subarray(0, sizes[i] as number);
          let at = 0;
          this.eachOf(term, (doc, count) => {
            const renumbered = renumber[doc] as number;
            if (renumbered >= 0) chunk[at++] = kind === 'docs' ? renumbered : count;
          });
          write(chunk);
        }
      }
      const total = Buffer.alloc(4);
      total.writeUInt32LE(position, 0);
      writeSync(fd, total, 0, 4, 4);
    } finally {
      closeSync(fd);
    }
    this.dirty = false;
  }

  /** Reads what `save` wrote; null when it is not a complete index of this format. */
  static deserialize(data: Buffer): KeywordIndex | null {
    try {
      if (data.length < 8 || data.readUInt32LE(4) !== data.length) return null;
      const headerLength = data.readUInt32LE(0);
      const header = JSON.parse(data.toString('utf8', 8, 8 + headerLength)) as {
        format: string;
        seq: number;
        docs: number;
        liveTokens: number;
        postings: number;
        terms: string[];
        scopes: string[];
        tenants: string[];
        overflow: Array<[string, [number, number]]>;
      };
      if (header.format !== FORMAT) return null;
      // Views need 8-aligned offsets: a large file read is its own ArrayBuffer (offset 0); copy otherwise.
      const aligned = data.byteOffset % 8 === 0 ? data : new Uint8Array(data);
      let at = 8 + headerLength;
      const take = <T>(make: (buffer: ArrayBuffer, offset: number, length: number) => T, bytes: number, length: number): T => {
        at += (8 - (at % 8)) % 8;
        if (at + bytes * length > data.length) throw new Error('truncated');
        const view = make(aligned.buffer as ArrayBuffer, aligned.byteOffset + at, length);
        at += bytes * length;
        if (at > data.length) throw new Error('truncated');
        return view;
      };
      const n = header.docs;
      const index = new KeywordIndex();
      const rowids = take((b, o, l) => new Float64Array(b, o, l), 8, n);
      const lengths = take((b, o, l) => new Int32Array(b, o, l), 4, n);
      const scopes = take((b, o, l) => new Int32Array(b, o, l), 4, n);
      const tenants = take((b, o, l) => new Int32Array(b, o, l), 4, n);
      index.offsets = take((b, o, l) => new Int32Array(b, o, l), 4, header.terms.length + 1);
      index.baseDocs = take((b, o, l) => new Int32Array(b, o, l), 4, header.postings);
      index.baseCounts = take((b, o, l) => new Uint8Array(b, o, l), 1, header.postings);
      index.ensureDocCapacity(n);
      index.rowids.set(rowids);
      index.lengths.set(lengths);
      index.scopes.set(scopes);
      index.tenants.set(tenants);
      index.docs = n;
      for (let doc = 0; doc < n; doc++) {
        if ((scopes[doc] as number) < 0) continue;
        index.docOf.set(rowids[doc] as number, doc);
        index.liveDocs++;
      }
      index.liveTokens = header.liveTokens;
      for (const [i, term] of header.terms.entries()) index.terms.set(term, i);
      for (const [i, key] of header.scopes.entries()) index.scopeIds.set(key, i);
      for (const [i, key] of header.tenants.entries()) index.tenantIds.set(key, i);
      index.overflow = new Map(header.overflow);
      index.seq = header.seq;
      return index;
    } catch {
      return null;
    }
  }

  /**
   * BM25's length normalisation per doc, `k1 * (1 - b + b * D / avgdl)` evaluated as
   * fts5Bm25Function does; recomputed when the table's statistics moved since the last search.
   */
  private lengthNorms(): Float64Array {
    if (this.normsFor !== this.liveTokens * 4_294_967_296 + this.liveDocs || this.norms.length < this.docs) {
      if (this.norms.length < this.docs) this.norms = new Float64Array(this.rowids.length);
      const avgdl = this.liveTokens / this.liveDocs;
      for (let doc = 0; doc < this.docs; doc++) this.norms[doc] = K1 * (1 - B + (B * (this.lengths[doc] as number)) / avgdl);
      this.normsFor = this.liveTokens * 4_294_967_296 + this.liveDocs;
    }
    return this.norms;
  }

  /**
   * At most what a posting of `term` adds, over idf: its largest factor as found (`factors`),
   * scaled to today's length average (a norm `k1 (1 - b) + k1 b len / avgdl` shrinks by at most
   * old avgdl / new avgdl, and the factor grows by at most the inverse), never above k1 + 1.
   */
  private termBound(term: string, segments: readonly Segment[], freqs: Float64Array, weights: ColumnWeights): number {
    const avgdl = this.liveTokens / this.liveDocs;
    let found = this.factors.get(term);
    if (found === undefined) {
      let factor = 0;
      for (const segment of segments) {
        for (let i = 0; i < segment.size; i++) {
          const packed = segment.counts[i] as number;
          const freq = packed === OVERFLOW ? weightedFrequency(segment.exact(i), weights) : (freqs[packed] as number);
          factor = Math.max(factor, tfFactor(freq, this.lengths[segment.docs[i] as number] as number, avgdl));
        }
      }
      found = { factor, avgdl };
      this.factors.set(term, found);
    }
    // A margin for rounding: the factor was computed in another order than scores are.
    return Math.min(K1 + 1.0, (found.factor / Math.min(1, found.avgdl / avgdl)) * (1 + 1e-9));
  }

  private freqTable(weights: ColumnWeights): Float64Array {
    if (this.freqWeights !== weights) {
      this.factors.clear();
      // Every packed count filled at once (255 entries): no check for a missing one per posting.
      this.freqs = new Float64Array(OVERFLOW + 1);
      for (let packed = 0; packed < OVERFLOW; packed++) this.freqs[packed] = weightedFrequency([packed >>> 4, packed & 0xf], weights);
      this.freqWeights = weights;
    }
    return this.freqs;
  }

  /** The postings of a phrase, as segments (base and tail of a term are read in place). */
  private phrasePostings(phrase: readonly string[]): Segment[] {
    if (phrase.length === 1) return this.termSegments(phrase[0] as string);
    // No positions: the phrase is where every token is, counted as its least frequent token there.
    let present: Map<number, [number, number]> | null = null;
    for (const token of phrase) {
      const here = new Map<number, [number, number]>();
      for (const segment of this.termSegments(token)) {
        for (let i = 0; i < segment.size; i++) {
          const doc = segment.docs[i] as number;
          const count = segment.counts[i] as number;
          const [t, c] = count === OVERFLOW ? segment.exact(i) : [count >>> 4, count & 0xf];
          const before: [number, number] | undefined = present === null ? [t, c] : present.get(doc);
          if (before) here.set(doc, [Math.min(before[0], t), Math.min(before[1], c)]);
        }
      }
      present = here;
    }
    const found = [...(present ?? new Map<number, [number, number]>())];
    const docs = Int32Array.from(found, ([doc]) => doc);
    const counts = new Uint8Array(found.length).fill(OVERFLOW);
    return [{ docs, counts, size: found.length, exact: (i) => found[i]?.[1] ?? [0, 0] }];
  }

  private termSegments(term: string): Segment[] {
    const segments: Segment[] = [];
    const id = this.terms.get(term);
    if (id !== undefined) {
      const start = this.offsets[id] as number;
      const docs = this.baseDocs.subarray(start, this.offsets[id + 1] as number);
      segments.push({
        docs,
        counts: this.baseCounts.subarray(start, start + docs.length),
        size: docs.length,
        exact: (i) => this.overflow.get(`${docs[i]}:${term}`) ?? [MAX_PACKED, MAX_PACKED],
      });
    }
    const tail = this.tails.get(term);
    if (tail !== undefined && tail.size > 0) {
      const docs = tail.docs;
      segments.push({
        docs,
        counts: tail.counts,
        size: tail.size,
        exact: (i) => this.overflow.get(`${docs[i]}:${term}`) ?? [MAX_PACKED, MAX_PACKED],
      });
    }
    return segments;
  }

  /** Calls `visit` with each posting of a term (base, then tail) and its exact counts when packed as OVERFLOW. */
  private eachOf(term: string, visit: (doc: number, count: number, exact: readonly [number, number] | undefined) => void): void {
    const id = this.terms.get(term);
    if (id !== undefined) {
      for (let i = this.offsets[id] as number; i < (this.offsets[id + 1] as number); i++) {
        const doc = this.baseDocs[i] as number;
        const count = this.baseCounts[i] as number;
        visit(doc, count, count === OVERFLOW ? this.overflow.get(`${doc}:${term}`) : undefined);
      }
    }
    const tail = this.tails.get(term);
    if (tail !== undefined) {
      for (let i = 0; i < tail.size; i++) {
        const doc = tail.docs[i] as number;
        const count = tail.counts[i] as number;
        visit(doc, count, count === OVERFLOW ? this.overflow.get(`${doc}:${term}`) : undefined);
      }
    }
  }

  /** Registers a doc; returns its number. */
  private addDoc(doc: KeywordDoc): number {
    const existing = this.docOf.get(doc.rowid);
    if (existing !== undefined) return -1;
    this.ensureDocCapacity(this.docs + 1);
    const number = this.docs++;
    this.rowids[number] = doc.rowid;
    this.lengths[number] = doc.tokens.length;
    this.scopes[number] = intern(this.scopeIds, doc.scopeKey);
    this.tenants[number] = intern(this.tenantIds, doc.tenantId);
    this.docOf.set(doc.rowid, number);
    this.liveDocs++;
    this.liveTokens += doc.tokens.length;
    return number;
  }

  /** Each distinct term of a doc with its packed counts (exact ones kept aside when they do not fit). */
  private eachPosting(doc: number, tokens: DocTokens, visit: (term: string, packed: number) => void): void {
    const pack = (term: string, inText: number, inContext: number): void => {
      if (inText > MAX_PACKED || inContext > MAX_PACKED) {
        this.overflow.set(`${doc}:${term}`, [inText, inContext]);
        visit(term, OVERFLOW);
      } else visit(term, (inText << 4) | inContext);
    };
    for (const [term, n] of tokens.text) pack(term, n, tokens.context.get(term) ?? 0);
    for (const [term, n] of tokens.context) if (!tokens.text.has(term)) pack(term, 0, n);
  }

  /** A doc number that is always dead (for unused base slots). */
  private deadSlot(): number {
    this.ensureDocCapacity(this.docs + 1);
    const number = this.docs++;
    this.scopes[number] = -1;
    this.rowids[number] = -1;
    return number;
  }

  private ensureDocCapacity(n: number): void {
    if (n <= this.rowids.length) return;
    const capacity = Math.max(n, Math.ceil(this.rowids.length * 1.5));
    const grow = <T extends Float64Array | Int32Array>(old: T, make: (n: number) => T): T => {
      const next = make(capacity);
      next.set(old);
      return next;
    };
    this.rowids = grow(this.rowids, (c) => new Float64Array(c));
    this.lengths = grow(this.lengths, (c) => new Int32Array(c));
    this.scopes = grow(this.scopes, (c) => new Int32Array(c));
    this.tenants = grow(this.tenants, (c) => new Int32Array(c));
  }
}

/** Position of `doc` among the first `size` entries of ascending `docs`, or -1. */
function indexOf(docs: Int32Array, size: number, doc: number): number {
  let lo = 0;
  let hi = size - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const at = docs[mid] as number;
    if (at === doc) return mid;
    if (at < doc) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

/** BM25's term-frequency factor for a weighted frequency in a doc of `length` tokens, at length average `avgdl`. */
function tfFactor(freq: number, length: number, avgdl: number): number {
  return (freq * (K1 + 1.0)) / (freq + K1 * (1 - B + (B * length) / avgdl));
}
