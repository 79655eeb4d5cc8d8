import type { MessageRecord } from '../../spec/records.js';
import type { RetentionStoreV1 } from '../../spec/retention-store.js';
import { json, type PgMessageRow, pgMessage } from './pg-rows.js';
import type { PgInternals } from './postgres-store.js';

const PRUNABLE = `FROM messages m JOIN consolidation_checkpoints c ON c.tenant_id = m.tenant_id AND c.session_id = m.session_id
  WHERE m.tenant_id = $1 AND m.created_at < $2 AND m.seq <= c.up_to_seq`;

/** RetentionStoreV1 on PostgreSQL (uses the consolidation checkpoints of migration 0002). */
export class PgRetention implements RetentionStoreV1 {
  readonly specificationVersion = 'v1' as const;

  constructor(private readonly store: { readonly pgInternals: PgInternals }) {}

  private get x(): PgInternals {
    return this.store.pgInternals;
  }

  async listUsers(tenantId: string): Promise<string[]> {
    const { rows } = await this.x.driver.query<{ user_id: string }>(
      'SELECT user_id FROM sessions WHERE tenant_id = $1 UNION SELECT user_id FROM memories WHERE tenant_id = $1 ORDER BY 1',
      [tenantId],
    );
    return rows.map((row) => row.user_id);
  }

  async listPrunableMessages(tenantId: string, before: number, limit: number): Promise<MessageRecord[]> {
    const { rows } = await this.x.driver.query<PgMessageRow>(`SELECT m.* ${PRUNABLE} ORDER BY m.created_at, m.id LIMIT $3`, [
      tenantId,
      before,
      limit,
    ]);
    return rows.map(pgMessage);
  }

  async countPrunableMessages(tenantId: string, before: number): Promise<{ prunable: number; unconsolidated: number }> {
    const { rows } = await this.x.driver.query<{ prunable: number | string; old: number | string }>(
      `SELECT (SELECT count(*) ${PRUNABLE}) AS prunable,
              (SELECT count(*) FROM messages WHERE tenant_id = $1 AND created_at < $2) AS old`,
      [tenantId, before],
    );
    const prunable = Number(rows[0]?.prunable ?? 0);
    return { prunable, unconsolidated: Number(rows[0]?.old ?? 0) - prunable };
  }

  /** One transaction: the messages and their `turn` memories (a turn's only source is its message). */
  deleteMessages(tenantId: string, ids: readonly string[]): Promise<{ messages: number; memories: number }> {
    if (ids.length === 0) return Promise.resolve({ messages: 0, memories: 0 });
    const sources = ids.map((id) => json([id]));
    return this.x.driver.transaction(async (tx) => {
      const memories = await tx.query(
        `DELETE FROM memories WHERE tenant_id = $1 AND kind = 'turn'
           AND source IN (SELECT s::jsonb FROM unnest($2::text[]) AS s)`,
        [tenantId, sources],
      );
      const messages = await tx.query('DELETE FROM messages WHERE tenant_id = $1 AND id = ANY($2::text[])', [tenantId, [...ids]]);
      return { messages: messages.rowCount, memories: memories.rowCount };
    });
  }
}
