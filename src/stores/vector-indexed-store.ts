import { StrataError } from '../errors/strata-error.js';
import type { StoreCapabilities } from '../spec/capabilities.js';
import { acceptsExternalWrites, type ExternalWrite, type ExternalWriteAwareV1 } from '../spec/external-writes.js';
import { canScanEmbeddedMemories } from '../spec/memory-scan.js';
import type {
  AppendItem,
  AppendResult,
  EraseCounts,
  FactFilter,
  IndexReport,
  MemoryFilter,
  MemoryPatch,
  MemoryStoreV1,
  MessageQuery,
  NewFact,
  NewMemory,
  NewSession,
  Page,
  ScoredId,
  SessionFilter,
  SetFactResult,
  VectorSearchOptions,
} from '../spec/memory-store.js';
import type { FactRecord, FactRule, MemoryRecord, MessageRecord, Scope, SessionRecord } from '../spec/records.js';
import {
  canReembed,
  type EmbeddingCoverage,
  type EmbeddingModelSetting,
  type EmbeddingState,
  type ReembedCheckpoint,
  type ReembedEntry,
  type ReembedPage,
  type ReembedSample,
  type ReembedStoreV1,
  type SecondaryEmbedding,
  type SecondaryEmbeddingPage,
  type SwitchResult,
} from '../spec/reembed-store.js';
import type { VectorIndexV1, VectorPoint } from '../spec/vector-index.js';
import { IndexRepairQueue, MAX_OWED, toVectorPoint as toPoint } from './index-repair-queue.js';

export interface VectorIndexedStoreOptions {
  /** The store that holds the truth (SQLite by default). */
  readonly durable: MemoryStoreV1;
  /** The external semantic index mirroring its embedded memories (Qdrant). */
  readonly index: VectorIndexV1;
  /** Told about every failed index write or search (the durable write stands). Default: a warning on stderr. */
  readonly onIndexError?: ((error: unknown, operation: string) => void) | undefined;
  /** After an index failure, searches go to the durable store for this long before trying the index again. Default 5 s. */
  readonly retryAfterMs?: number | undefined;
  /** Memories owed to the index (after failures) before the queue gives up and only a rebuild repairs it. Default 100,000. */
  readonly maxOwedRepairs?: number | undefined;
  /** Memories per page when rebuilding the index. Default 512. */
  readonly rebuildBatchSize?: number | undefined;
  readonly clock?: (() => number) | undefined;
}

/** Memories re-mirrored per repair run after an external write. */
const EXTERNAL_BATCH = 500;

/**
 * A MemoryStoreV1 that keeps every operation on the durable store and mirrors memories with an
 * embedding into an external vector index, answering vectorSearch from it. Keyword search,
 * listing, facts, sessions and messages stay with the durable store.
 *
 * Ordering and failure: the durable write always comes first and is never undone. When the index
 * write after it fails, the operation still succeeds (the memory is stored, deleted or erased in
 * the truth); the memory id (or the erased user) is queued for repair and `onIndexError` is told.
 * While repairs are pending, or for `retryAfterMs` after an index failure, vectorSearch answers
 * from the durable store's own vector search, so for writes made through this store a stale or
 * absent index never returns a deleted or erased memory, nor misses a new one. The queue is retried before each search and write; it
 * lives in this process, so after a restart `rebuildIndexes` (`strata rebuild-index`) re-upserts
 * everything from the durable store into a fresh collection and switches the alias to it.
 */
