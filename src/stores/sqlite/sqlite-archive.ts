import { StrataError } from '../../errors/strata-error.js';
import { defaultSoftMatcher } from '../../retrieval/soft-match.js';
import type { ArchivedFactRule, ArchiveRecords, ArchiveStoreV1 } from '../../spec/archive-store.js';
import type { FactRecord, FactRule } from '../../spec/records.js';
import { factValues, memoryValues, messageValues } from '../archive-values.js';
import { type FactRow, INSERT_MEMORY_SQL, toFact } from './rows.js';
import type { SqliteInternals } from './sqlite-internals.js';

const optional = (value: string): string | undefined => (value === '' ? undefined : value);

/** ArchiveStoreV1 on the SQLite store: plain reads of the tables, and one transaction of exact inserts. */
export class SqliteArchive implements ArchiveStoreV1 {
  readonly specificationVersion = 'v1' as const;

  constructor(private readonly store: { readonly internals: SqliteInternals }) {}

  private get x(): SqliteInternals {
    return this.store.internals;
  }

  async listTenants(): Promise<string[]> {
    const rows = this.x.sql
      .get(
        `SELECT tenant_id FROM sessions UNION SELECT tenant_id FROM memories UNION SELECT tenant_id FROM facts
         UNION SELECT tenant_id FROM fact_rules ORDER BY 1`,
      )
      .all() as Array<{ tenant_id: string }>;
    return rows.map((row) => row.tenant_id);
  }

  async listAllFacts(tenantId: string, page: { limit: number; after?: string | undefined }): Promise<FactRecord[]> {
    const rows = this.x.sql
      .get('SELECT * FROM facts WHERE tenant_id = ? AND id > ? ORDER BY id LIMIT ?')
      .all(tenantId, page.after ?? '', page.limit) as FactRow[];
    return rows.map((row) => toFact(row));
  }

  async listFactRules(tenantId: string): Promise<ArchivedFactRule[]> {
    const rows = this.x.sql
      .get('SELECT * FROM fact_rules WHERE tenant_id = ? ORDER BY user_id, agent_id, namespace, subject, key')
      .all(tenantId) as Array<{
      tenant_id: string;
      user_id: string;
      agent_id: string;
      namespace: string;
      subject: string;
      key: string;
      rule: string;
    }>;
    return rows.map((row) => ({
      tenantId: row.tenant_id,
      userId: row.user_id,
      agentId: optional(row.agent_id),
      namespace: optional(row.namespace),
      subject: row.subject,
      key: row.key,
      rule: JSON.parse(row.rule) as FactRule,
    }));
  }

  async isEmpty(): Promise<boolean> {
    const row = this.x.sql
      .get(
        `SELECT (SELECT count(*) FROM sessions) + (SELECT count(*) FROM messages) + (SELECT count(*) FROM memories)
           + (SELECT count(*) FROM facts) + (SELECT count(*) FROM fact_rules) AS n`,
      )
      .get() as { n: number };
    return row.n === 0;
  }

  async importRecords(records: ArchiveRecords): Promise<void> {
    const { sql } = this.x;
    const json = JSON.stringify;
    // No advance(): the loaded in-process indexes have not seen these rows; they catch up from
    // index_log (and restore rebuilds them anyway).
    this.x.logged(() => {
      const session = sql.get(
        `INSERT INTO sessions (tenant_id, id, user_id, agent_id, namespace, metadata, created_at, updated_at, summary, summarized_up_to_seq, last_seq)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const s of records.sessions) {
        conflictOn('session', s.id, () =>
          session.run(
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
          ),
        );
      }
      const message = sql.get(
        `INSERT INTO messages (tenant_id, id, session_id, seq, role, name, content, metadata, created_at, client_msg_id, token_count)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const m of records.messages) {
        conflictOn('message', m.id, () => message.run(...messageValues(m)));
      }
      const memory = sql.get(INSERT_MEMORY_SQL);
      // Restored memories get their content words as written ones do (0006_content_words.sql).
      const words = defaultSoftMatcher();
      for (const m of records.memories) {
        conflictOn('memory', m.id, () => memory.run(...memoryValues(m), words.encode(m.text), words.encode(m.context)));
      }
      const fact = sql.get(
        `INSERT INTO facts (tenant_id, id, user_id, agent_id, namespace, subject, key, value, valid_from, valid_to, recorded_at, source)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const f of records.facts) {
        conflictOn('fact', f.id, () => fact.run(...factValues(f)));
      }
      const rule = sql.get(
        'INSERT INTO fact_rules (tenant_id, user_id, agent_id, namespace, subject, key, rule) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      for (const r of records.factRules) {
        conflictOn('fact rule', `${r.subject}.${r.key}`, () =>
          rule.run(r.tenantId, r.userId, r.agentId ?? '', r.namespace ?? '', r.subject, r.key, json(r.rule)),
        );
      }
      const checkpoint = sql.get(
        `INSERT INTO consolidation_checkpoints (tenant_id, session_id, up_to_seq, run_id, summary_memory_id, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
      );
      for (const c of records.checkpoints) {
        conflictOn('checkpoint', c.sessionId, () =>
          checkpoint.run(c.tenantId, c.sessionId, c.upToSeq, c.runId, c.summaryMemoryId, c.updatedAt),
        );
      }
      return null;
    });
  }
}

function conflictOn(what: string, id: string, run: () => unknown): void {
  try {
    run();
  } catch (cause) {
    if ((cause as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT')) {
      throw new StrataError('ARCHIVE_CONFLICT', `${what} ${id} already exists in the target store`, { cause, details: { id } });
    }
    throw cause;
  }
}
