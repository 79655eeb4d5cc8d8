import type { MemoryFilter } from '../../spec/memory-store.js';

/** Collects `$n` parameters while SQL is assembled. */
export class PgParams {
  readonly values: unknown[] = [];
  constructor(initial: readonly unknown[] = []) {
    this.values.push(...initial);
  }
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** A MemoryFilter as a WHERE clause over `memories m`. */
export function pgMemoryFilter(filter: MemoryFilter, params: PgParams, now: number): string {
  const clauses = [`m.tenant_id = ${params.add(filter.tenantId)}`];
  if (filter.userId !== undefined) clauses.push(`m.user_id = ${params.add(filter.userId)}`);
  if (filter.agentId !== undefined) clauses.push(`m.agent_id = ${params.add(filter.agentId)}`);
  if (filter.namespace !== undefined) clauses.push(`m.namespace = ${params.add(filter.namespace)}`);
  if (filter.sessionId !== undefined) clauses.push(`m.session_id = ${params.add(filter.sessionId)}`);
  if (filter.kinds !== undefined && filter.kinds.length > 0) clauses.push(`m.kind = ANY(${params.add([...filter.kinds])}::text[])`);
  if (filter.tags !== undefined && filter.tags.length > 0) clauses.push(`m.tags @> ${params.add(JSON.stringify(filter.tags))}::jsonb`);
  if (filter.contentHash !== undefined) clauses.push(`m.content_hash = ${params.add(filter.contentHash)}`);
  if (filter.since !== undefined) clauses.push(`m.created_at >= ${params.add(filter.since)}`);
  if (filter.until !== undefined) clauses.push(`m.created_at < ${params.add(filter.until)}`);
  if (!filter.includeSuperseded) clauses.push(`m.superseded_by IS NULL AND (m.valid_to IS NULL OR m.valid_to > ${params.add(now)})`);
  return clauses.join(' AND ');
}
