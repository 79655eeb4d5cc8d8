/**
 * Every Redis key Strata writes, in one place (documented in docs/redis.md).
 *
 *   <prefix>:{<tenant>}:s:<session>:rec      HASH  session record (record JSON, lastSeq, updatedAt)
 *   <prefix>:{<tenant>}:s:<session>:win      LIST  newest messages (JSON), oldest first
 *   <prefix>:{<tenant>}:s:<session>:gen      STRING write counter: a fill read before a write is refused
 *   <prefix>:{<tenant>}:s:<session>:idem     HASH  clientMsgId -> message JSON
 *   <prefix>:{<tenant>}:s:<session>:scratch  HASH  scratchpad key -> {v, u, e} JSON
 *   <prefix>:{<tenant>}:s:<session>:ctx      HASH  context variant -> {p, e, g} JSON
 *   <prefix>:{<tenant>}:u:<user>:sessions    SET   sessions this tier cached for the user (for forgetUser)
 *   <prefix>:{<tenant>}:u:<user>:ctxgen      STRING context generation of the user
 *   <prefix>:{emb:<model>}:<content hash>    STRING embedding vector (float32 little-endian bytes)
 *
 * The tenant is the hash tag, so a Redis Cluster keeps one tenant's keys in one slot (scripts
 * touch several of them atomically). Ids are `[A-Za-z0-9._:@-]` and the key suffixes are a fixed
 * set without `:`, so two different (session, suffix) pairs never spell the same key. The
 * embedding cache is content-addressed and shared by every tenant, as in the durable store.
 */
export class RedisKeys {
  constructor(readonly prefix: string = 'strata') {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(prefix)) throw new Error(`invalid Redis key prefix: ${prefix}`);
  }

  private tenant(tenantId: string): string {
    return `${this.prefix}:{${tenantId}}`;
  }

  session(tenantId: string, sessionId: string): SessionKeys {
    const base = `${this.tenant(tenantId)}:s:${sessionId}`;
    return {
      record: `${base}:rec`,
      window: `${base}:win`,
      generation: `${base}:gen`,
      idempotency: `${base}:idem`,
      scratch: `${base}:scratch`,
      context: `${base}:ctx`,
    };
  }

  userSessions(tenantId: string, userId: string): string {
    return `${this.tenant(tenantId)}:u:${userId}:sessions`;
  }

  userContextGeneration(tenantId: string, userId: string): string {
    return `${this.tenant(tenantId)}:u:${userId}:ctxgen`;
  }

  embedding(model: string, hash: string): string {
    return `${this.prefix}:{emb:${model}}:${hash}`;
  }

  /** SCAN pattern of every key of this prefix (tests and `strata` maintenance). */
  all(): string {
    return `${this.prefix}:*`;
  }
}

export interface SessionKeys {
  readonly record: string;
  readonly window: string;
  readonly generation: string;
  readonly idempotency: string;
  readonly scratch: string;
  readonly context: string;
}
