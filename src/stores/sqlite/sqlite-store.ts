import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
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
import { memoryFilterSql } from './memory-filter-sql.js';
import { migrate } from './migrate.js';
import { blobToVector, type MemoryRow, type MessageRow, type SessionRow, toMemory, toMessage, toSession, vectorToBlob } from './rows.js';
import { SqliteFacts } from './sqlite-facts.js';
import { SqliteVectors } from './sqlite-vectors.js';

export interface SqliteStoreOptions {
  /** Database file, or `:memory:`. */
  readonly path: string;
  /** Scopes with at most this many vectors are searched exactly; larger ones through HNSW. */
  readonly exactSearchThreshold?: number;
  readonly maxTextLength?: number;
  /** Directory for persisted ANN graphs; default `<path>.vectors`. None for `:memory:`. */
  readonly indexDir?: string;
}

/** The embedded default: one SQLite file in WAL mode (better-sqlite3), FTS5 and an HNSW sidecar. */
export class SqliteStore implements MemoryStoreV1 {
  readonly specificationVersion = 'v1' as const;
  readonly capabilities: StoreCapabilities;
  private db!: Database.Database;
  private facts!: SqliteFacts;
  private vectors!: SqliteVectors;
  private opened = false;

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
    migrate(this.db);
    this.facts = new SqliteFacts(this.db);
    const inMemory = this.options.path === ':memory:' || this.options.path === '';
    this.vectors = new SqliteVectors(this.db, {
      exactThreshold: this.options.exactSearchThreshold ?? 2_000,
      indexDir: this.options.indexDir ?? (inMemory ? null : `${this.options.path}.vectors`),
    });
    this.opened = true;
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    this.opened = false;
    this.vectors.persist();
    this.db.close();
  }

  /** Deletes the database file and its sidecars (tests and `strata reset`). */
  static destroy(path: string): void {
    for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true });
    rmSync(`${path}.vectors`, { recursive: true, force: true });
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
      this.db
        .prepare(
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
      if (after) {
        clauses.push('(created_at, id) > (?, ?)');
        params.push(after.created_at, after.id);
      }
    }
    const rows = this.db
      .prepare(`SELECT * FROM sessions WHERE ${clauses.join(' AND ')} ORDER BY created_at, id LIMIT ?`)
      .all(...params, page.limit) as SessionRow[];
    return rows.map(toSession);
  }

  private sessionRow(tenantId: string, id: string): SessionRow | undefined {
    return this.db.prepare('SELECT * FROM sessions WHERE tenant_id = ? AND id = ?').get(tenantId, id) as SessionRow | undefined;
  }

  // ---- messages -------------------------------------------------------------------------

  async appendMessages(tenantId: string, sessionId: string, batch: readonly AppendItem[]): Promise<AppendResult[]> {
    const byClientId = this.db.prepare('SELECT * FROM messages WHERE tenant_id = ? AND session_id = ? AND client_msg_id = ?');
    const insertMessage = this.db.prepare(
      `INSERT INTO messages (tenant_id, id, session_id, seq, role, name, content, metadata, created_at, client_msg_id, token_count)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const turnOf = this.db.prepare(
      `SELECT id FROM memories WHERE tenant_id = ? AND session_id = ? AND kind = 'turn' AND source = ? LIMIT 1`,
    );
    const added: Array<{ rowid: number; memory: NewMemory }> = [];
    const run = this.db.transaction((): AppendResult[] => {
      const session = this.sessionRow(tenantId, sessionId);
      if (!session) {
        throw new StrataError('SESSION_NOT_FOUND', `session ${sessionId} not found`, { details: { sessionId } });
      }
      let seq = session.last_seq;
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
      this.db
        .prepare('UPDATE sessions SET last_seq = ?, updated_at = ? WHERE tenant_id = ? AND id = ?')
        .run(seq, updatedAt, tenantId, sessionId);
      return results;
    });
    const results = run.immediate();
    for (const { rowid, memory } of added) this.vectors.onInsert(rowid, memory);
    return results;
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
    const order = query.order === 'desc' ? 'DESC' : 'ASC';
    const rows = this.db
      .prepare(`SELECT * FROM messages WHERE ${clauses.join(' AND ')} ORDER BY seq ${order} LIMIT ?`)
      .all(...params, query.limit) as MessageRow[];
    return rows.map(toMessage);
  }

  async findByClientMsgIds(tenantId: string, sessionId: string, clientMsgIds: readonly string[]): Promise<Map<string, MessageRecord>> {
    const found = new Map<string, MessageRecord>();
    const statement = this.db.prepare('SELECT * FROM messages WHERE tenant_id = ? AND session_id = ? AND client_msg_id = ?');
    for (const clientMsgId of clientMsgIds) {
      const row = statement.get(tenantId, sessionId, clientMsgId) as MessageRow | undefined;
      if (row) found.set(clientMsgId, toMessage(row));
    }
    return found;
  }

  // ---- memories -------------------------------------------------------------------------

  async insertMemory(memory: NewMemory): Promise<MemoryRecord> {
    const rowid = this.db.transaction(() => this.insertMemoryRow(memory)).immediate();
    this.vectors.onInsert(rowid, memory);
    const [record] = await this.getMemories(memory.tenantId, [memory.id]);
    return record as MemoryRecord;
  }

  private insertMemoryRow(memory: NewMemory): number {
    const info = this.db
      .prepare(
        `INSERT INTO memories (id, tenant_id, user_id, agent_id, namespace, session_id, kind, text, context, tags,
           importance, source, content_hash, metadata, embedding, embedding_model, created_at, updated_at, valid_from, valid_to)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        memory.id,
        memory.tenantId,
        memory.userId,
        memory.agentId ?? '',
        memory.namespace ?? '',
        memory.sessionId,
        memory.kind,
        memory.text,
        memory.context,
        JSON.stringify(memory.tags),
        memory.importance,
        JSON.stringify(memory.source),
        memory.contentHash,
        JSON.stringify(memory.metadata),
        memory.embedding ? vectorToBlob(memory.embedding) : null,
        memory.embedding ? memory.embeddingModel : null,
        memory.createdAt,
        memory.createdAt,
        memory.validFrom,
        memory.validTo,
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
    if (patch.text !== undefined) assign('text', patch.text);
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
    const row = this.db
      .transaction(() => {
        this.db.prepare(`UPDATE memories SET ${sets.join(', ')} WHERE tenant_id = ? AND id = ?`).run(...params, tenantId, id);
        return this.db.prepare('SELECT * FROM memories WHERE tenant_id = ? AND id = ?').get(tenantId, id) as MemoryRow | undefined;
      })
      .immediate();
    if (!row) return null;
    if (patch.embedding !== undefined) this.vectors.onUpdate(row.rowid, toMemory(row), patch.embedding);
    return toMemory(row);
  }

  async getMemories(tenantId: string, ids: readonly string[]): Promise<MemoryRecord[]> {
    if (ids.length === 0) return [];
    const rows = this.db
      .prepare(`SELECT * FROM memories WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))`)
      .all(tenantId, JSON.stringify(ids)) as MemoryRow[];
    const byId = new Map(rows.map((row) => [row.id, toMemory(row)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async getEmbeddings(tenantId: string, ids: readonly string[]): Promise<Map<string, Float32Array>> {
    const rows = this.db
      .prepare(
        `SELECT id, embedding FROM memories WHERE tenant_id = ? AND embedding IS NOT NULL AND id IN (SELECT value FROM json_each(?))`,
      )
      .all(tenantId, JSON.stringify(ids)) as Array<{ id: string; embedding: Buffer }>;
    return new Map(rows.map((row) => [row.id, blobToVector(row.embedding)]));
  }

  async listMemories(filter: MemoryFilter, page: Page): Promise<MemoryRecord[]> {
    const { where, params } = memoryFilterSql(filter, Date.now());
    let cursor = '';
    if (page.after !== undefined) {
      const after = this.db.prepare('SELECT rowid FROM memories WHERE tenant_id = ? AND id = ?').get(filter.tenantId, page.after) as
        | { rowid: number }
        | undefined;
      if (after) {
        cursor = ' AND m.rowid > ?';
        params.push(after.rowid);
      }
    }
    const rows = this.db
      .prepare(`SELECT m.* FROM memories m WHERE ${where}${cursor} ORDER BY m.rowid LIMIT ?`)
      .all(...params, page.limit) as MemoryRow[];
    return rows.map(toMemory);
  }

  async countMemories(filter: MemoryFilter): Promise<number> {
    const { where, params } = memoryFilterSql(filter, Date.now());
    const row = this.db.prepare(`SELECT count(*) AS n FROM memories m WHERE ${where}`).get(...params) as { n: number };
    return row.n;
  }

  async deleteMemories(tenantId: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const removed = this.db
      .transaction(() => {
        const rows = this.db
          .prepare(
            `SELECT rowid, tenant_id, user_id, embedding_model FROM memories WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))`,
          )
          .all(tenantId, JSON.stringify(ids)) as Array<Pick<MemoryRow, 'rowid' | 'tenant_id' | 'user_id' | 'embedding_model'>>;
        this.db
          .prepare(`DELETE FROM memories WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))`)
          .run(tenantId, JSON.stringify(ids));
        return rows;
      })
      .immediate();
    for (const row of removed) this.vectors.onDelete(row.rowid, row.tenant_id, row.user_id, row.embedding_model);
    return removed.length;
  }

  // ---- search ---------------------------------------------------------------------------

  async keywordSearch(filter: MemoryFilter, terms: readonly string[], k: number): Promise<ScoredId[]> {
    const match = ftsMatchExpression(terms);
    if (match === null) return [];
    const { where, params } = memoryFilterSql(filter, Date.now());
    const rows = this.db
      .prepare(
        `SELECT m.id AS id, -bm25(memories_fts, 1.0, 0.35) AS score
           FROM memories_fts JOIN memories m ON m.rowid = memories_fts.rowid
          WHERE memories_fts MATCH ? AND ${where}
          ORDER BY score DESC LIMIT ?`,
      )
      .all(match, ...params, k) as ScoredId[];
    return rows;
  }

  async vectorSearch(
    filter: MemoryFilter,
    vector: Float32Array,
    model: string,
    k: number,
    options: VectorSearchOptions = {},
  ): Promise<ScoredId[]> {
    return this.vectors.search(filter, vector, model, k, options.exact === true);
  }

  async rebuildIndexes(): Promise<IndexReport> {
    this.db.prepare(`INSERT INTO memories_fts (memories_fts) VALUES ('rebuild')`).run();
    const keywordRows = (this.db.prepare('SELECT count(*) AS n FROM memories').get() as { n: number }).n;
    return { keywordRows, vectorIndexes: this.vectors.rebuildAll() };
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
    const rows = this.db
      .prepare('SELECT content_hash, vector FROM embedding_cache WHERE model = ? AND content_hash IN (SELECT value FROM json_each(?))')
      .all(model, JSON.stringify(hashes)) as Array<{ content_hash: string; vector: Buffer }>;
    for (const row of rows) found.set(row.content_hash, blobToVector(row.vector));
    return found;
  }

  async putCachedEmbeddings(model: string, entries: ReadonlyMap<string, Float32Array>): Promise<void> {
    const insert = this.db.prepare('INSERT OR IGNORE INTO embedding_cache (model, content_hash, vector, created_at) VALUES (?, ?, ?, ?)');
    const now = Date.now();
    this.db.transaction(() => {
      for (const [hash, vector] of entries) insert.run(model, hash, vectorToBlob(vector), now);
    })();
  }

  // ---- erase ----------------------------------------------------------------------------

  async forgetUser(tenantId: string, userId: string): Promise<EraseCounts> {
    const { counts, vectors } = this.db
      .transaction(() => {
        const vectors = this.db
          .prepare('SELECT rowid, embedding_model FROM memories WHERE tenant_id = ? AND user_id = ?')
          .all(tenantId, userId) as Array<{ rowid: number; embedding_model: string | null }>;
        const messages = this.db
          .prepare(
            `DELETE FROM messages WHERE tenant_id = ? AND session_id IN (SELECT id FROM sessions WHERE tenant_id = ? AND user_id = ?)`,
          )
          .run(tenantId, tenantId, userId).changes;
        const memories = this.db.prepare('DELETE FROM memories WHERE tenant_id = ? AND user_id = ?').run(tenantId, userId).changes;
        const facts = this.db.prepare('DELETE FROM facts WHERE tenant_id = ? AND user_id = ?').run(tenantId, userId).changes;
        this.db.prepare('DELETE FROM fact_rules WHERE tenant_id = ? AND user_id = ?').run(tenantId, userId);
        const sessions = this.db.prepare('DELETE FROM sessions WHERE tenant_id = ? AND user_id = ?').run(tenantId, userId).changes;
        return { counts: { sessions, messages, memories, facts }, vectors };
      })
      .immediate();
    for (const row of vectors) this.vectors.onDelete(row.rowid, tenantId, userId, row.embedding_model);
    return counts;
  }
}

/** Builds a safe FTS5 expression: each term quoted (quotes doubled), OR-ed. */
export function ftsMatchExpression(terms: readonly string[]): string | null {
  const quoted = [...new Set(terms.map((term) => term.trim()).filter((term) => term.length > 0))].map(
    (term) => `"${term.replaceAll('"', '""')}"`,
  );
  return quoted.length === 0 ? null : quoted.join(' OR ');
}
