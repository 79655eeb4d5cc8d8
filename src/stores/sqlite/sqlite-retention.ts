import type { MessageRecord } from '../../spec/records.js';
import type { RetentionStoreV1 } from '../../spec/retention-store.js';
import { type MessageRow, toMessage } from './rows.js';
import type { SqliteInternals } from './sqlite-internals.js';

const PRUNABLE = `FROM messages m JOIN consolidation_checkpoints c ON c.tenant_id = m.tenant_id AND c.session_id = m.session_id
  WHERE m.tenant_id = ? AND m.created_at < ? AND m.seq <= c.up_to_seq`;

/** RetentionStoreV1 on the SQLite store (uses the consolidation checkpoints of migration 0003). */
export class SqliteRetention implements RetentionStoreV1 {
  readonly specificationVersion = 'v1' as const;

  constructor(private readonly store: { readonly internals: SqliteInternals }) {}

  private get x(): SqliteInternals {
    return this.store.internals;
  }

  async listUsers(tenantId: string): Promise<string[]> {
    const rows = this.x.sql
      .get('SELECT user_id FROM sessions WHERE tenant_id = ? UNION SELECT user_id FROM memories WHERE tenant_id = ? ORDER BY 1')
      .all(tenantId, tenantId) as Array<{ user_id: string }>;
    return rows.map((row) => row.user_id);
  }

  async listPrunableMessages(tenantId: string, before: number, limit: number): Promise<MessageRecord[]> {
    const rows = this.x.sql.get(`SELECT m.* ${PRUNABLE} ORDER BY m.created_at, m.id LIMIT ?`).all(tenantId, before, limit) as MessageRow[];
    return rows.map(toMessage);
  }

  async countPrunableMessages(tenantId: string, before: number): Promise<{ prunable: number; unconsolidated: number }> {
    const prunable = (this.x.sql.get(`SELECT count(*) AS n ${PRUNABLE}`).get(tenantId, before) as { n: number }).n;
    const old = (
      this.x.sql.get('SELECT count(*) AS n FROM messages WHERE tenant_id = ? AND created_at < ?').get(tenantId, before) as { n: number }
    ).n;
    return { prunable, unconsolidated: old - prunable };
  }

  async deleteMessages(tenantId: string, ids: readonly string[]): Promise<{ messages: number; memories: number }> {
    if (ids.length === 0) return { messages: 0, memories: 0 };
    const x = this.x;
    const list = JSON.stringify(ids);
    // A message's turn memory has the message as its only source (see MemoryService.addMessages).
    const sources = JSON.stringify(ids.map((id) => JSON.stringify([id])));
    const { value, span } = x.logged(() => {
      const turns = x.sql
        .get(
          `SELECT rowid, user_id, embedding_model FROM memories
           WHERE tenant_id = ? AND kind = 'turn' AND source IN (SELECT value FROM json_each(?))`,
        )
        .all(tenantId, sources) as Array<{ rowid: number; user_id: string; embedding_model: string | null }>;
      x.sql.get(`DELETE FROM memories WHERE rowid IN (SELECT value FROM json_each(?))`).run(JSON.stringify(turns.map((t) => t.rowid)));
      const messages = x.sql
        .get('DELETE FROM messages WHERE tenant_id = ? AND id IN (SELECT value FROM json_each(?))')
        .run(tenantId, list).changes;
      return { turns, messages };
    });
    for (const turn of value.turns) x.indexDeleted(turn.rowid, tenantId, turn.user_id, turn.embedding_model);
    x.advance(span);
    return { messages: value.messages, memories: value.turns.length };
  }
}
