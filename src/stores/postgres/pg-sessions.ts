import { StrataError } from '../../errors/strata-error.js';
import type { AppendItem, AppendResult, MessageQuery, NewMemory, NewSession, Page, SessionFilter } from '../../spec/memory-store.js';
import type { MessageRecord, SessionRecord } from '../../spec/records.js';
import type { PgDriver, PgQueryable } from './driver.js';
import { PgParams } from './pg-filter.js';
import { json, type PgMessageRow, type PgSessionRow, pgMessage, pgSession } from './pg-rows.js';

/** Writes a memory row inside a caller's transaction (pg-memories.ts). */
export type InsertMemoryRow = (tx: PgQueryable, memory: NewMemory) => Promise<void>;

/** Sessions and the message log. */
export class PgSessions {
  constructor(
    private readonly driver: PgDriver,
    private readonly insertMemoryRow: InsertMemoryRow,
    /** Before a write transaction: creates the vector index of each model it will write. */
    private readonly prepareVectors: (memories: readonly NewMemory[]) => Promise<void>,
  ) {}

  async ensure(input: NewSession): Promise<SessionRecord> {
    // ON CONFLICT DO NOTHING: two writers creating one session at once both get it.
    const inserted = await this.driver.query<PgSessionRow>(
      `INSERT INTO sessions (tenant_id, id, user_id, agent_id, namespace, metadata, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7, $7) ON CONFLICT (tenant_id, id) DO NOTHING RETURNING *`,
      [input.tenantId, input.id, input.userId, input.agentId ?? '', input.namespace ?? '', json(input.metadata), input.createdAt],
    );
    const created = inserted.rows[0];
    if (created) return pgSession(created);
    const existing = await this.get(input.tenantId, input.id);
    if (!existing) throw new StrataError('STORE_UNAVAILABLE', `session ${input.id} vanished while being created`);
    if (
      existing.userId !== input.userId ||
      (existing.agentId ?? '') !== (input.agentId ?? '') ||
      (existing.namespace ?? '') !== (input.namespace ?? '')
    ) {
      throw new StrataError('SCOPE_CONFLICT', `session ${input.id} belongs to another scope`, { details: { sessionId: input.id } });
    }
    return existing;
  }