export class VectorIndexedStore implements MemoryStoreV1, ExternalWriteAwareV1, ReembedStoreV1 {
  readonly specificationVersion = 'v1' as const;
  readonly capabilities: StoreCapabilities;
  private readonly durable: MemoryStoreV1;
  private readonly index: VectorIndexV1;
  private readonly onIndexError: (error: unknown, operation: string) => void;
  private readonly clock: () => number;
  /** Index writes owed after failures (memories to re-mirror, erasures to apply). */
  private readonly repairs: IndexRepairQueue;
  private indexDownUntil = 0;
  /** While rebuildIndexes runs: model -> the collection being built, which writes go to as well. */
  private building: Map<string, Promise<string>> | null = null;
  /** Embedding models seen in writes and searches (an erased model still gets a fresh, empty collection). */
  private readonly models = new Map<string, number>();
  readonly keywordScores?: MemoryStoreV1['keywordScores'];
  readonly storedWords?: MemoryStoreV1['storedWords'];

  constructor(private readonly options: VectorIndexedStoreOptions) {
    this.durable = options.durable;
    // Keyword scores come from the durable store, when it has them (core falls back without).
    const { keywordScores, storedWords } = options.durable;
    if (keywordScores) this.keywordScores = (filter, terms, ids) => keywordScores.call(options.durable, filter, terms, ids);
    if (storedWords) this.storedWords = (memories) => storedWords.call(options.durable, memories);
    this.index = options.index;
    this.capabilities = options.durable.capabilities;
    this.clock = options.clock ?? Date.now;
    this.onIndexError =
      options.onIndexError ??
      ((error, operation) => process.emitWarning(`vector index ${operation} failed (queued for repair): ${(error as Error).message}`));
    this.repairs = new IndexRepairQueue(
      this.durable,
      canReembed(this.durable) ? this.durable : null,
      this.index,
      (model, points) => this.upsert(model, points),
      () =>
        this.onIndexError(
          new Error(`more than ${options.maxOwedRepairs ?? MAX_OWED} index writes are owed`),
          'repair queue (searches use the durable store until rebuildIndexes)',
        ),
      options.maxOwedRepairs,
    );
  }

  /** The durable store behind the index. */
  get inner(): MemoryStoreV1 {
    return this.durable;
  }

  /** The index this store mirrors into (readiness probes, doctor). */
  get vectorIndex(): VectorIndexV1 {
    return this.index;
  }

  /** True once the repair queue overflowed: searches use the durable store until rebuildIndexes. */
  get needsRebuild(): boolean {
    return this.repairs.stale;
  }

  /** Index work still owed: memories to re-mirror and users to erase. */
  get pendingRepairs(): { memories: number; users: number } {
    return this.repairs.pending;
  }

