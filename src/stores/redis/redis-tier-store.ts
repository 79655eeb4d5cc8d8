import type { StoreCapabilities } from '../../spec/capabilities.js';
import { acceptsExternalWrites, type ExternalWrite, type ExternalWriteAwareV1 } from '../../spec/external-writes.js';
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
import type { RedisConnection } from './redis-connection.js';
import { RedisEmbeddingCache } from './redis-embedding-cache.js';
import { RedisSessionCache } from './redis-session-cache.js';
import { windowAnswer } from './window-answer.js';

export interface RedisTierOptions {
  /** Newest messages cached per session. Default 50 (getContext's deepest plan reads 20). */
  readonly windowSize?: number | undefined;
  /** Session record and message window. Default 1 hour after the last write or fill. */
  readonly sessionTtlMs?: number | undefined;
  /** clientMsgId entries. Default 24 hours. */
  readonly idempotencyTtlMs?: number | undefined;
  /** Embedding cache entries. Default 7 days. */
  readonly embeddingTtlMs?: number | undefined;
  /** Told about every Redis failure the tier absorbed (for logs and metrics). */
  readonly onError?: ((operation: string, error: unknown) => void) | undefined;
}

/** Counters of what the tier answered from Redis; tests and benchmarks read them. */
export interface RedisTierStats {
  sessionHits: number;
  sessionMisses: number;
  windowHits: number;
  windowMisses: number;
  idempotencyHits: number;
  embeddingHits: number;
  embeddingMisses: number;
  /** Redis failures absorbed (the durable store answered or the write stood). */
  errors: number;
}

/** Keys waiting to be deleted after a failed cache update; past this many the oldest are dropped (their TTL still bounds them). */
const MAX_PENDING = 10_000;

/**
 * Redis in front of a durable store, as a decorator: it is itself a MemoryStoreV1. Redis holds
 * copies only (session records, the newest messages of each session, idempotency keys,
 * embeddings); the durable store holds the truth and answers everything else.
 *
 * Writes go to the durable store first, then to Redis; a Redis failure never fails a write:
 * the affected keys are deleted before the next Redis read (and expire anyway). Reads try Redis
 * and fall back to the durable store on a miss or a Redis error, then fill Redis, unless a
 * write happened meanwhile (a per-session generation fences fills).
 */
export class RedisTierStore implements MemoryStoreV1, ExternalWriteAwareV1 {
  readonly specificationVersion = 'v1' as const;
  readonly stats: RedisTierStats = {
    sessionHits: 0,
    sessionMisses: 0,
    windowHits: 0,
    windowMisses: 0,
    idempotencyHits: 0,
    embeddingHits: 0,
    embeddingMisses: 0,
    errors: 0,
  };
  private readonly sessions: RedisSessionCache;
  private readonly embeddings: RedisEmbeddingCache;
  private readonly windowSize: number;
  private readonly pending = new Set<string>();
  /** The durable store's optional memory operations, when it has them (this tier caches no memory). */
  readonly insertMemories?: MemoryStoreV1['insertMemories'];
  readonly appendTurnContext?: MemoryStoreV1['appendTurnContext'];
  readonly keywordScores?: MemoryStoreV1['keywordScores'];
  readonly storedWords?: MemoryStoreV1['storedWords'];

  constructor(
    readonly durable: MemoryStoreV1,
    readonly connection: RedisConnection,
    private readonly options: RedisTierOptions = {},
  ) {
    const { insertMemories, appendTurnContext, keywordScores, storedWords } = durable;
    if (insertMemories) this.insertMemories = (memories) => insertMemories.call(durable, memories);
    if (storedWords) this.storedWords = (memories) => storedWords.call(durable, memories);
    if (keywordScores) this.keywordScores = (filter, terms, ids) => keywordScores.call(durable, filter, terms, ids);
    if (appendTurnContext) {
      this.appendTurnContext = (tenantId, memoryId, line, nextTurn) => appendTurnContext.call(durable, tenantId, memoryId, line, nextTurn);
    }
    this.windowSize = options.windowSize ?? 50;
    this.sessions = new RedisSessionCache(connection, {
      sessionMs: options.sessionTtlMs ?? 3_600_000,
      idempotencyMs: options.idempotencyTtlMs ?? 86_400_000,
      windowSize: this.windowSize,
    });
    this.embeddings = new RedisEmbeddingCache(connection, options.embeddingTtlMs ?? 7 * 86_400_000);
  }

  get inner(): MemoryStoreV1 {
    return this.durable;
  }

  get capabilities(): StoreCapabilities {
    return this.durable.capabilities;
  }

