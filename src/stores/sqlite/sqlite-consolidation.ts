import { randomUUID } from 'node:crypto';
import type {
  CommitOutcome,
  ConsolidationCheckpoint,
  ConsolidationCommit,
  ConsolidationLease,
  ConsolidationStoreV1,
  PendingFilter,
  PendingSession,
} from '../../spec/consolidation-store.js';
import type { NewMemory } from '../../spec/memory-store.js';
import type { SqliteInternals } from './sqlite-internals.js';

interface CheckpointRow {
  tenant_id: string;
  session_id: string;
  up_to_seq: number;
  run_id: string;
  summary_memory_id: string | null;
  updated_at: number;
}

interface LeaseRow {
  worker: string;
  token: string;
  expires_at: number;
}

/**
 * ConsolidationStoreV1 on the SQLite store (migration 0003): leases are rows taken in an
 * IMMEDIATE transaction (SQLite's single writer makes take-if-free atomic across processes);
 * a commit writes the run's memories, the session summary and the checkpoint in one
 * transaction and then updates the in-process indexes.
 */
export class SqliteConsolidation implements ConsolidationStoreV1 {
  readonly specificationVersion = 'v1' as const;

  /** `internals` is read on each call: the store may be opened after this is built. */
  constructor(private readonly store: { readonly internals: SqliteInternals }) {}

  private get x(): SqliteInternals {
    return this.store.internals;
  }

  async listPendingSessions(filter: PendingFilter, limit: number): Promise<PendingSession[]> {
    const clauses = ['s.last_seq > coalesce(c.up_to_seq, 0)'];
    const params: unknown[] = [];
    if (filter.tenantId !== undefined) {
      clauses.push('s.tenant_id = ?');
      params.push(filter.tenantId);
    }
    if (filter.sessionId !== undefined) {
      clauses.push('s.id = ?');
      params.push(filter.sessionId);
    }
    const rows = this.x.sql
      .get(
        `SELECT s.tenant_id, s.id, coalesce(c.up_to_seq, 0) AS checkpoint_seq, s.last_seq
         FROM sessions s LEFT JOIN consolidation_checkpoints c ON c.tenant_id = s.tenant_id AND c.session_id = s.id
         WHERE ${clauses.join(' AND ')} ORDER BY s.updated_at, s.tenant_id, s.id LIMIT ?`,
      )
      .all(...params, limit) as Array<{ tenant_id: string; id: string; checkpoint_seq: number; last_seq: number }>;
    return rows.map((row) => ({ tenantId: row.tenant_id, sessionId: row.id, checkpointSeq: row.checkpoint_seq, lastSeq: row.last_seq }));
  }

  async leaseConsolidation(
    tenantId: string,
    sessionId: string,
    worker: string,
    ttlMs: number,
    now: number,
  ): Promise<ConsolidationLease | null> {
    const take = this.x.db.transaction((): ConsolidationLease | null => {
      const held = this.leaseRow(tenantId, sessionId);
      // Held and unexpired: refused, to this worker too (two runs in one process must not both work on it).
      if (held && held.expires_at > now) return null;
      const lease = { tenantId, sessionId, worker, token: randomUUID(), expiresAt: now + ttlMs };
      this.x.sql
        .get(
          `INSERT INTO consolidation_leases (tenant_id, session_id, worker, token, expires_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (tenant_id, session_id) DO UPDATE SET worker = excluded.worker, token = excluded.token, expires_at = excluded.expires_at`,
        )
        .run(tenantId, sessionId, worker, lease.token, lease.expiresAt);
      return lease;
    });
    return take.immediate();
  }

  async renewConsolidation(lease: ConsolidationLease, ttlMs: number, now: number): Promise<boolean> {
    const changes = this.x.sql
      .get('UPDATE consolidation_leases SET expires_at = ? WHERE tenant_id = ? AND session_id = ? AND token = ?')
      .run(now + ttlMs, lease.tenantId, lease.sessionId, lease.token).changes;
    return changes === 1;
  }

  async releaseConsolidation(lease: ConsolidationLease): Promise<void> {
    this.x.sql
      .get('DELETE FROM consolidation_leases WHERE tenant_id = ? AND session_id = ? AND token = ?')
      .run(lease.tenantId, lease.sessionId, lease.token);
  }

  async getCheckpoint(tenantId: string, sessionId: string): Promise<ConsolidationCheckpoint | null> {
    const row = this.checkpointRow(tenantId, sessionId);
    return row
      ? {
          tenantId: row.tenant_id,
          sessionId: row.session_id,
          upToSeq: row.up_to_seq,
          runId: row.run_id,
          summaryMemoryId: row.summary_memory_id,
          updatedAt: row.updated_at,
        }
      : null;
  }

