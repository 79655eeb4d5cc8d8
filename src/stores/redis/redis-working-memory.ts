import { StrataError } from '../../errors/strata-error.js';
import type { JsonValue } from '../../spec/records.js';
import type { ScratchEntry, ScratchOptions, ScratchScope, WorkingMemoryV1 } from '../../spec/working-memory.js';
import { checkScratch, checkScratchKey, checkScratchScope } from '../scratch-input.js';
import type { RedisConnection } from './redis-connection.js';
import { type RedisScript, SCRIPTS } from './redis-scripts.js';

/**
 * Scratchpads in Redis: one hash per session, each entry with its own expiry decided by the
 * Redis server's clock (Redis 7.0 has no per-field TTL, so scripts/scratch-*.lua keep it). Not
 * durable, like the embedded one; unlike it, shared by every process of the service.
 * A Redis failure is a STORE_UNAVAILABLE error: a scratchpad has no durable copy to fall back to.
 */
export class RedisWorkingMemory implements WorkingMemoryV1 {
  readonly specificationVersion = 'v1' as const;

  constructor(private readonly connection: RedisConnection) {}

  async open(): Promise<void> {
    await this.connection.acquire();
  }

  async close(): Promise<void> {
    await this.connection.release();
  }

  private key(scope: ScratchScope): string {
    const { tenantId, sessionId } = checkScratchScope(scope);
    return this.connection.keys.session(tenantId, sessionId).scratch;
  }

  private async script(script: RedisScript, keys: readonly string[], args: ReadonlyArray<string | number>): Promise<unknown> {
    try {
      return await script.run(this.connection.client, keys, args);
    } catch (cause) {
      throw unavailable(cause);
    }
  }

  async setScratch(scope: ScratchScope, key: string, value: JsonValue, options?: ScratchOptions): Promise<ScratchEntry> {
    const hash = this.key(scope);
    const checked = checkScratch(key, value, options);
    const [updatedAt, expiresAt] = (await this.script(SCRIPTS.scratchSet, [hash], [checked.key, checked.json, checked.ttlMs])) as [
      string,
      string,
    ];
    return { key: checked.key, value: JSON.parse(checked.json) as JsonValue, updatedAt: Number(updatedAt), expiresAt: Number(expiresAt) };
  }

  async getScratch(scope: ScratchScope, key: string): Promise<ScratchEntry | null> {
    const hash = this.key(scope);
    const checkedKey = checkScratchKey(key);
    const entry = (await this.script(SCRIPTS.scratchRead, [hash], ['get', checkedKey])) as string | null;
    return entry === null ? null : parseEntry(checkedKey, entry);
  }

  async listScratch(scope: ScratchScope): Promise<ScratchEntry[]> {
    const hash = this.key(scope);
    const flat = (await this.script(SCRIPTS.scratchRead, [hash], ['list'])) as string[];
    const entries: ScratchEntry[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) entries.push(parseEntry(flat[i] as string, flat[i + 1] as string));
    return entries.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  async deleteScratch(scope: ScratchScope, key: string): Promise<boolean> {
    const hash = this.key(scope);
    const removed = await this.script(SCRIPTS.scratchRead, [hash], ['delete', checkScratchKey(key)]);
    return removed === 1;
  }

  async clearSessions(tenantId: string, sessionIds: readonly string[]): Promise<number> {
    let removed = 0;
    for (const sessionId of sessionIds) {
      const hash = this.key({ tenantId, sessionId });
      const live = (await this.script(SCRIPTS.scratchRead, [hash], ['list'])) as string[];
      removed += live.length / 2;
      await this.connection.client.del(hash).catch((cause: unknown) => {
        throw unavailable(cause);
      });
    }
    return removed;
  }
}

function unavailable(cause: unknown): StrataError {
  return new StrataError('STORE_UNAVAILABLE', `Redis did not answer: ${(cause as Error).message}`, { cause });
}

/** Entries are stored as `<expiresAt>:<updatedAt>:<value JSON>`. */
function parseEntry(key: string, entry: string): ScratchEntry {
  const first = entry.indexOf(':');
  const second = entry.indexOf(':', first + 1);
  return {
    key,
    expiresAt: Number(entry.slice(0, first)),
    updatedAt: Number(entry.slice(first + 1, second)),
    value: JSON.parse(entry.slice(second + 1)) as JsonValue,
  };
}
