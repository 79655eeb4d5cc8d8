import type { AppendResult } from '../../spec/memory-store.js';
import type { MessageRecord, SessionRecord } from '../../spec/records.js';
import type { RedisConnection } from './redis-connection.js';
import type { SessionKeys } from './redis-keys.js';
import { SCRIPTS } from './redis-scripts.js';

/** How long the generation counters of an erased user's sessions stay (they hold no content). */
export const ERASE_FENCE_MS = 60_000;

export interface SessionCacheTtls {
  /** Session record, message window and write generation. */
  readonly sessionMs: number;
  /** clientMsgId entries. */
  readonly idempotencyMs: number;
  /** Newest messages kept per session. */
  readonly windowSize: number;
}

export interface CachedWindow {
  /** The session's last seq as cached, or null when the session is not cached. */
  readonly lastSeq: number | null;
  /** Newest messages, oldest first; contiguous and ending at lastSeq when valid. */
  readonly messages: MessageRecord[];
  readonly generation: string;
}

/**
 * The Redis side of sessions: the record, the window of newest messages, idempotency keys.
 * Every method talks to Redis only and throws when Redis does; RedisTierStore decides what
 * a failure means (fall back to the durable store, invalidate later).
 */
export class RedisSessionCache {
  constructor(
    private readonly connection: RedisConnection,
    private readonly ttls: SessionCacheTtls,
  ) {}

  keys(tenantId: string, sessionId: string): SessionKeys {
    return this.connection.keys.session(tenantId, sessionId);
  }

  async readSession(tenantId: string, sessionId: string): Promise<{ record: SessionRecord | null; generation: string }> {
    const keys = this.keys(tenantId, sessionId);
    const replies = await this.connection.client.multi().hmget(keys.record, 'record', 'lastSeq', 'updatedAt').get(keys.generation).exec();
    const [fields, generation] = results(replies) as [Array<string | null>, string | null];
    const [json, lastSeq, updatedAt] = fields;
    const record =
      json === null || json === undefined
        ? null
        : ({ ...(JSON.parse(json) as SessionRecord), lastSeq: Number(lastSeq), updatedAt: Number(updatedAt) } as SessionRecord);
    return { record, generation: generation ?? '' };
  }

  /** The cached window, or only its newest `tail` messages (enough for a newest-N query). */
  async readWindow(tenantId: string, sessionId: string, tail?: number): Promise<CachedWindow> {
    const keys = this.keys(tenantId, sessionId);
    const replies = await this.connection.client
      .multi()
      .hget(keys.record, 'lastSeq')
      .lrange(keys.window, tail === undefined ? 0 : -Math.max(1, tail), -1)
      .get(keys.generation)
      .exec();
    const [lastSeq, items, generation] = results(replies) as [string | null, string[], string | null];
    return {
      lastSeq: lastSeq === null ? null : Number(lastSeq),
      messages: items.map((item) => JSON.parse(item) as MessageRecord),
      generation: generation ?? '',
    };
  }

  /** Caches the record (and the window, newest messages oldest first) unless a write happened since `generation` was read. */
  async fill(session: SessionRecord, generation: string, window?: readonly MessageRecord[]): Promise<boolean> {
    const keys = this.keys(session.tenantId, session.id);
    const filled = await SCRIPTS.sessionFill.run(
      this.connection.client,
      [keys.record, keys.window, keys.generation],
      [
        generation,
        this.ttls.sessionMs,
        JSON.stringify(session),
        session.lastSeq,
        session.updatedAt,
        window === undefined ? '0' : '1',
        ...(window ?? []).map((message) => JSON.stringify(message)),
      ],
    );
    return filled === 1;
  }