  async open(): Promise<void> {
    await this.durable.open();
    await this.connection.acquire();
  }

  async close(): Promise<void> {
    await this.connection.release();
    await this.durable.close();
  }

  // ---- Redis first, durable behind --------------------------------------------------------

  /** Runs a Redis operation after the pending invalidations; null when Redis failed. */
  private async redis<T>(operation: string, work: () => Promise<T>): Promise<T | null> {
    try {
      if (!this.connection.usable()) throw new Error(`Redis is not usable now (${this.connection.client.status})`);
      if (this.pending.size > 0) {
        const keys = [...this.pending];
        const pipeline = this.connection.client.pipeline();
        for (const key of keys) pipeline.del(key);
        const replies = await pipeline.exec();
        if (replies?.some(([error]) => error)) throw new Error('cannot delete stale cache keys');
        for (const key of keys) this.pending.delete(key);
      }
      return await work();
    } catch (error) {
      this.connection.failed(error);
      this.stats.errors++;
      this.options.onError?.(operation, error);
      return null;
    }
  }

  /** Keys to delete before Redis is trusted again (a cache update failed). */
  private invalidateLater(keys: readonly string[]): void {
    for (const key of keys) this.pending.add(key);
    for (const key of this.pending) {
      if (this.pending.size <= MAX_PENDING) break;
      this.pending.delete(key);
    }
  }

  // ---- sessions ---------------------------------------------------------------------------

  ensureSession(input: NewSession): Promise<SessionRecord> {
    return this.durable.ensureSession(input);
  }

  async getSession(tenantId: string, sessionId: string): Promise<SessionRecord | null> {
    const cached = await this.redis('getSession', () => this.sessions.readSession(tenantId, sessionId));
    if (cached?.record) {
      this.stats.sessionHits++;
      return cached.record;
    }
    this.stats.sessionMisses++;
    const session = await this.durable.getSession(tenantId, sessionId);
    if (session && cached) await this.redis('fillSession', () => this.sessions.fill(session, cached.generation));
    return session;
  }

  listSessions(filter: SessionFilter, page: Page): Promise<SessionRecord[]> {
    return this.durable.listSessions(filter, page);
  }

  // ---- messages ---------------------------------------------------------------------------

  async appendMessages(tenantId: string, sessionId: string, batch: readonly AppendItem[]): Promise<AppendResult[]> {
    const appended = await this.durable.appendMessages(tenantId, sessionId, batch);
    const done = await this.redis('appendMessages', async () => {
      await this.sessions.afterAppend(tenantId, sessionId, appended);
      return true;
    });
    if (done === null) {
      const keys = this.sessions.keys(tenantId, sessionId);
      this.invalidateLater([keys.record, keys.window, keys.context]);
    }
    return appended;
  }

  async listMessages(tenantId: string, sessionId: string, query: MessageQuery): Promise<MessageRecord[]> {
    // The usual query (newest N) needs only the window's last N entries.
    const newestOnly = query.order === 'desc' && query.afterSeq === undefined && query.beforeSeq === undefined;
    const tail = newestOnly ? query.limit : undefined;
    const cached = await this.redis('listMessages', () => this.sessions.readWindow(tenantId, sessionId, tail));
    if (cached === null) return this.durable.listMessages(tenantId, sessionId, query);
    if (cached.lastSeq !== null) {
      const answer = windowAnswer(cached.lastSeq, cached.messages, query);
      if (answer) {
        this.stats.windowHits++;
        return answer;
      }
    }
    this.stats.windowMisses++;
    // Warm the window from the durable store: the session and its newest messages.
    const [session, newest] = await Promise.all([
      this.durable.getSession(tenantId, sessionId),
      this.durable.listMessages(tenantId, sessionId, { limit: this.windowSize, order: 'desc' }),
    ]);
    if (!session) return this.durable.listMessages(tenantId, sessionId, query);
    const window = newest.reverse();
    await this.redis('fillWindow', () => this.sessions.fill(session, cached.generation, window));
    return windowAnswer(session.lastSeq, window, query) ?? this.durable.listMessages(tenantId, sessionId, query);
  }

  async findByClientMsgIds(tenantId: string, sessionId: string, clientMsgIds: readonly string[]): Promise<Map<string, MessageRecord>> {
    if (clientMsgIds.length === 0) return new Map();
    const cached = await this.redis('findByClientMsgIds', () => this.sessions.readIdempotency(tenantId, sessionId, clientMsgIds));
    if (cached === null) return this.durable.findByClientMsgIds(tenantId, sessionId, clientMsgIds);
    this.stats.idempotencyHits += cached.found.size;
    const missing = clientMsgIds.filter((id) => !cached.found.has(id));
    if (missing.length === 0) return cached.found;
    const durable = await this.durable.findByClientMsgIds(tenantId, sessionId, missing);
    await this.redis('fillIdempotency', () => this.sessions.fillIdempotency(tenantId, sessionId, cached.generation, durable));
    for (const [id, message] of durable) cached.found.set(id, message);
    return cached.found;
  }