  async get(tenantId: string, id: string): Promise<SessionRecord | null> {
    const { rows } = await this.driver.query<PgSessionRow>('SELECT * FROM sessions WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
    return rows[0] ? pgSession(rows[0]) : null;
  }

  async list(filter: SessionFilter, page: Page): Promise<SessionRecord[]> {
    const params = new PgParams();
    const clauses = [`tenant_id = ${params.add(filter.tenantId)}`];
    if (filter.userId !== undefined) clauses.push(`user_id = ${params.add(filter.userId)}`);
    if (filter.agentId !== undefined) clauses.push(`agent_id = ${params.add(filter.agentId)}`);
    if (page.after !== undefined) {
      const after = await this.get(filter.tenantId, page.after);
      if (!after) throw staleCursor(page.after);
      clauses.push(`(created_at, id) > (${params.add(after.createdAt)}, ${params.add(after.id)})`);
    }
    const { rows } = await this.driver.query<PgSessionRow>(
      `SELECT * FROM sessions WHERE ${clauses.join(' AND ')} ORDER BY created_at, id LIMIT ${params.add(page.limit)}`,
      params.values,
    );
    return rows.map(pgSession);
  }

  /**
   * One transaction: the session row is locked FOR UPDATE first, so concurrent writers to one
   * session (other connections, other processes) take turns; seq = last_seq + 1 under the lock
   * never gaps or repeats, and a clientMsgId is checked after the lock, so a retry racing its
   * original sees it.
   */
  async append(tenantId: string, sessionId: string, batch: readonly AppendItem[]): Promise<AppendResult[]> {
    await this.prepareVectors(batch.flatMap((item) => (item.turn ? [item.turn] : [])));
    return this.driver.transaction(async (tx) => {
      const locked = await tx.query<{ last_seq: number | string; updated_at: number | string }>(
        'SELECT last_seq, updated_at FROM sessions WHERE tenant_id = $1 AND id = $2 FOR UPDATE',
        [tenantId, sessionId],
      );
      const session = locked.rows[0];
      if (!session) throw new StrataError('SESSION_NOT_FOUND', `session ${sessionId} not found`, { details: { sessionId } });
      let seq = Number(session.last_seq);
      let updatedAt = Number(session.updated_at);
      const ids = batch.flatMap((item) => (item.message.clientMsgId === null ? [] : [item.message.clientMsgId]));
      const taken = ids.length > 0 ? await this.byClientIds(tx, tenantId, sessionId, ids) : new Map<string, MessageRecord>();
      const results: AppendResult[] = [];
      for (const { message, turn } of batch) {
        const existing = message.clientMsgId === null ? undefined : taken.get(message.clientMsgId);
        if (existing) {
          if (existing.content !== message.content || existing.role !== message.role) {
            throw new StrataError('IDEMPOTENCY_CONFLICT', `clientMsgId ${message.clientMsgId} was already used for a different message`, {
              details: { clientMsgId: message.clientMsgId, sessionId },
            });
          }
          results.push({ message: existing, created: false, memoryId: await this.turnOf(tx, tenantId, sessionId, existing.id) });
          continue;
        }
        seq += 1;
        await tx.query(
          `INSERT INTO messages (tenant_id, id, session_id, seq, role, name, content, metadata, created_at, client_msg_id, token_count)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10, $11)`,
          [
            tenantId,
            message.id,
            sessionId,
            seq,
            message.role,
            message.name,
            message.content,
            json(message.metadata),
            message.createdAt,
            message.clientMsgId,
            message.tokenCount,
          ],
        );
        const record: MessageRecord = { ...message, tenantId, sessionId, seq };
        if (message.clientMsgId !== null) taken.set(message.clientMsgId, record);
        updatedAt = Math.max(updatedAt, message.createdAt);
        if (turn) await this.insertMemoryRow(tx, turn);
        results.push({ message: record, created: true, memoryId: turn?.id ?? null });
      }
      await tx.query('UPDATE sessions SET last_seq = $1, updated_at = $2 WHERE tenant_id = $3 AND id = $4', [
        seq,
        updatedAt,
        tenantId,
        sessionId,
      ]);
      return results;
    });
  }

  async listMessages(tenantId: string, sessionId: string, query: MessageQuery): Promise<MessageRecord[]> {
    const params = new PgParams([tenantId, sessionId]);
    const clauses = ['tenant_id = $1', 'session_id = $2'];
    if (query.afterSeq !== undefined) clauses.push(`seq > ${params.add(query.afterSeq)}`);
    if (query.beforeSeq !== undefined) clauses.push(`seq < ${params.add(query.beforeSeq)}`);
    const order = query.order === 'desc' ? 'DESC' : 'ASC';
    const { rows } = await this.driver.query<PgMessageRow>(
      `SELECT * FROM messages WHERE ${clauses.join(' AND ')} ORDER BY seq ${order} LIMIT ${params.add(query.limit)}`,
      params.values,
    );
    return rows.map(pgMessage);
  }

  findByClientMsgIds(tenantId: string, sessionId: string, clientMsgIds: readonly string[]): Promise<Map<string, MessageRecord>> {
    return this.byClientIds(this.driver, tenantId, sessionId, clientMsgIds);
  }

  private async byClientIds(
    on: PgQueryable,
    tenantId: string,
    sessionId: string,
    clientMsgIds: readonly string[],
  ): Promise<Map<string, MessageRecord>> {
    if (clientMsgIds.length === 0) return new Map();
    const { rows } = await on.query<PgMessageRow>(
      'SELECT * FROM messages WHERE tenant_id = $1 AND session_id = $2 AND client_msg_id = ANY($3::text[])',
      [tenantId, sessionId, [...clientMsgIds]],
    );
    return new Map(rows.map((row) => [row.client_msg_id as string, pgMessage(row)]));
  }

  private async turnOf(on: PgQueryable, tenantId: string, sessionId: string, messageId: string): Promise<string | null> {
    const { rows } = await on.query<{ id: string }>(
      `SELECT id FROM memories WHERE tenant_id = $1 AND session_id = $2 AND kind = 'turn' AND source = $3::jsonb LIMIT 1`,
      [tenantId, sessionId, json([messageId])],
    );
    return rows[0]?.id ?? null;
  }
}

/** A page cursor names a record that no longer exists: restarting silently would repeat pages. */
export function staleCursor(after: string): StrataError {
  return new StrataError('INVALID_INPUT', `page cursor ${after} no longer exists (deleted meanwhile); list again from the start`, {
    details: { field: 'after' },
  });
}
