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
import type { Metadata } from '../../spec/records.js';
import type { PgQueryable } from './driver.js';
import { PgParams } from './pg-filter.js';
import { json } from './pg-rows.js';
import type { PgInternals } from './postgres-store.js';

type Int = number | string;

interface CheckpointRow {
  tenant_id: string;
  session_id: string;
  up_to_seq: Int;
  run_id: string;
  summary_memory_id: string | null;
  updated_at: Int;
}

/** SQLSTATE 23503: the session of a lease is gone (erased meanwhile). */
const FOREIGN_KEY_VIOLATION = '23503';

/**
 * ConsolidationStoreV1 on PostgreSQL (migration 0002). A lease is a row of
 * consolidation_leases: taking it locks the row with `SELECT ... FOR UPDATE SKIP LOCKED`, so a
 * worker on another connection or machine that is taking or committing under it at that moment
 * is skipped rather than waited for, and the row is taken only when it is expired. A commit
 * locks the lease and checkpoint rows, checks the token and the checkpoint (compare-and-set)
 * and writes the run's memories, the session summary and the checkpoint in one transaction.
 */
export class PgConsolidation implements ConsolidationStoreV1 {
  readonly specificationVersion = 'v1' as const;

  /** `pgInternals` is read on each call: the store may be opened after this is built. */
  constructor(private readonly store: { readonly pgInternals: PgInternals }) {}

  private get x(): PgInternals {
    return this.store.pgInternals;
  }

  async listPendingSessions(filter: PendingFilter, limit: number): Promise<PendingSession[]> {
    const params = new PgParams();
    const clauses = ['s.last_seq > coalesce(c.up_to_seq, 0)'];
    if (filter.tenantId !== undefined) clauses.push(`s.tenant_id = ${params.add(filter.tenantId)}`);
    if (filter.sessionId !== undefined) clauses.push(`s.id = ${params.add(filter.sessionId)}`);
    const { rows } = await this.x.driver.query<{ tenant_id: string; id: string; checkpoint_seq: Int; last_seq: Int }>(
      `SELECT s.tenant_id, s.id, coalesce(c.up_to_seq, 0) AS checkpoint_seq, s.last_seq
       FROM sessions s LEFT JOIN consolidation_checkpoints c ON c.tenant_id = s.tenant_id AND c.session_id = s.id
       WHERE ${clauses.join(' AND ')} ORDER BY s.updated_at, s.tenant_id, s.id LIMIT ${params.add(limit)}`,
      params.values,
    );
    return rows.map((row) => ({
      tenantId: row.tenant_id,
      sessionId: row.id,
      checkpointSeq: Number(row.checkpoint_seq),
      lastSeq: Number(row.last_seq),
    }));
  }

  async leaseConsolidation(
    tenantId: string,
    sessionId: string,
    worker: string,
    ttlMs: number,
    now: number,
  ): Promise<ConsolidationLease | null> {
    const lease = { tenantId, sessionId, worker, token: randomUUID(), expiresAt: now + ttlMs };
    try {
      return await this.x.driver.transaction(async (tx): Promise<ConsolidationLease | null> => {
        // A first lease creates the row already taken; an existing row is left for the lock below.
        const created = await tx.query(
          `INSERT INTO consolidation_leases (tenant_id, session_id, worker, token, expires_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (tenant_id, session_id) DO NOTHING`,
          [tenantId, sessionId, worker, lease.token, lease.expiresAt],
        );
        if (created.rowCount === 1) return lease;
        const { rows } = await tx.query<{ expires_at: Int }>(
          'SELECT expires_at FROM consolidation_leases WHERE tenant_id = $1 AND session_id = $2 FOR UPDATE SKIP LOCKED',
          [tenantId, sessionId],
        );
        const row = rows[0];
        // Locked by another worker's take or commit right now, or held and unexpired (by this worker too).
        if (!row || Number(row.expires_at) > now) return null;
        await tx.query(
          'UPDATE consolidation_leases SET worker = $3, token = $4, expires_at = $5 WHERE tenant_id = $1 AND session_id = $2',
          [tenantId, sessionId, worker, lease.token, lease.expiresAt],
        );
        return lease;
      });
    } catch (error) {
      if ((error as { code?: unknown })?.code === FOREIGN_KEY_VIOLATION) return null;
      throw error;
    }
  }

  async renewConsolidation(lease: ConsolidationLease, ttlMs: number, now: number): Promise<boolean> {
    const { rowCount } = await this.x.driver.query(
      'UPDATE consolidation_leases SET expires_at = $1 WHERE tenant_id = $2 AND session_id = $3 AND token = $4',
      [now + ttlMs, lease.tenantId, lease.sessionId, lease.token],
    );
    return rowCount === 1;
  }

  async releaseConsolidation(lease: ConsolidationLease): Promise<void> {
    await this.x.driver.query('DELETE FROM consolidation_leases WHERE tenant_id = $1 AND session_id = $2 AND token = $3', [
      lease.tenantId,
      lease.sessionId,
      lease.token,
    ]);
  }

  async getCheckpoint(tenantId: string, sessionId: string): Promise<ConsolidationCheckpoint | null> {
    const row = await checkpointRow(this.x.driver, tenantId, sessionId, false);
    return row ? pgCheckpoint(row) : null;
  }

