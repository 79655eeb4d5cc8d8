import type { JsonValue } from '../spec/records.js';
import type { ScratchEntry, ScratchOptions, WorkingMemoryV1 } from '../spec/working-memory.js';
import { checkId } from './input.js';

/**
 * A tenant's scratchpads: per-session JSON values with a TTL (working memory, not durable).
 * Each call checks that the session exists in the tenant, so a scratchpad always belongs to a
 * session and goes with its user's erase.
 */
export class Scratchpads {
  constructor(
    private readonly working: WorkingMemoryV1,
    private readonly tenantId: string,
    private readonly session: (sessionId: string) => Promise<unknown>,
  ) {}

  private async scope(sessionId: string): Promise<{ tenantId: string; sessionId: string }> {
    await this.session(checkId('sessionId', sessionId));
    return { tenantId: this.tenantId, sessionId };
  }

  async set(sessionId: string, key: string, value: JsonValue, options?: ScratchOptions): Promise<ScratchEntry> {
    return this.working.setScratch(await this.scope(sessionId), key, value, options);
  }

  async get(sessionId: string, key: string): Promise<ScratchEntry | null> {
    return this.working.getScratch(await this.scope(sessionId), key);
  }

  async list(sessionId: string): Promise<ScratchEntry[]> {
    return this.working.listScratch(await this.scope(sessionId));
  }

  async delete(sessionId: string, key: string): Promise<boolean> {
    return this.working.deleteScratch(await this.scope(sessionId), key);
  }
}
