import { StrataError } from '../../errors/strata-error.js';
import type { ArchivedFactRule, ArchiveRecords, ArchiveStoreV1 } from '../../spec/archive-store.js';
import type { FactRecord, FactRule } from '../../spec/records.js';
import { factValues, memoryValues, messageValues } from '../archive-values.js';
import type { PgQueryable } from './driver.js';
import { json, type PgFactRow, pgFact } from './pg-rows.js';
import type { PgInternals } from './postgres-store.js';

const optional = (value: string): string | undefined => (value === '' ? undefined : value);

/** SQLSTATE 23505: a primary key or unique constraint already holds the record. */
const UNIQUE_VIOLATION = '23505';

/**
 * ArchiveStoreV1 on PostgreSQL: plain reads of the tables, and one transaction of exact inserts
 * (ids, seqs, times and summaries as archived). Vectors are written as their float32 bytes
 * only: restore's rebuildIndexes fills the pgvector column and its per-model indexes after.
 */
export class PgArchive implements ArchiveStoreV1 {
  readonly specificationVersion = 'v1' as const;

  constructor(private readonly store: { readonly pgInternals: PgInternals }) {}

  private get x(): PgInternals {
    return this.store.pgInternals;
  }

  async listTenants(): Promise<string[]> {
    const { rows } = await this.x.driver.query<{ tenant_id: string }>(
      `SELECT tenant_id FROM sessions UNION SELECT tenant_id FROM memories UNION SELECT tenant_id FROM facts
       UNION SELECT tenant_id FROM fact_rules ORDER BY 1`,
      [],
    );
    return rows.map((row) => row.tenant_id);
  }

  async listAllFacts(tenantId: string, page: { limit: number; after?: string | undefined }): Promise<FactRecord[]> {
    // COLLATE "C": ids in byte order, as SQLite orders them, whatever the database's collation.
    const { rows } = await this.x.driver.query<PgFactRow>(
      'SELECT * FROM facts WHERE tenant_id = $1 AND id COLLATE "C" > $2 ORDER BY id COLLATE "C" LIMIT $3',
      [tenantId, page.after ?? '', page.limit],
    );
    return rows.map((row) => pgFact(row));
  }

  async listFactRules(tenantId: string): Promise<ArchivedFactRule[]> {
    const { rows } = await this.x.driver.query<{
      tenant_id: string;
      user_id: string;
      agent_id: string;
      namespace: string;
      subject: string;
      key: string;
      rule: FactRule;
    }>(
      `SELECT * FROM fact_rules WHERE tenant_id = $1
       ORDER BY user_id COLLATE "C", agent_id COLLATE "C", namespace COLLATE "C", subject COLLATE "C", key COLLATE "C"`,
      [tenantId],
    );
    return rows.map((row) => ({
      tenantId: row.tenant_id,
      userId: row.user_id,
      agentId: optional(row.agent_id),
      namespace: optional(row.namespace),
      subject: row.subject,
      key: row.key,
      rule: row.rule,
    }));
  }

  async isEmpty(): Promise<boolean> {
    const { rows } = await this.x.driver.query<{ any: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM sessions) OR EXISTS (SELECT 1 FROM messages) OR EXISTS (SELECT 1 FROM memories)
         OR EXISTS (SELECT 1 FROM facts) OR EXISTS (SELECT 1 FROM fact_rules) AS any`,
      [],
    );
    return rows[0]?.any !== true;
  }

  async importRecords(records: ArchiveRecords): Promise<void> {
    await this.x.driver.transaction(async (tx) => {
      for (const s of records.sessions) {
        await insert(
          tx,
          'session',
          s.id,
          `INSERT INTO sessions (tenant_id, id, user_id, agent_id, namespace, metadata, created_at, updated_at, summary, summarized_up_to_seq, last_seq)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11)`,
          [
            s.tenantId,
            s.id,
            s.userId,
            s.agentId ?? '',
            s.namespace ?? '',
            json(s.metadata),
            s.createdAt,
            s.updatedAt,
            s.summary,
            s.summarizedUpToSeq,
            s.lastSeq,
          ],
        );
      }
      for (const m of records.messages) {
        await insert(
          tx,
          'message',
          m.id,
          `INSERT INTO messages (tenant_id, id, session_id, seq, role, name, content, metadata, created_at, client_msg_id, token_count)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11)`,
          messageValues(m),
        );
      }
      // In archive order: row_id (the order of listMemories) follows it.
      for (const m of records.memories) {
        await insert(
          tx,
          'memory',
          m.id,
          `INSERT INTO memories (id, tenant_id, user_id, agent_id, namespace, session_id, kind, text, context, tags, importance, source,
             content_hash, metadata, embedding, embedding_model, created_at, updated_at, valid_from, valid_to, superseded_by)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12::jsonb, $13, $14::jsonb, $15, $16, $17, $18, $19, $20, $21)`,
          memoryValues(m),
        );
      }
      for (const f of records.facts) {
        await insert(
          tx,
          'fact',
          f.id,
          `INSERT INTO facts (tenant_id, id, user_id, agent_id, namespace, subject, key, value, valid_from, valid_to, recorded_at, source)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12)`,
          factValues(f),
        );
      }
      for (const r of records.factRules) {
        await insert(
          tx,
          'fact rule',
          `${r.subject}.${r.key}`,
          'INSERT INTO fact_rules (tenant_id, user_id, agent_id, namespace, subject, key, rule) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)',
          [r.tenantId, r.userId, r.agentId ?? '', r.namespace ?? '', r.subject, r.key, json(r.rule)],
        );
      }
      for (const c of records.checkpoints) {
        await insert(
          tx,
          'checkpoint',
          c.sessionId,
          `INSERT INTO consolidation_checkpoints (tenant_id, session_id, up_to_seq, run_id, summary_memory_id, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6)`,
          [c.tenantId, c.sessionId, c.upToSeq, c.runId, c.summaryMemoryId, c.updatedAt],
        );
      }
    });
  }
}

/** One insert; a record that exists is ARCHIVE_CONFLICT (the transaction then rolls back). */
async function insert(tx: PgQueryable, what: string, id: string, sql: string, params: readonly unknown[]): Promise<void> {
  try {
    await tx.query(sql, params);
  } catch (cause) {
    if ((cause as { code?: unknown })?.code === UNIQUE_VIOLATION) {
      throw new StrataError('ARCHIVE_CONFLICT', `${what} ${id} already exists in the target store`, { cause, details: { id } });
    }
    throw cause;
  }
}