  async commitConsolidation(commit: ConsolidationCommit): Promise<CommitOutcome> {
    const { tenantId, sessionId } = commit.lease;
    const x = this.x;
    const inserted: Array<{ rowid: number; memory: NewMemory }> = [];
    const removed: Array<{ rowid: number; user_id: string; embedding_model: string | null }> = [];
    const { value: outcome, span } = x.logged((): CommitOutcome => {
      const checkpoint = this.checkpointRow(tenantId, sessionId);
      const at = checkpoint?.up_to_seq ?? 0;
      if (checkpoint && at === commit.toSeq && checkpoint.run_id === commit.runId) return { status: 'replay', inserted: 0, folded: 0 };
      const lease = this.leaseRow(tenantId, sessionId);
      if (lease?.token !== commit.lease.token || at !== commit.fromSeq) return { status: 'conflict', inserted: 0, folded: 0 };
      const exists = x.sql.get('SELECT 1 FROM memories WHERE tenant_id = ? AND id = ?');
      const sameNote = x.sql.get(
        // kind <> 'turn' (implied) lets SQLite use memories_by_hash, which leaves out turns (migration 0005).
        `SELECT id, source, metadata FROM memories WHERE tenant_id = ? AND user_id = ? AND namespace = ? AND kind = 'note'
           AND kind <> 'turn' AND content_hash = ? AND superseded_by IS NULL AND id != ? LIMIT 1`,
      );
      const fold = x.sql.get('UPDATE memories SET source = ?, metadata = ?, updated_at = ? WHERE tenant_id = ? AND id = ?');
      const foldedInto = new Map<string, string>();
      for (const memory of commit.insert) {
        if (exists.get(tenantId, memory.id)) continue;
        const same =
          memory.kind === 'note'
            ? (sameNote.get(tenantId, memory.userId, memory.namespace ?? '', memory.contentHash, memory.id) as
                | { id: string; source: string; metadata: string }
                | undefined)
            : undefined;
        if (same) {
          const metadata = JSON.parse(same.metadata) as Record<string, unknown>;
          const ids = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v) => typeof v === 'string') : []);
          metadata.sourceClientMsgIds = [...new Set([...ids(metadata.sourceClientMsgIds), ...ids(memory.metadata.sourceClientMsgIds)])];
          const source = [...new Set([...(JSON.parse(same.source) as string[]), ...memory.source])];
          fold.run(JSON.stringify(source), JSON.stringify(metadata), commit.now, tenantId, same.id);
          foldedInto.set(memory.id, same.id);
          continue;
        }
        inserted.push({ rowid: x.insertMemoryRow(memory), memory });
      }
      const merge = x.sql.get(
        `UPDATE memories SET source = ?, metadata = ?, importance = ?, updated_at = ?,
           superseded_by = coalesce(?, superseded_by), valid_to = coalesce(?, valid_to) WHERE tenant_id = ? AND id = ?`,
      );
      for (const m of commit.merge) {
        merge.run(
          JSON.stringify(m.source),
          JSON.stringify(m.metadata),
          m.importance,
          commit.now,
          m.supersededBy === undefined ? null : (foldedInto.get(m.supersededBy) ?? m.supersededBy),
          m.validTo ?? null,
          tenantId,
          m.id,
        );
      }
      if (commit.remove.length > 0) {
        const ids = JSON.stringify(commit.remove);
        removed.push(
          ...(x.sql
            .get('SELECT rowid, user_id, embedding_model FROM memories WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))')
            .all(tenantId, ids) as typeof removed),
        );
        x.sql.get('DELETE FROM memories WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))').run(tenantId, ids);
      }
      if (commit.summary) {
        x.sql
          .get('UPDATE sessions SET summary = ?, summarized_up_to_seq = ? WHERE tenant_id = ? AND id = ?')
          .run(commit.summary.text, commit.toSeq, tenantId, sessionId);
      }
      x.sql
        .get(
          `INSERT INTO consolidation_checkpoints (tenant_id, session_id, up_to_seq, run_id, summary_memory_id, updated_at)
           VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (tenant_id, session_id) DO UPDATE SET up_to_seq = excluded.up_to_seq, run_id = excluded.run_id,
             summary_memory_id = coalesce(excluded.summary_memory_id, summary_memory_id), updated_at = excluded.updated_at`,
        )
        .run(tenantId, sessionId, commit.toSeq, commit.runId, commit.summary?.memoryId ?? null, commit.now);
      return { status: 'applied', inserted: inserted.length, folded: foldedInto.size };
    });
    for (const row of removed) x.indexDeleted(row.rowid, tenantId, row.user_id, row.embedding_model);
    for (const { rowid, memory } of inserted) x.indexInserted(rowid, memory);
    x.advance(span);
    return outcome;
  }

  private checkpointRow(tenantId: string, sessionId: string): CheckpointRow | undefined {
    return this.x.sql.get('SELECT * FROM consolidation_checkpoints WHERE tenant_id = ? AND session_id = ?').get(tenantId, sessionId) as
      | CheckpointRow
      | undefined;
  }

  private leaseRow(tenantId: string, sessionId: string): LeaseRow | undefined {
    return this.x.sql
      .get('SELECT worker, token, expires_at FROM consolidation_leases WHERE tenant_id = ? AND session_id = ?')
      .get(tenantId, sessionId) as LeaseRow | undefined;
  }
}
