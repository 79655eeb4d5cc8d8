import { StrataError } from '../../errors/strata-error.js';
import type { StoreCapabilities } from '../../spec/capabilities.js';
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
} from '../../spec/memory-store.js';
import type { FactRecord, FactRule, MemoryRecord, MessageRecord, Scope, SessionRecord } from '../../spec/records.js';
import type {
  EmbeddingCoverage,
  EmbeddingModelSetting,
  EmbeddingState,
  ReembedCheckpoint,
  ReembedEntry,
  ReembedPage,
  ReembedSample,
  ReembedStoreV1,
  SecondaryEmbedding,
  SecondaryEmbeddingPage,
  SwitchResult,
} from '../../spec/reembed-store.js';
import type { PgDriver } from './driver.js';
import { PgFacts } from './pg-facts.js';
import { PgKeywords } from './pg-keywords.js';
import { PgMemories } from './pg-memories.js';
import { migratePg } from './pg-migrate.js';
import { PgReembed } from './pg-reembed.js';
import { type InsertMemoryRow, PgSessions } from './pg-sessions.js';
import { PgVectors, type VectorMode } from './pg-vectors.js';

export interface PgInternals {
  readonly driver: PgDriver;
  /** Inserts a memory row inside a transaction (after prepareVectors for the batch). */
  readonly insertRow: InsertMemoryRow;
  /** Before a write transaction: creates the vector index of each model it will write. */
  readonly prepareVectors: (memories: readonly NewMemory[]) => Promise<void>;
}

export interface PostgresStoreOptions {
  /** A driver whose connections use `schema` (pgPoolDriver, pgliteDriver). */
  readonly driver: PgDriver;
  /** The schema holding Strata's tables. Default `strata`. */
  readonly schema?: string | undefined;
  readonly maxTextLength?: number | undefined;
  /** Where open() says how vector search works here. Default console.warn for the fallback only. */
  readonly log?: ((message: string) => void) | undefined;
}

/**
 * The PostgreSQL backend: the truth and every index in the database, so any number of Strata
 * processes share one store and see each other's writes at once. Keyword search on a generated
 * tsvector (GIN); vector search on pgvector HNSW (one partial index per model) or, without the
 * extension, exact cosine over the filtered scope. Written once against PgDriver.
 */
export class PostgresStore implements MemoryStoreV1, ReembedStoreV1 {
  readonly specificationVersion = 'v1' as const;
  readonly capabilities: StoreCapabilities;
  readonly schema: string;
  private readonly driver: PgDriver;
  private parts: {
    sessions: PgSessions;
    memories: PgMemories;
    vectors: PgVectors;
    keywords: PgKeywords;
    facts: PgFacts;
    reembed: PgReembed;
  } | null = null;
  private opening: Promise<void> | null = null;
  private vectorReason = 'not opened';

