/**
 * The per-turn context cache: a getContext answer kept for a few seconds, so that an agent
 * loop asking twice for the same turn (retries, tool calls, parallel sub-agents) is answered
 * without a search. Entries are opaque strings built by core. A cache never fails a read:
 * implementations answer null when their backend is down.
 */
export interface ContextCacheV1 {
  readonly specificationVersion: 'v1';

  open(): Promise<void>;
  close(): Promise<void>;

  /** The entry (null when absent, expired, or older than the last invalidation of its session or user) and a fence for `set`. */
  get(key: ContextCacheKey): Promise<ContextCacheLookup>;
  /** Stores an answer built after the lookup that returned `fence`; ignored if the session or user was invalidated since. */
  set(key: ContextCacheKey, payload: string, ttlMs: number, fence: string): Promise<void>;
  /** Every entry of the session goes (a new message arrived). */
  invalidateSession(tenantId: string, sessionId: string): Promise<void>;
  /** Every entry of the user's sessions goes (a memory or fact of the user changed). */
  invalidateUser(tenantId: string, userId: string): Promise<void>;
}

export interface ContextCacheKey {
  readonly tenantId: string;
  readonly sessionId: string;
  readonly userId: string;
  /** Digest of everything else the answer depends on (depth, budget, query, session state). */
  readonly variant: string;
}

export interface ContextCacheLookup {
  readonly payload: string | null;
  /** The invalidation state seen by the lookup (opaque). */
  readonly fence: string;
}