  // ---- embedding cache --------------------------------------------------------------------

  async getCachedEmbeddings(model: string, hashes: readonly string[]): Promise<Map<string, Float32Array>> {
    const cached = await this.redis('getCachedEmbeddings', () => this.embeddings.get(model, hashes));
    if (cached === null) return this.durable.getCachedEmbeddings(model, hashes);
    this.stats.embeddingHits += cached.size;
    const missing = hashes.filter((hash) => !cached.has(hash));
    if (missing.length === 0) return cached;
    this.stats.embeddingMisses += missing.length;
    const durable = await this.durable.getCachedEmbeddings(model, missing);
    if (durable.size > 0) await this.redis('fillEmbeddings', () => this.embeddings.put(model, durable));
    for (const [hash, vector] of durable) cached.set(hash, vector);
    return cached;
  }

  async putCachedEmbeddings(model: string, entries: ReadonlyMap<string, Float32Array>): Promise<void> {
    await this.durable.putCachedEmbeddings(model, entries);
    // A failed put leaves no stale entry (a vector of a content hash never changes): nothing to invalidate.
    await this.redis('putCachedEmbeddings', () => this.embeddings.put(model, entries));
  }

  // ---- erase ------------------------------------------------------------------------------

  async forgetUser(tenantId: string, userId: string): Promise<EraseCounts> {
    const sessionIds: string[] = [];
    for (let after: string | undefined; ; ) {
      const page = await this.durable.listSessions({ tenantId, userId }, { limit: 1000, after });
      sessionIds.push(...page.map((session) => session.id));
      if (page.length < 1000) break;
      after = page.at(-1)?.id;
    }
    const counts = await this.durable.forgetUser(tenantId, userId);
    const erased = await this.redis('forgetUser', async () => {
      await this.sessions.erase(tenantId, sessionIds, userId);
      return true;
    });
    if (erased === null) {
      this.invalidateLater(
        sessionIds.flatMap((sessionId) => {
          const keys = this.sessions.keys(tenantId, sessionId);
          return [keys.record, keys.window, keys.idempotency, keys.scratch, keys.context];
        }),
      );
    }
    return counts;
  }

  // ---- writes made beside the tier ---------------------------------------------------------

  /**
   * After a write committed beside the tier (consolidation, prune, restore): the sessions' cached
   * record, window, idempotency keys and contexts go before Redis is read again (at once, or
   * queued before the next Redis read when Redis fails), then the store behind is told.
   */
  async afterExternalWrite(write: ExternalWrite): Promise<void> {
    const sessionIds = [...new Set(write.sessions ?? [])];
    if (sessionIds.length > 0) {
      const done = await this.redis('afterExternalWrite', async () => {
        await this.sessions.invalidate(write.tenantId, sessionIds);
        return true;
      });
      if (done === null) {
        this.invalidateLater(
          sessionIds.flatMap((sessionId) => {
            const keys = this.sessions.keys(write.tenantId, sessionId);
            return [keys.record, keys.window, keys.idempotency, keys.context];
          }),
        );
      }
    }
    if (acceptsExternalWrites(this.durable)) await this.durable.afterExternalWrite(write);
  }

  // ---- the durable store alone ------------------------------------------------------------

  insertMemory(memory: NewMemory): Promise<MemoryRecord> {
    return this.durable.insertMemory(memory);
  }
  updateMemory(tenantId: string, id: string, patch: MemoryPatch): Promise<MemoryRecord | null> {
    return this.durable.updateMemory(tenantId, id, patch);
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
  deleteMemories(tenantId: string, ids: readonly string[]): Promise<number> {
    return this.durable.deleteMemories(tenantId, ids);
  }
  keywordSearch(filter: MemoryFilter, terms: readonly string[], k: number): Promise<ScoredId[]> {
    return this.durable.keywordSearch(filter, terms, k);
  }
  vectorSearch(filter: MemoryFilter, vector: Float32Array, model: string, k: number, options?: VectorSearchOptions): Promise<ScoredId[]> {
    return this.durable.vectorSearch(filter, vector, model, k, options);
  }
  rebuildIndexes(): Promise<IndexReport> {
    return this.durable.rebuildIndexes();
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
}