  async commitConsolidation(commit: ConsolidationCommit): Promise<CommitOutcome> {
    const { tenantId, sessionId } = commit.lease;
    const x = this.x;
    // Vector indexes are created outside the transaction (as appendMessages does).
    await x.prepareVectors(commit.insert);
    return x.driver.transaction(async (tx): Promise<CommitOutcome> => {
      // The lease row first: a worker taking it meanwhile skips it (SKIP LOCKED) and gets none.
      const { rows: leases } = await tx.query<{ token: string }>(
        'SELECT token FROM consolidation_leases WHERE tenant_id = $1 AND session_id = $2 FOR UPDATE',
        [tenantId, sessionId],
      );
      const checkpoint = await checkpointRow(tx, tenantId, sessionId, true);
      const at = checkpoint ? Number(checkpoint.up_to_seq) : 0;
      if (checkpoint && at === commit.toSeq && checkpoint.run_id === commit.runId) return { status: 'replay', inserted: 0, folded: 0 };
      if (leases[0]?.token !== commit.lease.token || at !== commit.fromSeq) return { status: 'conflict', inserted: 0, folded: 0 };
      let inserted = 0;
      const foldedInto = new Map<string, string>();
      for (const memory of commit.insert) {
        const exists = await tx.query('SELECT 1 FROM memories WHERE tenant_id = $1 AND id = $2', [tenantId, memory.id]);
        if (exists.rows.length > 0) continue;
        if (memory.kind === 'note') {
          const { rows } = await tx.query<{ id: string; source: string[]; metadata: Metadata }>(
            `SELECT id, source, metadata FROM memories WHERE tenant_id = $1 AND user_id = $2 AND namespace = $3 AND kind = 'note'
               AND content_hash = $4 AND superseded_by IS NULL AND id <> $5 ORDER BY row_id LIMIT 1 FOR UPDATE`,
            [tenantId, memory.userId, memory.namespace ?? '', memory.contentHash, memory.id],
          );
          const same = rows[0];
          if (same) {
            const ids = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v) => typeof v === 'string') : []);
            const metadata = {
              ...same.metadata,
              sourceClientMsgIds: [...new Set([...ids(same.metadata.sourceClientMsgIds), ...ids(memory.metadata.sourceClientMsgIds)])],
            };
            const source = [...new Set([...same.source, ...memory.source])];
            await tx.query(
              'UPDATE memories SET source = $1::jsonb, metadata = $2::jsonb, updated_at = $3 WHERE tenant_id = $4 AND id = $5',
              [json(source), json(metadata), commit.now, tenantId, same.id],
            );
            foldedInto.set(memory.id, same.id);
            continue;
          }
        }
        await x.insertRow(tx, memory);
        inserted++;
      }
      for (const m of commit.merge) {
        await tx.query(
          `UPDATE memories SET source = $1::jsonb, metadata = $2::jsonb, importance = $3, updated_at = $4,
             superseded_by = coalesce($5, superseded_by), valid_to = coalesce($6, valid_to) WHERE tenant_id = $7 AND id = $8`,
          [
            json(m.source),
            json(m.metadata),
            m.importance,
            commit.now,
            m.supersededBy === undefined ? null : (foldedInto.get(m.supersededBy) ?? m.supersededBy),
            m.validTo ?? null,
            tenantId,
            m.id,
          ],
        );
      }
      if (commit.remove.length > 0) {
        await tx.query('DELETE FROM memories WHERE tenant_id = $1 AND id = ANY($2::text[])', [tenantId, [...commit.remove]]);
      }
      if (commit.summary) {
        await tx.query('UPDATE sessions SET summary = $1, summarized_up_to_seq = $2 WHERE tenant_id = $3 AND id = $4', [
          commit.summary.text,
          commit.toSeq,
          tenantId,
          sessionId,
        ]);
      }
      await tx.query(
        `INSERT INTO consolidation_checkpoints (tenant_id, session_id, up_to_seq, run_id, summary_memory_id, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (tenant_id, session_id) DO UPDATE SET up_to_seq = excluded.up_to_seq, run_id = excluded.run_id,
           summary_memory_id = coalesce(excluded.summary_memory_id, consolidation_checkpoints.summary_memory_id),
           updated_at = excluded.updated_at`,
        [tenantId, sessionId, commit.toSeq, commit.runId, commit.summary?.memoryId ?? null, commit.now],
      );
      return { status: 'applied', inserted, folded: foldedInto.size };
    });
  }
}

async function checkpointRow(on: PgQueryable, tenantId: string, sessionId: string, lock: boolean): Promise<CheckpointRow | undefined> {
  const { rows } = await on.query<CheckpointRow>(
    `SELECT * FROM consolidation_checkpoints WHERE tenant_id = $1 AND session_id = $2${lock ? ' FOR UPDATE' : ''}`,
    [tenantId, sessionId],
  );
  return rows[0];
}

export function pgCheckpoint(row: CheckpointRow): ConsolidationCheckpoint {
  return {
    tenantId: row.tenant_id,
    sessionId: row.session_id,
    upToSeq: Number(row.up_to_seq),
    runId: row.run_id,
    summaryMemoryId: row.summary_memory_id,
    updatedAt: Number(row.updated_at),
  };
}
