import { LRUCache } from 'lru-cache';
import type { JsonValue } from '../../spec/records.js';
import type { ScratchEntry, ScratchOptions, ScratchScope, WorkingMemoryV1 } from '../../spec/working-memory.js';
import { checkScratch, checkScratchKey, checkScratchScope } from '../scratch-input.js';

export interface LruWorkingMemoryOptions {
  /** Most entries held, over every tenant and session; the least recently used go first. Default 100,000. */
  readonly maxEntries?: number | undefined;
}

interface Stored {
  readonly json: string;
  readonly updatedAt: number;
  readonly expiresAt: number;
}

/**
 * The embedded working memory: scratchpads in this process, bounded by an LRU. Like Redis
 * without persistence, a restart loses them; that is the contract (working memory is not
 * durable), and it keeps the embedded default free of write traffic for short-lived keys.
 */
export class LruWorkingMemory implements WorkingMemoryV1 {
  readonly specificationVersion = 'v1' as const;
  private readonly entries: LRUCache<string, Stored>;
  /** Keys per session (`tenant\0session`), to list and clear a session's scratchpad. */
  private readonly bySession = new Map<string, Set<string>>();

  constructor(options: LruWorkingMemoryOptions = {}) {
    this.entries = new LRUCache<string, Stored>({
      max: options.maxEntries ?? 100_000,
      dispose: (_value, entryKey, reason) => {
        if (reason === 'set') return;
        const [tenantId, sessionId, key] = entryKey.split('\u0000') as [string, string, string];
        const session = sessionKey(tenantId, sessionId);
        const keys = this.bySession.get(session);
        keys?.delete(key);
        if (keys?.size === 0) this.bySession.delete(session);
      },
    });
  }

  async open(): Promise<void> {}

  async close(): Promise<void> {
    this.entries.clear();
    this.bySession.clear();
  }

  async setScratch(scope: ScratchScope, key: string, value: JsonValue, options?: ScratchOptions): Promise<ScratchEntry> {
    const { tenantId, sessionId } = checkScratchScope(scope);
    const checked = checkScratch(key, value, options);
    const now = Date.now();
    const stored: Stored = { json: checked.json, updatedAt: now, expiresAt: now + checked.ttlMs };
    this.entries.set(entryKey(tenantId, sessionId, checked.key), stored, { ttl: checked.ttlMs });
    const session = sessionKey(tenantId, sessionId);
    const keys = this.bySession.get(session) ?? new Set<string>();
    keys.add(checked.key);
    this.bySession.set(session, keys);
    return toEntry(checked.key, stored);
  }

  async getScratch(scope: ScratchScope, key: string): Promise<ScratchEntry | null> {
    const { tenantId, sessionId } = checkScratchScope(scope);
    const checkedKey = checkScratchKey(key);
    const stored = this.live(tenantId, sessionId, checkedKey);
    return stored ? toEntry(checkedKey, stored) : null;
  }

  async listScratch(scope: ScratchScope): Promise<ScratchEntry[]> {
    const { tenantId, sessionId } = checkScratchScope(scope);
    const keys = [...(this.bySession.get(sessionKey(tenantId, sessionId)) ?? [])].sort();
    return keys.flatMap((key) => {
      const stored = this.live(tenantId, sessionId, key);
      return stored ? [toEntry(key, stored)] : [];
    });
  }

  async deleteScratch(scope: ScratchScope, key: string): Promise<boolean> {
    const { tenantId, sessionId } = checkScratchScope(scope);
    const checkedKey = checkScratchKey(key);
    const live = this.live(tenantId, sessionId, checkedKey) !== null;
    this.entries.delete(entryKey(tenantId, sessionId, checkedKey));
    return live;
  }

  async clearSessions(tenantId: string, sessionIds: readonly string[]): Promise<number> {
    let removed = 0;
    for (const sessionId of sessionIds) {
      for (const key of [...(this.bySession.get(sessionKey(tenantId, sessionId)) ?? [])]) {
        if (this.live(tenantId, sessionId, key)) removed++;
        this.entries.delete(entryKey(tenantId, sessionId, key));
      }
    }
    return removed;
  }

  /** The entry unless it expired (then it is dropped now). */
  private live(tenantId: string, sessionId: string, key: string): Stored | null {
    const id = entryKey(tenantId, sessionId, key);
    const stored = this.entries.get(id);
    if (!stored) return null;
    if (stored.expiresAt <= Date.now()) {
      this.entries.delete(id);
      return null;
    }
    return stored;
  }
}

function sessionKey(tenantId: string, sessionId: string): string {
  return `${tenantId}\u0000${sessionId}`;
}

function entryKey(tenantId: string, sessionId: string, key: string): string {
  return `${tenantId}\u0000${sessionId}\u0000${key}`;
}

function toEntry(key: string, stored: Stored): ScratchEntry {
  return { key, value: JSON.parse(stored.json) as JsonValue, updatedAt: stored.updatedAt, expiresAt: stored.expiresAt };
}