  constructor(private readonly options: PostgresStoreOptions) {
    this.driver = options.driver;
    this.schema = options.schema ?? 'strata';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(this.schema)) {
      throw new StrataError('INVALID_CONFIG', `schema must be a lower-case SQL identifier, not "${this.schema}"`, {
        details: { field: 'schema' },
      });
    }
    this.capabilities = {
      supportsKeywordSearch: true,
      supportsVectorIndex: true,
      supportsTransactions: true,
      maxTextLength: options.maxTextLength ?? 32_000,
    };
  }

  /** How vector search runs (after open): `pgvector` (HNSW) or `exact` (no extension), and why. */
  get vectorSupport(): { mode: VectorMode | 'unknown'; reason: string } {
    return { mode: this.parts?.vectors.mode ?? 'unknown', reason: this.vectorReason };
  }

  /**
   * What the consolidation, archive and retention sides (pg-consolidation.ts, pg-archive.ts,
   * pg-retention.ts) write through: the driver, and memory inserts that keep the vector column
   * and its per-model index. Throws CLOSED before open.
   */
  get pgInternals(): PgInternals {
    const { memories, vectors } = this.p;
    return { driver: this.driver, insertRow: memories.insertRow, prepareVectors: (batch) => vectors.prepare(batch) };
  }

  /** The driver, for readiness checks (`SELECT 1`, migration state). */
  get pg(): PgDriver {
    return this.driver;
  }

  open(): Promise<void> {
    this.opening ??= this.openOnce().catch((cause: unknown) => {
      this.opening = null;
      if (cause instanceof StrataError) throw cause;
      throw new StrataError('STORE_UNAVAILABLE', `cannot open the PostgreSQL store (schema ${this.schema})`, { cause });
    });
    return this.opening;
  }

  private async openOnce(): Promise<void> {
    await migratePg(this.driver, this.schema);
    const detected = await PgVectors.detect(this.driver);
    this.vectorReason = detected.reason;
    if (detected.mode === 'exact') (this.options.log ?? console.warn)(`[strata] postgres store: ${detected.reason}`);
    else this.options.log?.(`[strata] postgres store: ${detected.reason}, HNSW per embedding model`);
    const vectors = new PgVectors(this.driver, detected.mode);
    await vectors.open();
    const memories = new PgMemories(this.driver, vectors);
    this.parts = {
      vectors,
      memories,
      sessions: new PgSessions(this.driver, memories.insertRow, (batch) => vectors.prepare(batch)),
      keywords: new PgKeywords(this.driver),
      facts: new PgFacts(this.driver),
      reembed: new PgReembed(this.driver, () => vectors),
    };
  }

  /**
   * Refreshes the planner's statistics of the memories table (ANALYZE), as autovacuum does in
   * time: right after a bulk load, plans made without them can be orders of magnitude slower.
   * A server may call it after open; benchmarks call it before timing (like SqliteStore.warm).
   */
  async warm(): Promise<void> {
    if (!this.parts) throw new StrataError('CLOSED', 'the PostgreSQL store is not open');
    await this.driver.query('ANALYZE memories', []);
  }

  async close(): Promise<void> {
    this.parts = null;
    this.opening = null;
    await this.driver.close();
  }

  private get p(): NonNullable<PostgresStore['parts']> {
    if (!this.parts) throw new StrataError('CLOSED', 'the PostgreSQL store is not open');
    return this.parts;
  }

  ensureSession(input: NewSession): Promise<SessionRecord> {
    return this.p.sessions.ensure(input);
  }
  getSession(tenantId: string, sessionId: string): Promise<SessionRecord | null> {
    return this.p.sessions.get(tenantId, sessionId);
  }
  listSessions(filter: SessionFilter, page: Page): Promise<SessionRecord[]> {
    return this.p.sessions.list(filter, page);
  }
  appendMessages(tenantId: string, sessionId: string, batch: readonly AppendItem[]): Promise<AppendResult[]> {
    return this.p.sessions.append(tenantId, sessionId, batch);
  }
  listMessages(tenantId: string, sessionId: string, query: MessageQuery): Promise<MessageRecord[]> {
    return this.p.sessions.listMessages(tenantId, sessionId, query);
  }
  findByClientMsgIds(tenantId: string, sessionId: string, clientMsgIds: readonly string[]): Promise<Map<string, MessageRecord>> {
    return this.p.sessions.findByClientMsgIds(tenantId, sessionId, clientMsgIds);
  }

  insertMemory(memory: NewMemory): Promise<MemoryRecord> {
    return this.p.memories.insert(memory);
  }
  insertMemories(memories: readonly NewMemory[]): Promise<void> {
    return this.p.memories.insertMany(memories);
  }
  updateMemory(tenantId: string, id: string, patch: MemoryPatch): Promise<MemoryRecord | null> {
    return this.p.memories.update(tenantId, id, patch);
  }
  appendTurnContext(tenantId: string, memoryId: string, line: string, nextTurn: string): Promise<boolean> {
    return this.p.memories.appendTurnContext(tenantId, memoryId, line, nextTurn);
  }
  getMemories(tenantId: string, ids: readonly string[]): Promise<MemoryRecord[]> {
    return this.p.memories.get(tenantId, ids);
  }
  getEmbeddings(tenantId: string, ids: readonly string[], model?: string): Promise<Map<string, Float32Array>> {
    return this.p.memories.embeddings(tenantId, ids, model);
  }
  listMemories(filter: MemoryFilter, page: Page): Promise<MemoryRecord[]> {
    return this.p.memories.list(filter, page);
  }
  countMemories(filter: MemoryFilter): Promise<number> {
    return this.p.memories.count(filter);
  }
  deleteMemories(tenantId: string, ids: readonly string[]): Promise<number> {
    return this.p.memories.delete(tenantId, ids);
  }

  keywordSearch(filter: MemoryFilter, terms: readonly string[], k: number): Promise<ScoredId[]> {
    return this.p.keywords.search(filter, terms, k);
  }
  keywordScores(filter: MemoryFilter, terms: readonly string[], ids: readonly string[]): Promise<ScoredId[]> {
    return this.p.keywords.scores(filter, terms, ids);
  }
  vectorSearch(
    filter: MemoryFilter,
    vector: Float32Array,
    model: string,
    k: number,
    options: VectorSearchOptions = {},
  ): Promise<ScoredId[]> {
    return this.p.vectors.search(filter, vector, model, k, options.exact === true);
  }
  async rebuildIndexes(): Promise<IndexReport> {
    const keywordRows = await this.p.keywords.rebuild();
    return { keywordRows, vectorIndexes: await this.p.vectors.rebuild() };
  }

  setFact(fact: NewFact): Promise<SetFactResult> {
    return this.p.facts.set(fact);
  }
  getFacts(filter: FactFilter): Promise<FactRecord[]> {
    return this.p.facts.get(filter, Date.now());
  }
  setFactRule(scope: Scope, subject: string, key: string, rule: FactRule): Promise<void> {
    return this.p.facts.setRule(scope, subject, key, rule);
  }
  getFactRule(scope: Scope, subject: string, key: string): Promise<FactRule | null> {
    return this.p.facts.getRule(scope, subject, key);
  }

  getCachedEmbeddings(model: string, hashes: readonly string[]): Promise<Map<string, Float32Array>> {
    return this.p.memories.cached(model, hashes);
  }
  putCachedEmbeddings(model: string, entries: ReadonlyMap<string, Float32Array>): Promise<void> {
    return this.p.memories.cache(model, entries);
  }

  forgetUser(tenantId: string, userId: string): Promise<EraseCounts> {
    return this.p.memories.forgetUser(tenantId, userId);
  }

  // Blue/green re-embedding (pg-reembed.ts).
  listMemoriesToEmbed(model: string, after: string | null, limit: number): Promise<ReembedPage> {
    return this.p.reembed.listMemoriesToEmbed(model, after, limit);
  }
  putEmbeddings(model: string, entries: readonly ReembedEntry[]): Promise<number> {
    return this.p.reembed.putEmbeddings(model, entries);
  }
  sampleMemories(limit: number): Promise<ReembedSample[]> {
    return this.p.reembed.sampleMemories(limit);
  }
  getSecondaryEmbeddings(tenantId: string, ids: readonly string[]): Promise<SecondaryEmbedding[]> {
    return this.p.reembed.getSecondaryEmbeddings(tenantId, ids);
  }
  countEmbeddings(model: string): Promise<EmbeddingCoverage> {
    return this.p.reembed.countEmbeddings(model);
  }
  getEmbeddingState(): Promise<EmbeddingState> {
    return this.p.reembed.getEmbeddingState();
  }
  switchActiveModel(target: EmbeddingModelSetting, current: EmbeddingModelSetting | null): Promise<SwitchResult> {
    return this.p.reembed.switchActiveModel(target, current);
  }
  dropEmbeddings(model: string): Promise<number> {
    return this.p.reembed.dropEmbeddings(model);
  }
  getReembedCheckpoint(model: string): Promise<ReembedCheckpoint | null> {
    return this.p.reembed.getReembedCheckpoint(model);
  }
  scanSecondaryEmbeddings(after: string | null, limit: number): Promise<SecondaryEmbeddingPage> {
    return this.p.reembed.scanSecondaryEmbeddings(after, limit);
  }
  putReembedCheckpoint(model: string, checkpoint: ReembedCheckpoint | null): Promise<void> {
    return this.p.reembed.putReembedCheckpoint(model, checkpoint);
  }
}
