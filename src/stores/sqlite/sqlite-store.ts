import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import { StrataError } from '../../errors/strata-error.js';
import { defaultSoftMatcher, type SoftMatcher } from '../../retrieval/soft-match.js';
import type { StoreCapabilities } from '../../spec/capabilities.js';
import { matchesFilter } from '../../spec/memory-filter-match.js';
import type { EmbeddedMemoryPage, EmbeddedMemoryScanV1 } from '../../spec/memory-scan.js';
import type {
  AppendAlso,
  AppendItem,
  AppendOutcome,
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
  StoredWords,
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
import { memoryValues } from '../archive-values.js';
import { ContentWordsBackfill } from './content-words-backfill.js';
import type { FilterCheck } from './filter-check.js';
import { GroupCommit, type Settled } from './group-commit.js';
import { IndexLog, type LogSpan } from './index-log.js';
import { memoryFilterSql } from './memory-filter-sql.js';
import { type CachedRecord, MemoryRecordCache } from './memory-records.js';
import { migrate } from './migrate.js';
import {
  blobToVector,
  INSERT_MEMORY_SQL,
  MEMORY_COLUMN_NAMES,
  MEMORY_WORD_COLUMN_NAMES,
  type MemoryRow,
  type MessageRow,
  memoryRowOf,
  type SessionRow,
  toMemory,
  toMessage,
  toSession,
  vectorToBlob,
} from './rows.js';
import { SessionTails, TAIL_LENGTH } from './session-tails.js';
import { SqliteFacts } from './sqlite-facts.js';
import type { SqliteInternals } from './sqlite-internals.js';
import { SqliteKeywords } from './sqlite-keywords.js';
import { SqliteReembed } from './sqlite-reembed.js';
import { FOREIGN_ROW_COLUMNS, type ForeignRow, SqliteVectors } from './sqlite-vectors.js';
import { StatementCache } from './statement-cache.js';

/** BM25 weights of the two indexed columns (as `bm25(memories_fts, text, context)` had them). */
export const KEYWORD_WEIGHTS = { text: 1.0, context: 0.2 } as const;

/** What appendTurnContext's UPDATE returns: the keyword index re-reads the turn's text and new context. */
type TurnContextRow = Pick<MemoryRow, 'rowid' | 'tenant_id' | 'user_id' | 'text' | 'context'>;
interface AppendJob {
  readonly tenantId: string;
  readonly sessionId: string;
  readonly batch: readonly AppendItem[];
  readonly also: AppendAlso;
}
/** An append's rows written inside the group's transaction, for the in-process indexes after its commit. */
interface StagedAppend {
  readonly results: AppendResult[];
  readonly previousSeq: number;
  readonly added: ReadonlyArray<{ rowid: number; memory: NewMemory }>;
  readonly chunkRows: ReadonlyArray<{ rowid: number; memory: NewMemory }>;
  readonly extended: TurnContextRow | undefined;
  readonly chunksStored: boolean;
}

const MEMORY_COLUMNS = MEMORY_COLUMN_NAMES.join(', ');
const MEMORY_COLUMNS_M = MEMORY_COLUMN_NAMES.map((column) => `m.${column}`).join(', ');
/** The record columns and the stored content words: what a search reads of its candidates. */
const SCORED_COLUMN_NAMES = [...MEMORY_COLUMN_NAMES, ...MEMORY_WORD_COLUMN_NAMES];
const SCORED_COLUMNS = SCORED_COLUMN_NAMES.join(', ');
const SCORED_COLUMNS_M = SCORED_COLUMN_NAMES.map((column) => `m.${column}`).join(', ');
/** Memories another connection changed that checkCaches forgets one by one; past this, the caches are emptied. */
const MAX_FOREIGN_CHANGES = 2_000;

export interface SqliteStoreOptions {
  /** Database file, or `:memory:`. */
  readonly path: string;
  /**
   * Scopes with at most this many vectors are searched exactly, larger ones through HNSW. The
   * keyword index is persisted once the table holds more memories than this (smaller ones are
   * rebuilt on open, in milliseconds).
   */
  readonly exactSearchThreshold?: number;
  /**
   * HNSW inserts and searches on a worker thread shared by the process (default), or on the
   * caller's thread (false): the thread takes the inserts off the writer (ingest at 100k about
   * 2,100 -> 2,700 msgs/s) for a second V8 heap and malloc arena (peak RSS +20-120 MiB).
   */
  readonly annThread?: boolean | undefined;
  /**
   * Budget of the decoded records kept for searches (memory-records.ts), bytes estimated as held
   * on the V8 heap; default 4 MB (about 2,500 turns). More for a server with many active users.
   */
  readonly recordCacheBytes?: number | undefined;
  readonly maxTextLength?: number;
  /**
   * Directory for the persisted in-process indexes (HNSW graphs, keyword index); default
   * `<path>.vectors`. None for `:memory:`.
   */
  readonly indexDir?: string;
  /**
   * Encode the memories stored without content words (older files, a change of encoding) in the
   * background after open, a batch every 20 ms (content-words-backfill.ts). Default true; false
   * leaves them to `backfillContentWords()`.
   */
  readonly contentWordsBackfill?: boolean;
}

/**
 * The embedded default: one SQLite file in WAL mode (better-sqlite3) holding the truth, and
 * in-process indexes derived from it, persisted beside it: an in-memory BM25 keyword index
 * (FTS5's scores) and HNSW graphs. Every write commits to SQLite first and then updates the
 * loaded indexes before it returns (read-your-writes); other processes' writes reach them
 * through index_log.
 */
export class SqliteStore implements MemoryStoreV1, EmbeddedMemoryScanV1, ReembedStoreV1 {
  readonly specificationVersion = 'v1' as const;
  readonly capabilities: StoreCapabilities;
  private db!: Database.Database;
  private sql!: StatementCache;
  private log!: IndexLog;
  private facts!: SqliteFacts;
  private vectors!: SqliteVectors;
  private keywords!: SqliteKeywords;
  private tails!: SessionTails;
  private records!: MemoryRecordCache;
  /** PRAGMA data_version when the caches were last known good (it moves on other connections' commits). */
  private version = -1;
  /** message_deletes.n when this store last looked (another connection's commit with deletions empties the tails). */
  private deletesSeen = 0;
  /** The index_log position the record and scope-vector caches reflect (checkCaches). */
  private seen = 0;
  /** Content words stored with the records this store hands out (storedWords), by record. */
  private readonly words = new WeakMap<MemoryRecord, StoredWords>();
  /** Encodes the content words stored with each text (the search's soft matcher: its vocabulary). */
  private matcher!: SoftMatcher;
  /** Encodes, in the background, the memories stored without content words (null: none left). */
  private backfill: ContentWordsBackfill | null = null;
  private opened = false;
  private readonly appends = new GroupCommit<AppendJob, AppendOutcome>((jobs) => this.appendGroup(jobs));
  /** stageAppend in a savepoint of the group's transaction (better-sqlite3 nests a transaction so). */
  private stageInSavepoint!: (job: AppendJob) => StagedAppend;
  private readonly reembed = new SqliteReembed(
    () => this.internals,
    () => this.vectors,
  );

  constructor(private readonly options: SqliteStoreOptions) {
    this.capabilities = {
      supportsKeywordSearch: true,
      supportsVectorIndex: true,
      supportsTransactions: true,
      maxTextLength: options.maxTextLength ?? 32_000,
    };
  }

  async open(): Promise<void> {
    if (this.opened) return;
    try {
      this.db = new Database(this.options.path);
    } catch (cause) {
      throw new StrataError('STORE_UNAVAILABLE', `cannot open SQLite database at ${this.options.path}`, { cause });
    }
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('busy_timeout = 5000');
    this.db.pragma('foreign_keys = ON');
    // A 16 MiB page cache (the default is 2 MiB) keeps the index b-trees written on every
    // append hot; temp b-trees stay in memory. No mmap: mapped pages count as resident memory.
    this.db.pragma('cache_size = -16384');
    this.db.pragma('temp_store = MEMORY');
    // Checkpoint every 32 MiB of WAL instead of 4 MiB: fewer stalls inside appends, and a page
    // written many times between checkpoints is copied back once.
    this.db.pragma('wal_autocheckpoint = 8192');
    migrate(this.db);
    this.matcher = defaultSoftMatcher();
    this.dropForeignWords();
    if (this.options.contentWordsBackfill !== false && !ContentWordsBackfill.complete(this.db)) {
      this.backfill = this.newBackfill();
      this.backfill.start();
    }
    this.sql = new StatementCache(this.db);
    this.stageInSavepoint = this.db.transaction((job: AppendJob) => this.stageAppend(job));
    this.log = new IndexLog(this.sql);
    this.tails = new SessionTails();
    this.records = new MemoryRecordCache(this.options.recordCacheBytes);
    this.log.prune();
    this.seen = this.log.head();
    this.deletesSeen = this.messageDeletes();
    this.facts = new SqliteFacts(this.db, this.sql);
    const inMemory = this.options.path === ':memory:' || this.options.path === '';
    const threshold = this.options.exactSearchThreshold ?? 2_000;
    const indexDir = this.options.indexDir ?? (inMemory ? null : `${this.options.path}.vectors`);
    const check: FilterCheck = (rowids, filter, now, keep) => this.checkRows(rowids, filter, now, keep);
    this.vectors = new SqliteVectors(
      this.sql,
      this.log,
      { exactThreshold: threshold, indexDir, annThread: this.options.annThread ?? true },
      check,
    );
    this.keywords = new SqliteKeywords(this.db, this.sql, this.log, { threshold, weights: KEYWORD_WEIGHTS, indexDir }, check);
    this.opened = true;
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    this.opened = false;
    await this.appends.flush();
    this.backfill?.stop();
    this.backfill = null;
    await this.vectors.close();
    this.keywords.persist();
    this.log.prune();
    this.db.close();
  }

  /**
   * Loads or builds the in-process indexes now (HNSW graphs of scopes above the threshold, the
   * keyword index) instead of on first use; a server calls it after open, benchmarks before timing.
   */
  async warm(): Promise<void> {
    this.keywords.warm();
    await this.vectors.warm((await this.reembed.getEmbeddingState()).active?.id ?? null);
  }

  /** For sibling modules writing in their own transactions (sqlite-consolidation.ts). Open first. */
  get internals(): SqliteInternals {
    if (!this.opened) throw new StrataError('CLOSED', 'the SQLite store is not open');
    return {
      db: this.db,
      sql: this.sql,
      // A sibling (consolidation, retention, restore) may change any memory or message: the caches go once it commits.
      logged: (work) => {
        try {
          return this.logged(work);
        } finally {
          this.dropCaches();
        }
      },
      insertMemoryRow: (memory) => this.insertMemoryRow(memory),
      indexInserted: (rowid, memory) => this.indexInserted(rowid, memory),
      indexDeleted: (rowid, tenantId, userId, model) => {
        this.vectors.onDelete(rowid, tenantId, userId, model);
        this.keywords.onDelete(rowid);
      },
      advance: (span) => this.advance(span),
    };
  }

  /**
   * Encodes the memories stored without content words now (0006), or waits for the background
   * backfill to finish when one runs; resolves at once when none is left.
   */
  async backfillContentWords(): Promise<void> {
    if (!this.opened) throw new StrataError('CLOSED', 'the SQLite store is not open');
    if (this.backfill !== null) return this.backfill.settled();
    if (ContentWordsBackfill.complete(this.db)) return;
    const backfill = this.newBackfill();
    while (backfill.runBatch()) {
      // each batch commits on its own
    }
  }

  private newBackfill(): ContentWordsBackfill {
    return new ContentWordsBackfill(this.db, this.matcher, (error) =>
      process.emitWarning(`content words backfill stopped: ${(error as Error).message}`, { code: 'STRATA_CONTENT_WORDS' }),
    );
  }

  /** Deletes the database file and its sidecars (tests and `strata reset`). */
  static destroy(path: string): void {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    rmSync(`${path}.vectors`, { recursive: true, force: true });
  }

  /**
   * Runs `work` in one IMMEDIATE transaction and returns the index_log positions around it:
   * the in-process indexes use them to tell their own writes from other processes'.
   */
  private logged<T>(work: () => T): { value: T; span: LogSpan } {
    return this.db
      .transaction(() => {
        const before = this.log.head();
        const value = work();
        return { value, span: { before, after: this.log.head() } };
      })
      .immediate();
  }

  /**
   * FilterCheck for the keyword and vector indexes. Cached records are checked in process (the
   * records of a small user's candidates usually are: the last search of the scope hydrated
   * them); the other rows are read whole (json_each outer: looked up by rowid, never a scan of
   * the scope) and the first `keep` that pass go into the record cache, so that hydrating the
   * search's candidates reads nothing again. At 100k memories a check of [rowid, id] cost 4.3 us
   * a row and hydrating by id 12 more; reading the rows whole here, 8.
   */
  private checkRows(rowids: readonly number[], filter: MemoryFilter, now: number, keep: number): Array<readonly [number, string]> {
    this.checkCaches();
    const cached = rowids.map((rowid) => this.records.atRowid(rowid));
    const missing = rowids.filter((_, i) => cached[i] === undefined);
    const read = new Map<number, unknown[]>();
    if (missing.length > 0) {
      const { where, params } = memoryFilterSql(filter, now);
      const rows = this.sql
        .raw(`SELECT ${SCORED_COLUMNS_M} FROM json_each(?) AS j CROSS JOIN memories m ON m.rowid = j.value WHERE ${where}`)
        .all(JSON.stringify(missing), ...params) as unknown[][];
      for (const values of rows) read.set(values[0] as number, values);
    }
    const passed: Array<readonly [number, string]> = [];
    const fresh: CachedRecord[] = [];
    for (const [i, rowid] of rowids.entries()) {
      const hit = cached[i];
      if (hit) {
        if (matchesFilter(hit.record, filter, now)) passed.push([rowid, hit.record.id]);
        continue;
      }
      const values = read.get(rowid);
      if (!values) continue;
      if (passed.length < keep) fresh.push({ record: this.scoredRecord(memoryRowOf(values)), rowid });
      passed.push([rowid, values[1] as string]);
    }
    this.records.remember(fresh);
    return passed;
  }

  /**
   * The content words stored with these records (as this store returned them from getMemories),
   * for the soft match of a search; undefined for a record without them.
   */
  storedWords(memories: readonly MemoryRecord[]): Array<StoredWords | undefined> {
    return memories.map((memory) => this.words.get(memory));
  }

  /** A record for a search: the stored content words go with it (storedWords). */
  private scoredRecord(row: MemoryRow): MemoryRecord {
    const record = toMemory(row);
    const text = row.text_words instanceof Uint8Array ? row.text_words : null;
    const context = row.context_words instanceof Uint8Array ? row.context_words : null;
    if (text !== null || context !== null) this.words.set(record, { text, context });
    return record;
  }

  /**
   * Stored content words are the matcher's encoding of the text: a file whose words another
   * encoding wrote (another vocabulary, stop-word list or byte order) has them cleared, and the
   * searches scan those texts until they are written again. Once per open.
   */
  private dropForeignWords(): void {
    const fingerprint = this.matcher.encodingFingerprint;
    this.db
      .transaction(() => {
        const row = this.db.prepare('SELECT fingerprint FROM content_words_state WHERE id = 1').get() as
          | { fingerprint: string }
          | undefined;
        if (row?.fingerprint === fingerprint) return;
        if (row !== undefined)
          this.db.exec(
            'UPDATE memories SET text_words = NULL, context_words = NULL WHERE text_words IS NOT NULL OR context_words IS NOT NULL',
          );
        // Not complete: the memories already stored (all of them after a change of encoding) are encoded in the background.
        this.db.prepare('INSERT OR REPLACE INTO content_words_state (id, fingerprint, complete) VALUES (1, ?, 0)').run(fingerprint);
      })
      .immediate();
  }

  /**
   * Before a read served from the caches: after another connection's commit (data_version moved),
   * the records and scope vectors of the memories index_log names as changed since the caches'
   * position go, and the session tails (messages are not logged) all go.
   */
  private checkCaches(): void {
    const version = (this.sql.raw('PRAGMA data_version').get() as [number])[0];
    if (version === this.version) return;
    this.version = version;
    const deletes = this.messageDeletes();
    if (deletes === this.deletesSeen) this.tails.unverify();
    else {
      this.deletesSeen = deletes;
      this.tails.clear();
    }
    const head = this.log.head();
    const rowids = this.log.rowidsBetween(this.seen, head, MAX_FOREIGN_CHANGES);
    if (rowids === null) {
      this.dropCaches(head);
      return;
    }
    const { forgotten, missing } = this.records.forgetRowids(rowids);
    // The cached scope vectors take the rows as they are now (scope-vectors.ts placeForeign).
    // A scope goes when they cannot, and the scope of a cached record whose row is gone or is
    // another memory now (SQLite reuses the highest rowid once its row is deleted).
    const scopes = new Map<string, { tenantId: string; userId: string }>();
    const drop = (tenantId: string, userId: string): void => {
      scopes.set(`${tenantId}\u0000${userId}`, { tenantId, userId });
    };
    let unknown = false;
    if (rowids.length > 0) {
      const rows = this.sql
        .raw(`SELECT ${FOREIGN_ROW_COLUMNS} FROM json_each(?) AS j CROSS JOIN memories m ON m.rowid = j.value`)
        .all(JSON.stringify(rowids)) as ForeignRow[];
      const present = new Map(rows.map((row) => [row[0], row]));
      // A row deleted that no cache held: its scope is not known, every scope's vectors go.
      unknown = missing.some((rowid) => !present.has(rowid));
      for (const { record, rowid } of forgotten) {
        const row = present.get(rowid);
        if (!row || row[1] !== record.id || row[2] !== record.tenantId || row[3] !== record.userId) drop(record.tenantId, record.userId);
      }
      for (const scope of this.vectors.placeForeign(rows)) drop(scope.tenantId, scope.userId);
    }
    if (unknown) this.vectors.dropCached();
    else for (const { tenantId, userId } of scopes.values()) this.vectors.changed(tenantId, userId);
    this.seen = head;
  }

  /** Empties the caches; `head`, when known, is the log position they then reflect. */
  private dropCaches(head: number = this.log.head()): void {
    this.tails.clear();
    this.records.clear();
    this.vectors.dropCached();
    this.seen = head;
  }

  /** After a committed write whose changes were applied to the in-process indexes (and caches). */
  private advance(span: LogSpan): void {
    this.vectors.advance(span);
    this.keywords.advance(span);
    // No other connection's entry between the caches' position and this write: they reflect it.
    if (span.before === this.seen) this.seen = span.after;
  }

  /** Read-your-writes: a committed memory goes into the loaded in-process indexes at once. */
  private indexInserted(rowid: number, memory: NewMemory): void {
    this.vectors.onInsert(rowid, memory);
    this.keywords.onInsert(rowid, memory.tenantId, memory.userId, memory.text, memory.context);
  }

  // ---- sessions -------------------------------------------------------------------------

  async ensureSession(input: NewSession): Promise<SessionRecord> {
    const run = this.db.transaction((): SessionRecord => {
      const existing = this.sessionRow(input.tenantId, input.id);
      if (existing) {
        const session = toSession(existing);
        if (
          session.userId !== input.userId ||
          (session.agentId ?? '') !== (input.agentId ?? '') ||
          (session.namespace ?? '') !== (input.namespace ?? '')
        ) {
          throw new StrataError('SCOPE_CONFLICT', `session ${input.id} belongs to another scope`, {
            details: { sessionId: input.id },
          });
        }
        return session;
      }
      this.sql
        .get(
          `INSERT INTO sessions (tenant_id, id, user_id, agent_id, namespace, metadata, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          input.tenantId,
          input.id,
          input.userId,
          input.agentId ?? '',
          input.namespace ?? '',
          JSON.stringify(input.metadata),
          input.createdAt,
          input.createdAt,
        );
      return toSession(this.sessionRow(input.tenantId, input.id) as SessionRow);
    });
    return run.immediate();
  }

  async getSession(tenantId: string, sessionId: string): Promise<SessionRecord | null> {
    const row = this.sessionRow(tenantId, sessionId);
    return row ? toSession(row) : null;
  }

  async listSessions(filter: SessionFilter, page: Page): Promise<SessionRecord[]> {
    const clauses = ['tenant_id = ?'];
    const params: unknown[] = [filter.tenantId];
    if (filter.userId !== undefined) {
      clauses.push('user_id = ?');
      params.push(filter.userId);
    }
    if (filter.agentId !== undefined) {
      clauses.push('agent_id = ?');
      params.push(filter.agentId);
    }
    if (page.after !== undefined) {
      const after = this.sessionRow(filter.tenantId, page.after);
      if (!after) throw staleCursor(page.after);
      clauses.push('(created_at, id) > (?, ?)');
      params.push(after.created_at, after.id);
    }
    const rows = this.sql
      .get(`SELECT * FROM sessions WHERE ${clauses.join(' AND ')} ORDER BY created_at, id LIMIT ?`)
      .all(...params, page.limit) as SessionRow[];
    return rows.map(toSession);
  }

  private sessionRow(tenantId: string, id: string): SessionRow | undefined {
    return this.sql.get('SELECT * FROM sessions WHERE tenant_id = ? AND id = ?').get(tenantId, id) as SessionRow | undefined;
  }

  // ---- messages -------------------------------------------------------------------------

  async appendMessages(tenantId: string, sessionId: string, batch: readonly AppendItem[]): Promise<AppendResult[]> {
    return (await this.appendMessagesWith(tenantId, sessionId, batch, {})).results;
  }

  /**
   * Appends go through a group commit (group-commit.ts): those submitted in one turn of the event
   * loop share one transaction, each in its own savepoint, so that a server's concurrent writes
   * pay for one commit. Each is checked and fails on its own, as alone.
   */
  async appendMessagesWith(tenantId: string, sessionId: string, batch: readonly AppendItem[], also: AppendAlso): Promise<AppendOutcome> {
    if (!this.opened) throw new StrataError('CLOSED', 'the SQLite store is not open');
    return this.appends.submit({ tenantId, sessionId, batch, also });
  }

  /** One group of appends: one transaction, a savepoint each; then the in-process indexes take them in order. */
  private async appendGroup(jobs: readonly AppendJob[]): Promise<Array<Settled<AppendOutcome>>> {
    const staged: Array<Settled<StagedAppend>> = [];
    const { span } = this.logged(() => {
      for (const job of jobs) {
        try {
          staged.push({ ok: true, value: this.stageInSavepoint(job) });
        } catch (error) {
          staged.push({ ok: false, error });
        }
      }
    });
    const outcomes = staged.map(
      (outcome, i): Settled<AppendOutcome> =>
        outcome.ok ? { ok: true, value: this.appended(jobs[i] as AppendJob, outcome.value) } : outcome,
    );
    this.advance(span);
    await this.vectors.settle();
    return outcomes;
  }

  /** One append's rows, inside the group's transaction. */
  private stageAppend({ tenantId, sessionId, batch, also }: AppendJob): StagedAppend {
    const byClientId = this.sql.get('SELECT * FROM messages WHERE tenant_id = ? AND session_id = ? AND client_msg_id = ?');
    const insertMessage = this.sql.get(
      `INSERT INTO messages (tenant_id, id, session_id, seq, role, name, content, metadata, created_at, client_msg_id, token_count)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const turnOf = this.sql.get(`SELECT id FROM memories WHERE tenant_id = ? AND session_id = ? AND kind = 'turn' AND source = ? LIMIT 1`);
    const added: Array<{ rowid: number; memory: NewMemory }> = [];
    const chunkRows: Array<{ rowid: number; memory: NewMemory }> = [];
    const session = this.sessionRow(tenantId, sessionId);
    if (!session) {
      throw new StrataError('SESSION_NOT_FOUND', `session ${sessionId} not found`, { details: { sessionId } });
    }
    const previousSeq = session.last_seq;
    let seq = previousSeq;
    let updatedAt = session.updated_at;
    const results: AppendResult[] = [];
    for (const { message, turn } of batch) {
      if (message.clientMsgId !== null) {
        const existing = byClientId.get(tenantId, sessionId, message.clientMsgId) as MessageRow | undefined;
        if (existing) {
          if (existing.content !== message.content || existing.role !== message.role) {
            throw new StrataError('IDEMPOTENCY_CONFLICT', `clientMsgId ${message.clientMsgId} was already used for a different message`, {
              details: { clientMsgId: message.clientMsgId, sessionId },
            });
          }
          const memory = turnOf.get(tenantId, sessionId, JSON.stringify([existing.id])) as { id: string } | undefined;
          results.push({ message: toMessage(existing), created: false, memoryId: memory?.id ?? null });
          continue;
        }
      }
      seq += 1;
      insertMessage.run(
        tenantId,
        message.id,
        sessionId,
        seq,
        message.role,
        message.name,
        message.content,
        JSON.stringify(message.metadata),
        message.createdAt,
        message.clientMsgId,
        message.tokenCount,
      );
      updatedAt = Math.max(updatedAt, message.createdAt);
      let memoryId: string | null = null;
      if (turn) {
        const rowid = this.insertMemoryRow(turn);
        added.push({ rowid, memory: turn });
        memoryId = turn.id;
      }
      results.push({
        message: { ...message, tenantId, sessionId, seq },
        created: true,
        memoryId,
      });
    }
    this.sql
      .get('UPDATE sessions SET last_seq = ?, updated_at = ? WHERE tenant_id = ? AND id = ?')
      .run(seq, updatedAt, tenantId, sessionId);
    // In the order core writes them without this method: the previous turn's context, then the chunks.
    let extended: TurnContextRow | undefined;
    if (also.previousTurn) {
      const { memoryId, line, nextTurn } = also.previousTurn;
      extended = this.appendTurnContextRow(tenantId, memoryId, line, nextTurn);
    }
    const chunks = also.chunks;
    let chunksStored = false;
    if (chunks && previousSeq === chunks.afterSeq && results.every((result) => result.created)) {
      for (const memory of chunks.memories) chunkRows.push({ rowid: this.insertMemoryRow(memory), memory });
      chunksStored = true;
    }
    return { results, previousSeq, added, chunkRows, extended, chunksStored };
  }

  /** After the group's commit: the in-process indexes take one append's rows, in the order of the three separate calls. */
  private appended(job: AppendJob, staged: StagedAppend): AppendOutcome {
    for (const { rowid, memory } of staged.added) this.indexInserted(rowid, memory);
    if (job.also.previousTurn) this.records.forget(job.tenantId, [job.also.previousTurn.memoryId]);
    const extended = staged.extended;
    if (extended) this.keywords.onInsert(extended.rowid, extended.tenant_id, extended.user_id, extended.text, extended.context);
    for (const { rowid, memory } of staged.chunkRows) this.indexInserted(rowid, memory);
    this.tails.appended(
      job.tenantId,
      job.sessionId,
      staged.previousSeq,
      staged.results.flatMap((result) => (result.created ? [result.message] : [])),
    );
    return { results: staged.results, chunksStored: staged.chunksStored };
  }

  /**
   * The session's messages after `newest` (all of them when undefined), oldest first; null when
   * `newest` is no longer at its seq or more than a tail holds came after it. Called only while
   * no message was deleted since the tail was read (the tails go at a deletion): a seq then
   * names one message for good.
   */
  private messagesAfter(tenantId: string, sessionId: string, newest: MessageRecord | undefined): MessageRecord[] | null {
    // Most often nothing came: the session's last seq, from messages_by_seq alone, tells.
    const [last] = this.sql.raw('SELECT max(seq) FROM messages WHERE tenant_id = ? AND session_id = ?').get(tenantId, sessionId) as [
      number | null,
    ];
    const seen = newest?.seq ?? 0;
    if ((last ?? 0) === seen) return [];
    if ((last ?? 0) < seen) return null;
    const rows = this.sql
      .get('SELECT * FROM messages WHERE tenant_id = ? AND session_id = ? AND seq >= ? ORDER BY seq LIMIT ?')
      .all(tenantId, sessionId, newest?.seq ?? 0, TAIL_LENGTH + 2) as MessageRow[];
    if (newest !== undefined && rows.shift()?.id !== newest.id) return null;
    return rows.length > TAIL_LENGTH ? null : rows.map(toMessage);
  }

  /** Messages deleted from the file so far, by any connection (0008_message_deletes.sql). */
  private messageDeletes(): number {
    return (this.sql.raw('SELECT n FROM message_deletes WHERE id = 1').get() as [number])[0];
  }

  async listMessages(tenantId: string, sessionId: string, query: MessageQuery): Promise<MessageRecord[]> {
    const clauses = ['tenant_id = ?', 'session_id = ?'];
    const params: unknown[] = [tenantId, sessionId];
    if (query.afterSeq !== undefined) {
      clauses.push('seq > ?');
      params.push(query.afterSeq);
    }
    if (query.beforeSeq !== undefined) {
      clauses.push('seq < ?');
      params.push(query.beforeSeq);
    }
    const tailRead = query.order === 'desc' && query.afterSeq === undefined && query.beforeSeq === undefined && query.limit <= TAIL_LENGTH;
    if (tailRead) {
      this.checkCaches();
      const cached = this.tails.newest(tenantId, sessionId, query.limit, (newest) => this.messagesAfter(tenantId, sessionId, newest));
      if (cached) return cached;
      const rows = this.sql
        .get('SELECT * FROM messages WHERE tenant_id = ? AND session_id = ? ORDER BY seq DESC LIMIT ?')
        .all(tenantId, sessionId, TAIL_LENGTH) as MessageRow[];
      const messages = rows.map(toMessage);
      this.tails.remember(tenantId, sessionId, messages);
      return messages.slice(0, query.limit);
    }
    const order = query.order === 'desc' ? 'DESC' : 'ASC';
    const rows = this.sql
      .get(`SELECT * FROM messages WHERE ${clauses.join(' AND ')} ORDER BY seq ${order} LIMIT ?`)
      .all(...params, query.limit) as MessageRow[];
    return rows.map(toMessage);
  }

  async findByClientMsgIds(tenantId: string, sessionId: string, clientMsgIds: readonly string[]): Promise<Map<string, MessageRecord>> {
    const found = new Map<string, MessageRecord>();
    const statement = this.sql.get('SELECT * FROM messages WHERE tenant_id = ? AND session_id = ? AND client_msg_id = ?');
    for (const clientMsgId of clientMsgIds) {
      const row = statement.get(tenantId, sessionId, clientMsgId) as MessageRow | undefined;
      if (row) found.set(clientMsgId, toMessage(row));
    }
    return found;
  }

  // ---- memories -------------------------------------------------------------------------

  async insertMemories(memories: readonly NewMemory[]): Promise<void> {
    if (memories.length === 0) return;
    const { value: rowids, span } = this.logged(() => memories.map((memory) => this.insertMemoryRow(memory)));
    for (const [i, memory] of memories.entries()) this.indexInserted(rowids[i] as number, memory);
    this.advance(span);
    await this.vectors.settle();
  }

  async insertMemory(memory: NewMemory): Promise<MemoryRecord> {
    await this.insertMemories([memory]);
    const [record] = await this.getMemories(memory.tenantId, [memory.id]);
    return record as MemoryRecord;
  }

  private insertMemoryRow(memory: NewMemory): number {
    this.records.forget(memory.tenantId, [memory.id]);
    const info = this.sql
      .get(INSERT_MEMORY_SQL)
      // The archive's column order; a new memory was last updated when it was made and supersedes nothing yet.
      .run(
        ...memoryValues({ ...memory, updatedAt: memory.createdAt, supersededBy: null }),
        this.matcher.encode(memory.text),
        this.matcher.encode(memory.context),
      );
    return Number(info.lastInsertRowid);
  }

  async updateMemory(tenantId: string, id: string, patch: MemoryPatch): Promise<MemoryRecord | null> {
    const sets: string[] = ['updated_at = ?'];
    const params: unknown[] = [patch.updatedAt];
    const assign = (column: string, value: unknown): void => {
      sets.push(`${column} = ?`);
      params.push(value);
    };
    if (patch.text !== undefined) {
      assign('text', patch.text);
      assign('text_words', this.matcher.encode(patch.text));
    }
    if (patch.context !== undefined) {
      assign('context', patch.context);
      assign('context_words', this.matcher.encode(patch.context));
    }
    if (patch.tags !== undefined) assign('tags', JSON.stringify(patch.tags));
    if (patch.importance !== undefined) assign('importance', patch.importance);
    if (patch.metadata !== undefined) assign('metadata', JSON.stringify(patch.metadata));
    if (patch.contentHash !== undefined) assign('content_hash', patch.contentHash);
    if (patch.embedding !== undefined) {
      assign('embedding', vectorToBlob(patch.embedding));
      assign('embedding_model', patch.embeddingModel ?? null);
    }
    if (patch.validTo !== undefined) assign('valid_to', patch.validTo);
    if (patch.supersededBy !== undefined) assign('superseded_by', patch.supersededBy);
    const { value: row, span } = this.logged(() => {
      this.sql.get(`UPDATE memories SET ${sets.join(', ')} WHERE tenant_id = ? AND id = ?`).run(...params, tenantId, id);
      return this.sql.get(`SELECT ${MEMORY_COLUMNS} FROM memories WHERE tenant_id = ? AND id = ?`).get(tenantId, id) as
        | MemoryRow
        | undefined;
    });
    this.records.forget(tenantId, [id]);
    if (row) {
      this.vectors.changed(row.tenant_id, row.user_id);
      if (patch.embedding !== undefined) this.vectors.onUpdate(row.rowid, toMemory(row), patch.embedding);
      if (patch.text !== undefined || patch.context !== undefined) {
        this.keywords.onInsert(row.rowid, row.tenant_id, row.user_id, row.text, row.context);
      }
    }
    this.advance(span);
    return row ? toMemory(row) : null;
  }

  async appendTurnContext(tenantId: string, memoryId: string, line: string, nextTurn: string): Promise<boolean> {
    const { value: row, span } = this.logged(() => this.appendTurnContextRow(tenantId, memoryId, line, nextTurn));
    this.records.forget(tenantId, [memoryId]);
    if (row) this.keywords.onInsert(row.rowid, row.tenant_id, row.user_id, row.text, row.context);
    this.advance(span);
    return row !== undefined;
  }

  /** appendTurnContext's write, inside the caller's transaction; undefined when the tenant has no such turn. */
  private appendTurnContextRow(tenantId: string, memoryId: string, line: string, nextTurn: string): TurnContextRow | undefined {
    const words = this.matcher.encode(line) ?? Buffer.alloc(0);
    return (
      this.sql
        .get(
          `UPDATE memories SET context = CASE WHEN context IS NULL OR context = '' THEN ? ELSE context || char(10) || ? END,
           context_words = CASE WHEN context IS NULL OR context = '' THEN ?
                                WHEN context_words IS NULL THEN NULL ELSE CAST(context_words || ? AS BLOB) END,
           metadata = json_set(metadata, '$.nextTurn', ?)
         WHERE tenant_id = ? AND id = ? AND kind = 'turn'
         RETURNING rowid, tenant_id, user_id, text, context`,
        )
        // The words of context + '\n' + line are the context's, then the line's (SoftMatcher.encode).
        // || makes text of two blobs: cast back, it is their bytes end to end.
        .get(line, line, words, words, nextTurn, tenantId, memoryId) as TurnContextRow | undefined
    );
  }

  async getMemories(tenantId: string, ids: readonly string[]): Promise<MemoryRecord[]> {
    if (ids.length === 0) return [];
    this.checkCaches();
    const { found: cached, missing } = this.records.locate(tenantId, ids);
    const found = new Map(cached.map(({ record }) => [record.id, record]));
    if (missing.length > 0) {
      // Raw rows: a search hydrates a hundred-odd candidates, and better-sqlite3's row objects cost a third of each read.
      const rows = this.sql
        .raw(`SELECT ${SCORED_COLUMNS} FROM memories WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))`)
        .all(tenantId, JSON.stringify(missing)) as unknown[][];
      const fresh = rows.map((values) => {
        const row = memoryRowOf(values);
        return { record: this.scoredRecord(row), rowid: row.rowid };
      });
      this.records.remember(fresh);
      for (const { record } of fresh) found.set(record.id, record);
    }
    return ids.flatMap((id) => found.get(id) ?? []);
  }

  async getEmbeddings(tenantId: string, ids: readonly string[], model?: string): Promise<Map<string, Float32Array>> {
    if (model !== undefined) {
      // MMR asks for the vectors of candidates just hydrated (their records cached) from a scope
      // exact search just scored (its vectors cached): reading them again from the table was a
      // tenth of a small user's search.
      this.checkCaches();
      const cached = this.vectors.cachedVectors(
        this.records.locate(tenantId, ids).found.map(({ record }) => record),
        model,
      );
      if (cached.size === ids.length) return cached;
      const rest = cached.size === 0 ? ids : ids.filter((id) => !cached.has(id));
      for (const [id, vector] of this.readEmbeddings(tenantId, rest, model)) cached.set(id, vector);
      return cached;
    }
    const rows = this.sql
      .get(`SELECT id, embedding FROM memories WHERE tenant_id = ? AND embedding IS NOT NULL AND id IN (SELECT value FROM json_each(?))`)
      .all(tenantId, JSON.stringify(ids)) as Array<{ id: string; embedding: Buffer }>;
    return new Map(rows.map((row) => [row.id, blobToVector(row.embedding)]));
  }

  /** The vectors of `model` of these memories from the table: the main column's, or the secondary ones. */
  private readEmbeddings(tenantId: string, ids: readonly string[], model: string): Array<readonly [string, Float32Array]> {
    const rows = this.sql
      .get(
        `SELECT m.id, CASE WHEN m.embedding_model = ? THEN m.embedding
                  ELSE (SELECT e.vector FROM memory_embeddings e WHERE e.model = ? AND e.memory_rowid = m.rowid) END AS embedding
             FROM memories m WHERE m.tenant_id = ? AND m.id IN (SELECT value FROM json_each(?))`,
      )
      .all(model, model, tenantId, JSON.stringify(ids)) as Array<{ id: string; embedding: Buffer | null }>;
    return rows.flatMap((row) => (row.embedding ? [[row.id, blobToVector(row.embedding)] as const] : []));
  }

  async listMemories(filter: MemoryFilter, page: Page): Promise<MemoryRecord[]> {
    const { where, params } = memoryFilterSql(filter, Date.now());
    let cursor = '';
    if (page.after !== undefined) {
      const after = this.sql.get('SELECT rowid FROM memories WHERE tenant_id = ? AND id = ?').get(filter.tenantId, page.after) as
        | { rowid: number }
        | undefined;
      if (!after) throw staleCursor(page.after);
      cursor = ' AND m.rowid > ?';
      params.push(after.rowid);
    }
    const rows = this.sql
      .get(`SELECT ${MEMORY_COLUMNS_M} FROM memories m WHERE ${where}${cursor} ORDER BY m.rowid LIMIT ?`)
      .all(...params, page.limit) as MemoryRow[];
    return rows.map(toMemory);
  }

  async countMemories(filter: MemoryFilter): Promise<number> {
    const { where, params } = memoryFilterSql(filter, Date.now());
    const row = this.sql.get(`SELECT count(*) AS n FROM memories m WHERE ${where}`).get(...params) as { n: number };
    return row.n;
  }

  async deleteMemories(tenantId: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const { value: removed, span } = this.logged(() => {
      const rows = this.sql
        .get(
          `SELECT rowid, tenant_id, user_id, embedding_model FROM memories WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))`,
        )
        .all(tenantId, JSON.stringify(ids)) as Array<Pick<MemoryRow, 'rowid' | 'tenant_id' | 'user_id' | 'embedding_model'>>;
      this.sql
        .get(`DELETE FROM memories WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))`)
        .run(tenantId, JSON.stringify(ids));
      return rows;
    });
    this.records.forget(tenantId, ids);
    for (const row of removed) {
      this.vectors.onDelete(row.rowid, row.tenant_id, row.user_id, row.embedding_model);
      this.keywords.onDelete(row.rowid);
    }
    this.advance(span);
    return removed.length;
  }

  // ---- search ---------------------------------------------------------------------------

  async keywordSearch(filter: MemoryFilter, terms: readonly string[], k: number): Promise<ScoredId[]> {
    return this.keywords.search(filter, uniqueTerms(terms), k);
  }

  async keywordScores(filter: MemoryFilter, terms: readonly string[], ids: readonly string[]): Promise<ScoredId[]> {
    // The candidates were usually just hydrated: their rowids and filter columns are cached.
    this.checkCaches();
    const { found, missing } = this.records.locate(filter.tenantId, ids);
    const now = Date.now();
    const kept = found.filter(({ record }) => matchesFilter(record, filter, now)).map(({ record, rowid }) => [rowid, record.id] as const);
    return this.keywords.scores(filter, uniqueTerms(terms), kept, missing);
  }

  async vectorSearch(
    filter: MemoryFilter,
    vector: Float32Array,
    model: string,
    k: number,
    options: VectorSearchOptions = {},
  ): Promise<ScoredId[]> {
    // Small scopes are scored from cached vectors: another connection's commit since empties them.
    this.checkCaches();
    return this.vectors.search(filter, vector, model, k, options.exact === true);
  }

  async rebuildIndexes(): Promise<IndexReport> {
    const keywordRows = this.keywords.rebuild();
    return { keywordRows, vectorIndexes: await this.vectors.rebuildAll() };
  }

  // ---- facts ----------------------------------------------------------------------------

  async setFact(fact: NewFact): Promise<SetFactResult> {
    return this.facts.set(fact);
  }

  async getFacts(filter: FactFilter): Promise<FactRecord[]> {
    return this.facts.get(filter, Date.now());
  }

  async setFactRule(scope: Scope, subject: string, key: string, rule: FactRule): Promise<void> {
    this.facts.setRule(scope, subject, key, rule);
  }

  async getFactRule(scope: Scope, subject: string, key: string): Promise<FactRule | null> {
    return this.facts.getRule(scope, subject, key);
  }

  // ---- embedding cache ------------------------------------------------------------------

  async getCachedEmbeddings(model: string, hashes: readonly string[]): Promise<Map<string, Float32Array>> {
    const found = new Map<string, Float32Array>();
    if (hashes.length === 0) return found;
    const rows = this.sql
      .get('SELECT content_hash, vector FROM embedding_cache WHERE model = ? AND content_hash IN (SELECT value FROM json_each(?))')
      .all(model, JSON.stringify(hashes)) as Array<{ content_hash: string; vector: Buffer }>;
    for (const row of rows) found.set(row.content_hash, blobToVector(row.vector));
    return found;
  }

  async putCachedEmbeddings(model: string, entries: ReadonlyMap<string, Float32Array>): Promise<void> {
    const insert = this.sql.get('INSERT OR IGNORE INTO embedding_cache (model, content_hash, vector, created_at) VALUES (?, ?, ?, ?)');
    const now = Date.now();
    this.db.transaction(() => {
      for (const [hash, vector] of entries) insert.run(model, hash, vectorToBlob(vector), now);
    })();
  }

  // ---- erase ----------------------------------------------------------------------------

  async forgetUser(tenantId: string, userId: string): Promise<EraseCounts> {
    const {
      value: { counts, vectors },
      span,
    } = this.logged(() => {
      const vectors = this.sql
        .get('SELECT rowid, embedding_model FROM memories WHERE tenant_id = ? AND user_id = ?')
        .all(tenantId, userId) as Array<{ rowid: number; embedding_model: string | null }>;
      const messages = this.sql
        .get(`DELETE FROM messages WHERE tenant_id = ? AND session_id IN (SELECT id FROM sessions WHERE tenant_id = ? AND user_id = ?)`)
        .run(tenantId, tenantId, userId).changes;
      const memories = this.sql.get('DELETE FROM memories WHERE tenant_id = ? AND user_id = ?').run(tenantId, userId).changes;
      const facts = this.sql.get('DELETE FROM facts WHERE tenant_id = ? AND user_id = ?').run(tenantId, userId).changes;
      this.sql.get('DELETE FROM fact_rules WHERE tenant_id = ? AND user_id = ?').run(tenantId, userId);
      const sessions = this.sql.get('DELETE FROM sessions WHERE tenant_id = ? AND user_id = ?').run(tenantId, userId).changes;
      return { counts: { sessions, messages, memories, facts }, vectors };
    });
    this.dropCaches();
    for (const row of vectors) {
      this.vectors.onDelete(row.rowid, tenantId, userId, row.embedding_model);
      this.keywords.onDelete(row.rowid);
    }
    this.advance(span);
    return counts;
  }

  // ---- blue/green re-embedding (sqlite-reembed.ts) -----------------------------------------

  listMemoriesToEmbed(model: string, after: string | null, limit: number): Promise<ReembedPage> {
    return this.reembed.listMemoriesToEmbed(model, after, limit);
  }
  putEmbeddings(model: string, entries: readonly ReembedEntry[]): Promise<number> {
    return this.reembed.putEmbeddings(model, entries);
  }
  sampleMemories(limit: number): Promise<ReembedSample[]> {
    return this.reembed.sampleMemories(limit);
  }
  getSecondaryEmbeddings(tenantId: string, ids: readonly string[]): Promise<SecondaryEmbedding[]> {
    return this.reembed.getSecondaryEmbeddings(tenantId, ids);
  }
  countEmbeddings(model: string): Promise<EmbeddingCoverage> {
    return this.reembed.countEmbeddings(model);
  }
  getEmbeddingState(): Promise<EmbeddingState> {
    return this.reembed.getEmbeddingState();
  }
  switchActiveModel(target: EmbeddingModelSetting, current: EmbeddingModelSetting | null): Promise<SwitchResult> {
    return this.reembed.switchActiveModel(target, current);
  }
  dropEmbeddings(model: string): Promise<number> {
    return this.reembed.dropEmbeddings(model);
  }
  getReembedCheckpoint(model: string): Promise<ReembedCheckpoint | null> {
    return this.reembed.getReembedCheckpoint(model);
  }
  /** Cursor: `<rowid>:<model>` of the last item, in (model, rowid) order. */
  async scanSecondaryEmbeddings(after: string | null, limit: number): Promise<SecondaryEmbeddingPage> {
    const [rowid, model] = secondaryCursor(after);
    const rows = this.sql
      .get(
        `SELECT e.model AS secondary_model, e.vector AS vector, ${MEMORY_COLUMNS_M} FROM memory_embeddings e JOIN memories m ON m.rowid = e.memory_rowid
          WHERE (e.model, e.memory_rowid) > (?, ?) ORDER BY e.model, e.memory_rowid LIMIT ?`,
      )
      .all(model, rowid, limit) as Array<MemoryRow & { secondary_model: string; vector: Buffer }>;
    const last = rows.at(-1);
    return {
      items: rows.map((row) => ({ model: row.secondary_model, memory: toMemory(row), embedding: blobToVector(row.vector) })),
      next: rows.length < limit || last === undefined ? null : `${last.rowid}:${last.secondary_model}`,
    };
  }
  putReembedCheckpoint(model: string, checkpoint: ReembedCheckpoint | null): Promise<void> {
    return this.reembed.putReembedCheckpoint(model, checkpoint);
  }

  // ---- scan (rebuilding an external index) ----------------------------------------------

  /** Every embedded memory of every tenant in rowid order; `after` is the previous page's `next`. */
  async scanEmbeddedMemories(after: string | null, limit: number): Promise<EmbeddedMemoryPage> {
    const from = after === null ? 0 : Number(after);
    if (!Number.isSafeInteger(from) || from < 0) {
      throw new StrataError('INVALID_INPUT', `scan cursor ${after} is not one this store returned`, { details: { field: 'after' } });
    }
    const rows = this.sql
      .get(`SELECT ${MEMORY_COLUMNS}, embedding FROM memories WHERE rowid > ? AND embedding IS NOT NULL ORDER BY rowid LIMIT ?`)
      .all(from, limit) as Array<MemoryRow & { embedding: Buffer }>;
    const last = rows.at(-1);
    return {
      items: rows.map((row) => ({ memory: toMemory(row), embedding: blobToVector(row.embedding) })),
      next: rows.length < limit || last === undefined ? null : String(last.rowid),
    };
  }
}

function secondaryCursor(after: string | null): [number, string] {
  if (after === null) return [0, ''];
  const colon = after.indexOf(':');
  const rowid = Number(after.slice(0, colon));
  if (colon < 0 || !Number.isSafeInteger(rowid)) {
    throw new StrataError('INVALID_INPUT', `scan cursor ${after} is not one this store returned`, { details: { field: 'after' } });
  }
  return [rowid, after.slice(colon + 1)];
}

/** Query terms trimmed, without empty ones and duplicates, in order (each is one FTS5 phrase). */
function uniqueTerms(terms: readonly string[]): string[] {
  return [...new Set(terms.map((term) => term.trim()).filter((term) => term.length > 0))];
}

/** A page cursor names a record that no longer exists: restarting silently would repeat pages. */
function staleCursor(after: string): StrataError {
  return new StrataError('INVALID_INPUT', `page cursor ${after} no longer exists (deleted meanwhile); list again from the start`, {
    details: { field: 'after' },
  });
}