  /** Opens the durable store, then the index: an index that does not answer at start fails open(). */
  async open(): Promise<void> {
    await this.durable.open();
    try {
      await this.index.open();
    } catch (error) {
      await this.durable.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    try {
      await this.index.close();
    } finally {
      await this.durable.close();
    }
  }

  // ---- writes: durable first, then the mirror -------------------------------------------

  async appendMessages(tenantId: string, sessionId: string, batch: readonly AppendItem[]): Promise<AppendResult[]> {
    const results = await this.durable.appendMessages(tenantId, sessionId, batch);
    const turns = batch.flatMap((item, i) => (results[i]?.created && item.turn ? [item.turn] : []));
    await this.mirrorNew(turns);
    return results;
  }

  async insertMemory(memory: NewMemory): Promise<MemoryRecord> {
    const record = await this.durable.insertMemory(memory);
    await this.mirrorNew([memory]);
    return record;
  }

  async insertMemories(memories: readonly NewMemory[]): Promise<void> {
    const { durable } = this;
    if (durable.insertMemories) await durable.insertMemories(memories);
    else for (const memory of memories) await durable.insertMemory(memory);
    await this.mirrorNew(memories);
  }

  async updateMemory(tenantId: string, id: string, patch: MemoryPatch): Promise<MemoryRecord | null> {
    const record = await this.durable.updateMemory(tenantId, id, patch);
    const touchesIndex =
      patch.embedding !== undefined || patch.tags !== undefined || patch.validTo !== undefined || patch.supersededBy !== undefined;
    if (record && touchesIndex) {
      await this.mirror('update', [{ tenantId, id }], async () => {
        // A new embedding may be of another model: the old point goes from every collection first
        // (the durable store dropped the memory's secondary vectors with it).
        if (patch.embedding !== undefined) await this.index.deleteByIds(tenantId, [id]);
        const embedding = patch.embedding ?? (await this.durable.getEmbeddings(tenantId, [id])).get(id);
        if (record.embeddingModel && embedding) await this.upsert(record.embeddingModel, [toPoint(record, embedding)]);
        // Same vectors, new payload (tags, validity): the memory's points of other models too.
        if (patch.embedding === undefined) {
          for (const secondary of await this.secondaryOf(tenantId, [id])) {
            await this.upsert(secondary.model, [toPoint(record, secondary.embedding)]);
          }
        }
      });
    }
    return record;
  }

  async deleteMemories(tenantId: string, ids: readonly string[]): Promise<number> {
    const removed = await this.durable.deleteMemories(tenantId, ids);
    await this.mirror(
      'delete',
      ids.map((id) => ({ tenantId, id })),
      () => this.index.deleteByIds(tenantId, ids),
    );
    return removed;
  }

  async forgetUser(tenantId: string, userId: string): Promise<EraseCounts> {
    const counts = await this.durable.forgetUser(tenantId, userId);
    const owe = () => this.repairs.oweErasure(tenantId, userId);
    if (this.clock() < this.indexDownUntil) owe();
    else {
      try {
        await this.index.deleteUser(tenantId, userId);
      } catch (error) {
        owe();
        this.indexFailed(error, 'erase');
      }
    }
    return counts;
  }

  /**
   * After memories were written beside this store (consolidation's summaries, notes and merges,
   * prune's removals): each is re-read from the durable store and re-mirrored, or removed from the
   * index when it is gone, through the repair queue. When the index fails they stay owed, and
   * searches answer from the durable store until they are applied.
   */
  async afterExternalWrite(write: ExternalWrite): Promise<void> {
    const ids = [...new Set(write.memories ?? [])];
    for (let i = 0; i < ids.length; i += EXTERNAL_BATCH) {
      const keys = ids.slice(i, i + EXTERNAL_BATCH).map((id) => ({ tenantId: write.tenantId, id }));
      this.repairs.oweMemories(keys);
      if (this.clock() < this.indexDownUntil) continue;
      try {
        await this.repairs.run();
      } catch (error) {
        this.indexFailed(error, 'external write');
      }
    }
    if (acceptsExternalWrites(this.durable)) await this.durable.afterExternalWrite(write);
  }

  // ---- search ---------------------------------------------------------------------------

  async vectorSearch(
    filter: MemoryFilter,
    vector: Float32Array,
    model: string,
    k: number,
    options: VectorSearchOptions = {},
  ): Promise<ScoredId[]> {
    this.models.set(model, vector.length);
    // `exact` is the brute-force baseline, which the durable store defines.
    if (options.exact || !(await this.indexUsable())) return this.durable.vectorSearch(filter, vector, model, k, options);
    try {
      return await this.index.search(model, vector, filter, k);
    } catch (error) {
      if (StrataError.is(error, 'DIMENSION_MISMATCH')) throw error;
      this.indexFailed(error, 'search');
      return this.durable.vectorSearch(filter, vector, model, k, options);
    }
  }

  async keywordSearch(filter: MemoryFilter, terms: readonly string[], k: number): Promise<ScoredId[]> {
    return this.durable.keywordSearch(filter, terms, k);
  }

  /**
   * Rebuilds the durable store's own indexes, then the vector index blue/green: every embedded
   * memory is copied into a new collection per model (writes meanwhile go to both), the model's
   * alias is switched to it in one step, and the old collection is dropped. A memory deleted
   * while the copy runs can reappear in the new collection; searches never return it (core
   * reads results back from the durable store), and the next rebuild removes it.
   */
  async rebuildIndexes(): Promise<IndexReport> {
    const durableReport = await this.durable.rebuildIndexes();
    const durable = this.durable;
    if (!canScanEmbeddedMemories(durable)) {
      throw new StrataError(
        'INVALID_CONFIG',
        'the durable store cannot list its embedded memories, so the vector index cannot be rebuilt',
        {
          details: { field: 'store' },
        },
      );
    }
    if (this.building) throw new StrataError('INVALID_INPUT', 'a rebuild of the vector index is already running');
    // The copy starts from the truth: what is owed now (and an overflowed queue) is settled by it.
    const owed = this.repairs.beginRebuild();
    const building = new Map<string, Promise<string>>();
    this.building = building;
    const counts = new Map<string, number>();
    try {
      for (const [model, dims] of this.models) await this.greenFor(model, dims);
      let after: string | null = null;
      do {
        const page = await durable.scanEmbeddedMemories(after, this.options.rebuildBatchSize ?? 512);
        const byModel = new Map<string, VectorPoint[]>();
        for (const { memory, embedding } of page.items) {
          if (!memory.embeddingModel) continue;
          const points = byModel.get(memory.embeddingModel) ?? [];
          points.push(toPoint(memory, embedding));
          byModel.set(memory.embeddingModel, points);
        }
        for (const [model, points] of byModel) {
          const green = await this.greenFor(model, (points[0] as VectorPoint).vector.length);
          await this.index.upsert(model, points, { collection: green });
          counts.set(model, (counts.get(model) ?? 0) + points.length);
        }
        after = page.next;
      } while (after !== null);
      // Secondary vectors (a re-embedding's) into their models' new collections too.
      const reembed = canReembed(durable) ? durable : null;
      for (let next: string | null = null, first = true; reembed && (first || next !== null); first = false) {
        const page: SecondaryEmbeddingPage = await reembed.scanSecondaryEmbeddings(next, this.options.rebuildBatchSize ?? 512);
        const byModel = new Map<string, VectorPoint[]>();
        for (const { model, memory, embedding } of page.items)
          byModel.set(model, [...(byModel.get(model) ?? []), toPoint(memory, embedding)]);
        for (const [model, points] of byModel) {
          const green = await this.greenFor(model, (points[0] as VectorPoint).vector.length);
          await this.index.upsert(model, points, { collection: green });
          counts.set(model, (counts.get(model) ?? 0) + points.length);
        }
        next = page.next;
      }
      for (const [model, green] of building) {
        const { previous } = await this.index.switchAlias(model, await green);
        if (previous !== null && previous !== (await green)) await this.index.dropCollection(previous);
      }
    } finally {
      this.building = null;
    }
    this.repairs.finishRebuild(owed);
    this.indexDownUntil = 0;
    return {
      keywordRows: durableReport.keywordRows,
      vectorIndexes: [...building.keys()].map((model) => ({ model, vectors: counts.get(model) ?? 0 })),
    };
  }

  // ---- blue/green re-embedding: the durable store's, mirrored ----------------------------

  /**
   * Mirrors the vectors into the model's collection first (its own collection beside the live
   * model's, reached through its alias), then stores them in the durable store: an index that
   * fails fails the batch, which the job redoes (the durable store still lists those memories).
   */
  async putEmbeddings(model: string, entries: readonly ReembedEntry[]): Promise<number> {
    const durable = this.reembedDurable();
    const byTenant = new Map<string, ReembedEntry[]>();
    for (const entry of entries) byTenant.set(entry.tenantId, [...(byTenant.get(entry.tenantId) ?? []), entry]);
    const points: VectorPoint[] = [];
    for (const [tenantId, group] of byTenant) {
      const records = new Map(
        (
          await this.durable.getMemories(
            tenantId,
            group.map((entry) => entry.id),
          )
        ).map((r) => [r.id, r]),
      );
      for (const entry of group) {
        const record = records.get(entry.id);
        if (record && record.contentHash === entry.contentHash && record.embeddingModel !== model)
          points.push(toPoint(record, entry.vector));
      }
    }
    if (points.length > 0) await this.upsert(model, points);
    return durable.putEmbeddings(model, entries);
  }

  /** Drops the model's vectors in the durable store, and empties its collection (a fresh one behind its alias). */
  async dropEmbeddings(model: string): Promise<number> {
    const removed = await this.reembedDurable().dropEmbeddings(model);
    const live = await this.index.describe(model);
    if (live) {
      const fresh = await this.index.createCollection({ name: model, dims: live.dims });
      const { previous } = await this.index.switchAlias(model, fresh);
      if (previous !== null && previous !== fresh) await this.index.dropCollection(previous);
    }
    return removed;
  }

  listMemoriesToEmbed(model: string, after: string | null, limit: number): Promise<ReembedPage> {
    return this.reembedDurable().listMemoriesToEmbed(model, after, limit);
  }
  sampleMemories(limit: number): Promise<ReembedSample[]> {
    return this.reembedDurable().sampleMemories(limit);
  }
  countEmbeddings(model: string): Promise<EmbeddingCoverage> {
    return this.reembedDurable().countEmbeddings(model);
  }
  getEmbeddingState(): Promise<EmbeddingState> {
    return this.reembedDurable().getEmbeddingState();
  }
  switchActiveModel(target: EmbeddingModelSetting, current: EmbeddingModelSetting | null): Promise<SwitchResult> {
    return this.reembedDurable().switchActiveModel(target, current);
  }
  scanSecondaryEmbeddings(after: string | null, limit: number): Promise<SecondaryEmbeddingPage> {
    return this.reembedDurable().scanSecondaryEmbeddings(after, limit);
  }
  getSecondaryEmbeddings(tenantId: string, ids: readonly string[]): Promise<SecondaryEmbedding[]> {
    return this.reembedDurable().getSecondaryEmbeddings(tenantId, ids);
  }
  getReembedCheckpoint(model: string): Promise<ReembedCheckpoint | null> {
    return this.reembedDurable().getReembedCheckpoint(model);
  }
  putReembedCheckpoint(model: string, checkpoint: ReembedCheckpoint | null): Promise<void> {
    return this.reembedDurable().putReembedCheckpoint(model, checkpoint);
  }

  private reembedDurable(): ReembedStoreV1 {
    if (!canReembed(this.durable)) throw new StrataError('INVALID_CONFIG', 'the durable store behind the vector index cannot re-embed');
    return this.durable;
  }

  private async secondaryOf(tenantId: string, ids: readonly string[]): Promise<SecondaryEmbedding[]> {
    return canReembed(this.durable) ? this.durable.getSecondaryEmbeddings(tenantId, ids) : [];
  }

  // ---- everything else is the durable store's -------------------------------------------

  ensureSession(input: NewSession): Promise<SessionRecord> {
    return this.durable.ensureSession(input);
  }
  getSession(tenantId: string, sessionId: string): Promise<SessionRecord | null> {
    return this.durable.getSession(tenantId, sessionId);
  }
  listSessions(filter: SessionFilter, page: Page): Promise<SessionRecord[]> {
    return this.durable.listSessions(filter, page);
  }
  listMessages(tenantId: string, sessionId: string, query: MessageQuery): Promise<MessageRecord[]> {
    return this.durable.listMessages(tenantId, sessionId, query);
  }
  findByClientMsgIds(tenantId: string, sessionId: string, clientMsgIds: readonly string[]): Promise<Map<string, MessageRecord>> {
    return this.durable.findByClientMsgIds(tenantId, sessionId, clientMsgIds);
  }
  getMemories(tenantId: string, ids: readonly string[]): Promise<MemoryRecord[]> {
    return this.durable.getMemories(tenantId, ids);
  }
  getEmbeddings(tenantId: string, ids: readonly string[], model?: string): Promise<Map<string, Float32Array>> {
    return this.durable.getEmbeddings(tenantId, ids, model);
  }
  listMemories(filter: MemoryFilter, page: Page): Promise<MemoryRecord[]> {
    return this.durable.listMemories(filter, page);
  }
  countMemories(filter: MemoryFilter): Promise<number> {
    return this.durable.countMemories(filter);
  }
  setFact(fact: NewFact): Promise<SetFactResult> {
    return this.durable.setFact(fact);
  }
  getFacts(filter: FactFilter): Promise<FactRecord[]> {
    return this.durable.getFacts(filter);
  }
  setFactRule(scope: Scope, subject: string, key: string, rule: FactRule): Promise<void> {
    return this.durable.setFactRule(scope, subject, key, rule);
  }
  getFactRule(scope: Scope, subject: string, key: string): Promise<FactRule | null> {
    return this.durable.getFactRule(scope, subject, key);
  }
  getCachedEmbeddings(model: string, hashes: readonly string[]): Promise<Map<string, Float32Array>> {
    return this.durable.getCachedEmbeddings(model, hashes);
  }
  putCachedEmbeddings(model: string, entries: ReadonlyMap<string, Float32Array>): Promise<void> {
    return this.durable.putCachedEmbeddings(model, entries);
  }

  // ---- mirroring ------------------------------------------------------------------------

  private async mirrorNew(memories: readonly NewMemory[]): Promise<void> {
    const byModel = new Map<string, { keys: Array<{ tenantId: string; id: string }>; points: VectorPoint[] }>();
    for (const memory of memories) {
      if (!memory.embedding || !memory.embeddingModel) continue;
      const group = byModel.get(memory.embeddingModel) ?? { keys: [], points: [] };
      group.keys.push({ tenantId: memory.tenantId, id: memory.id });
      group.points.push(toPoint({ ...memory, supersededBy: null }, memory.embedding));
      byModel.set(memory.embeddingModel, group);
    }
    for (const [model, { keys, points }] of byModel) await this.mirror('upsert', keys, () => this.upsert(model, points));
  }

  /** Upserts into the live collection, and into the one being built while a rebuild runs. */
  private async upsert(model: string, points: VectorPoint[]): Promise<void> {
    const dims = (points[0] as VectorPoint).vector.length;
    this.models.set(model, dims);
    await this.index.upsert(model, points);
    if (this.building) await this.index.upsert(model, points, { collection: await this.greenFor(model, dims) });
  }

  private greenFor(model: string, dims: number): Promise<string> {
    const building = this.building as Map<string, Promise<string>>;
    let green = building.get(model);
    if (!green) {
      green = this.index.createCollection({ name: model, dims });
      building.set(model, green);
    }
    return green;
  }

  /** Runs an index write after its durable write; on failure the memories are queued for repair. */
  private async mirror(operation: string, keys: ReadonlyArray<{ tenantId: string; id: string }>, work: () => Promise<void>): Promise<void> {
    if (keys.length === 0) return;
    // In the cool-down after a failure, writes do not wait on the index: they are queued at once.
    if (this.clock() < this.indexDownUntil) return this.repairs.oweMemories(keys);
    try {
      await this.repairs.run();
      await work();
    } catch (error) {
      this.repairs.oweMemories(keys);
      this.indexFailed(error, operation);
    }
  }

  /** True when the index is in sync (owed repairs done) and not in its cool-down after a failure. */
  private async indexUsable(): Promise<boolean> {
    if (this.repairs.stale || this.clock() < this.indexDownUntil) return false;
    try {
      await this.repairs.run();
      return true;
    } catch (error) {
      this.indexFailed(error, 'repair');
      return false;
    }
  }

  private indexFailed(error: unknown, operation: string): void {
    this.indexDownUntil = this.clock() + (this.options.retryAfterMs ?? 5_000);
    this.onIndexError(error, operation);
  }
}