  /** After a durable append: advances the record and window (or drops them), records idempotency keys. */
  async afterAppend(tenantId: string, sessionId: string, appended: readonly AppendResult[]): Promise<void> {
    const keys = this.keys(tenantId, sessionId);
    const created = appended.filter((result) => result.created).map((result) => result.message);
    const idempotency = appended.flatMap((result) =>
      result.message.clientMsgId === null ? [] : [result.message.clientMsgId, JSON.stringify(result.message)],
    );
    await SCRIPTS.messagesAppend.run(
      this.connection.client,
      [keys.record, keys.window, keys.generation, keys.idempotency, keys.context],
      [
        this.ttls.sessionMs,
        this.ttls.windowSize,
        this.ttls.idempotencyMs,
        created[0]?.seq ?? 0,
        created.at(-1)?.seq ?? 0,
        Math.max(0, ...created.map((message) => message.createdAt)),
        created.length,
        ...created.map((message) => JSON.stringify(message)),
        ...idempotency,
      ],
    );
  }

  async readIdempotency(tenantId: string, sessionId: string, clientMsgIds: readonly string[]) {
    const keys = this.keys(tenantId, sessionId);
    const replies = await this.connection.client
      .multi()
      .hmget(keys.idempotency, ...clientMsgIds)
      .get(keys.generation)
      .exec();
    const [values, generation] = results(replies) as [Array<string | null>, string | null];
    const found = new Map<string, MessageRecord>();
    clientMsgIds.forEach((id, i) => {
      const json = values[i];
      if (typeof json === 'string') found.set(id, JSON.parse(json) as MessageRecord);
    });
    return { found, generation: generation ?? '' };
  }

  async fillIdempotency(
    tenantId: string,
    sessionId: string,
    generation: string,
    messages: ReadonlyMap<string, MessageRecord>,
  ): Promise<void> {
    if (messages.size === 0) return;
    const keys = this.keys(tenantId, sessionId);
    await SCRIPTS.idempotencyFill.run(
      this.connection.client,
      [keys.idempotency, keys.generation],
      [generation, this.ttls.idempotencyMs, ...[...messages].flatMap(([id, message]) => [id, JSON.stringify(message)])],
    );
  }

  /**
   * Drops the cached record, window, idempotency keys and contexts of these sessions (written
   * beside the tier: consolidation, prune, restore) and moves their generations, so that a fill
   * read from the durable store before that write is refused.
   */
  async invalidate(tenantId: string, sessionIds: readonly string[]): Promise<void> {
    if (sessionIds.length === 0) return;
    const pipeline = this.connection.client.pipeline();
    for (const sessionId of sessionIds) {
      const keys = this.keys(tenantId, sessionId);
      pipeline.del(keys.record, keys.window, keys.idempotency, keys.context);
      pipeline.incr(keys.generation);
      pipeline.pexpire(keys.generation, this.ttls.sessionMs);
    }
    results(await pipeline.exec());
  }

  /**
   * Erases every cached key of these sessions (record, window, idempotency, scratchpad, contexts).
   * Their generations (and the user's context generation) move and expire a minute later: a fill
   * read before the erase is refused, and no key of the user outlives that minute.
   */
  async erase(tenantId: string, sessionIds: readonly string[], userId: string): Promise<void> {
    const pipeline = this.connection.client.pipeline();
    for (const sessionId of sessionIds) {
      const keys = this.keys(tenantId, sessionId);
      pipeline.del(keys.record, keys.window, keys.idempotency, keys.scratch, keys.context);
      pipeline.incr(keys.generation);
      pipeline.pexpire(keys.generation, ERASE_FENCE_MS);
    }
    pipeline.incr(this.connection.keys.userContextGeneration(tenantId, userId));
    pipeline.pexpire(this.connection.keys.userContextGeneration(tenantId, userId), ERASE_FENCE_MS);
    results(await pipeline.exec());
  }
}

/** The replies of a MULTI or pipeline; the first failed command's error is thrown. */
export function results(replies: Array<[Error | null, unknown]> | null): unknown[] {
  if (replies === null) throw new Error('Redis transaction aborted');
  return replies.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}
