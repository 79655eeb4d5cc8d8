import type Database from 'better-sqlite3';
import type { FactFilter, NewFact, SetFactResult } from '../../spec/memory-store.js';
import type { FactRecord, FactRule, Scope } from '../../spec/records.js';
import { type FactRow, toFact } from './rows.js';
import type { StatementCache } from './statement-cache.js';

/**
 * Bi-temporal facts on SQLite: valid time (validFrom/validTo) and transaction time (recordedAt).
 * Statements come from the store's cache: every getContext reads the user's facts, and
 * preparing the statement each time cost as much as running it.
 */
export class SqliteFacts {
  constructor(
    private readonly db: Database.Database,
    private readonly sql: StatementCache,
  ) {}

  set(fact: NewFact): SetFactResult {
    const scope = [fact.tenantId, fact.userId, fact.agentId ?? '', fact.namespace ?? '', fact.subject, fact.key];
    const run = this.db.transaction((): SetFactResult => {
      const versions = this.sql
        .get(
          `SELECT * FROM facts WHERE tenant_id = ? AND user_id = ? AND agent_id = ? AND namespace = ?
             AND subject = ? AND key = ? ORDER BY valid_from, recorded_at`,
        )
        .all(...scope) as FactRow[];
      let previous: FactRow | undefined;
      let next: FactRow | undefined;
      for (const row of versions) {
        if (row.valid_from <= fact.validFrom) previous = row;
        else if (next === undefined) next = row;
      }
      const value = JSON.stringify(fact.value);
      if (previous && previous.value === value && (previous.valid_to === null || previous.valid_to > fact.validFrom)) {
        return { fact: toFact(previous), closed: null, created: false };
      }
      let closed: FactRecord | null = null;
      if (previous && (previous.valid_to === null || previous.valid_to > fact.validFrom)) {
        this.sql.get('UPDATE facts SET valid_to = ? WHERE tenant_id = ? AND id = ?').run(fact.validFrom, previous.tenant_id, previous.id);
        closed = toFact({ ...previous, valid_to: fact.validFrom });
      }
      const row: FactRow = {
        tenant_id: fact.tenantId,
        id: fact.id,
        user_id: fact.userId,
        agent_id: fact.agentId ?? '',
        namespace: fact.namespace ?? '',
        subject: fact.subject,
        key: fact.key,
        value,
        valid_from: fact.validFrom,
        valid_to: next ? next.valid_from : null,
        recorded_at: fact.recordedAt,
        source: fact.source,
      };
      this.sql
        .get(
          `INSERT INTO facts (tenant_id, id, user_id, agent_id, namespace, subject, key, value, valid_from, valid_to, recorded_at, source)
           VALUES (@tenant_id, @id, @user_id, @agent_id, @namespace, @subject, @key, @value, @valid_from, @valid_to, @recorded_at, @source)`,
        )
        .run(row);
      return { fact: toFact(row), closed, created: true };
    });
    return run.immediate();
  }

  get(filter: FactFilter, now: number): FactRecord[] {
    const clauses = ['tenant_id = ?', 'user_id = ?', 'agent_id = ?', 'namespace = ?'];
    const params: unknown[] = [filter.tenantId, filter.userId, filter.agentId ?? '', filter.namespace ?? ''];
    if (filter.subject !== undefined) {
      clauses.push('subject = ?');
      params.push(filter.subject);
    }
    if (filter.key !== undefined) {
      clauses.push('key = ?');
      params.push(filter.key);
    }
    if (!filter.allVersions) {
      const at = filter.asOf ?? now;
      clauses.push('valid_from <= ? AND (valid_to IS NULL OR valid_to > ?)');
      params.push(at, at);
    }
    const rows = this.sql
      .get(`SELECT * FROM facts WHERE ${clauses.join(' AND ')} ORDER BY subject, key, valid_from, recorded_at`)
      .all(...params) as FactRow[];
    return rows.map((row) => toFact(row, this.getRule(filter, row.subject, row.key)));
  }

  setRule(scope: Scope, subject: string, key: string, rule: FactRule): void {
    this.sql
      .get(
        `INSERT INTO fact_rules (tenant_id, user_id, agent_id, namespace, subject, key, rule) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (tenant_id, user_id, agent_id, namespace, subject, key) DO UPDATE SET rule = excluded.rule`,
      )
      .run(scope.tenantId, scope.userId, scope.agentId ?? '', scope.namespace ?? '', subject, key, JSON.stringify(rule));
  }

  getRule(scope: Scope, subject: string, key: string): FactRule | null {
    const row = this.sql
      .get(`SELECT rule FROM fact_rules WHERE tenant_id = ? AND user_id = ? AND agent_id = ? AND namespace = ? AND subject = ? AND key = ?`)
      .get(scope.tenantId, scope.userId, scope.agentId ?? '', scope.namespace ?? '', subject, key) as { rule: string } | undefined;
    return row ? (JSON.parse(row.rule) as FactRule) : null;
  }
}
