import type { FactFilter, NewFact, SetFactResult } from '../../spec/memory-store.js';
import type { FactRecord, FactRule, Scope } from '../../spec/records.js';
import type { PgDriver, PgQueryable } from './driver.js';
import { PgParams } from './pg-filter.js';
import { json, type PgFactRow, pgFact } from './pg-rows.js';

/** Bi-temporal facts: valid time (validFrom/validTo) and transaction time (recordedAt). */
export class PgFacts {
  constructor(private readonly driver: PgDriver) {}

  /**
   * One transaction holding an advisory lock on (scope, subject, key): two writers of one key
   * take turns, so exactly one version is open at a time.
   */
  set(fact: NewFact): Promise<SetFactResult> {
    const scope = [fact.tenantId, fact.userId, fact.agentId ?? '', fact.namespace ?? '', fact.subject, fact.key];
    return this.driver.transaction(async (tx): Promise<SetFactResult> => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [`strata-fact:${JSON.stringify(scope)}`]);
      const { rows: versions } = await tx.query<PgFactRow & { same: boolean }>(
        `SELECT *, value = $7::jsonb AS same FROM facts WHERE tenant_id = $1 AND user_id = $2 AND agent_id = $3 AND namespace = $4
           AND subject = $5 AND key = $6 ORDER BY valid_from, recorded_at`,
        [...scope, json(fact.value)],
      );
      let previous: (PgFactRow & { same: boolean }) | undefined;
      let next: PgFactRow | undefined;
      for (const row of versions) {
        if (Number(row.valid_from) <= fact.validFrom) previous = row;
        else if (next === undefined) next = row;
      }
      const open = previous !== undefined && (previous.valid_to === null || Number(previous.valid_to) > fact.validFrom);
      if (previous && open && previous.same) return { fact: pgFact(previous), closed: null, created: false };
      let closed: FactRecord | null = null;
      if (previous && open) {
        await tx.query('UPDATE facts SET valid_to = $1 WHERE tenant_id = $2 AND id = $3', [
          fact.validFrom,
          previous.tenant_id,
          previous.id,
        ]);
        closed = pgFact({ ...previous, valid_to: fact.validFrom });
      }
      const { rows } = await tx.query<PgFactRow>(
        `INSERT INTO facts (tenant_id, id, user_id, agent_id, namespace, subject, key, value, valid_from, valid_to, recorded_at, source)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11, $12) RETURNING *`,
        [
          fact.tenantId,
          fact.id,
          fact.userId,
          fact.agentId ?? '',
          fact.namespace ?? '',
          fact.subject,
          fact.key,
          json(fact.value),
          fact.validFrom,
          next ? Number(next.valid_from) : null,
          fact.recordedAt,
          fact.source,
        ],
      );
      return { fact: pgFact(rows[0] as PgFactRow), closed, created: true };
    });
  }

  async get(filter: FactFilter, now: number): Promise<FactRecord[]> {
    const params = new PgParams([filter.tenantId, filter.userId, filter.agentId ?? '', filter.namespace ?? '']);
    const clauses = ['f.tenant_id = $1', 'f.user_id = $2', 'f.agent_id = $3', 'f.namespace = $4'];
    if (filter.subject !== undefined) clauses.push(`f.subject = ${params.add(filter.subject)}`);
    if (filter.key !== undefined) clauses.push(`f.key = ${params.add(filter.key)}`);
    if (!filter.allVersions) {
      const at = params.add(filter.asOf ?? now);
      clauses.push(`f.valid_from <= ${at} AND (f.valid_to IS NULL OR f.valid_to > ${at})`);
    }
    // The rule of each fact's key comes with it (one query, not one per fact).
    const { rows } = await this.driver.query<PgFactRow & { rule: FactRule | null }>(
      `SELECT f.*, r.rule FROM facts f
       LEFT JOIN fact_rules r ON r.tenant_id = f.tenant_id AND r.user_id = f.user_id AND r.agent_id = f.agent_id
         AND r.namespace = f.namespace AND r.subject = f.subject AND r.key = f.key
       WHERE ${clauses.join(' AND ')} ORDER BY f.subject, f.key, f.valid_from, f.recorded_at`,
      params.values,
    );
    return rows.map((row) => pgFact(row, row.rule));
  }

  async setRule(scope: Scope, subject: string, key: string, rule: FactRule): Promise<void> {
    await this.driver.query(
      `INSERT INTO fact_rules (tenant_id, user_id, agent_id, namespace, subject, key, rule) VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
       ON CONFLICT (tenant_id, user_id, agent_id, namespace, subject, key) DO UPDATE SET rule = excluded.rule`,
      [scope.tenantId, scope.userId, scope.agentId ?? '', scope.namespace ?? '', subject, key, json(rule)],
    );
  }

  async getRule(scope: Scope, subject: string, key: string): Promise<FactRule | null> {
    return ruleOf(this.driver, scope, subject, key);
  }
}

async function ruleOf(on: PgQueryable, scope: Scope, subject: string, key: string): Promise<FactRule | null> {
  const { rows } = await on.query<{ rule: FactRule }>(
    'SELECT rule FROM fact_rules WHERE tenant_id = $1 AND user_id = $2 AND agent_id = $3 AND namespace = $4 AND subject = $5 AND key = $6',
    [scope.tenantId, scope.userId, scope.agentId ?? '', scope.namespace ?? '', subject, key],
  );
  return rows[0]?.rule ?? null;
}
