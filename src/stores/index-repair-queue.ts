import type { MemoryStoreV1 } from '../spec/memory-store.js';
import type { MemoryRecord } from '../spec/records.js';
import type { ReembedStoreV1 } from '../spec/reembed-store.js';
import type { VectorIndexV1, VectorPayload, VectorPoint } from '../spec/vector-index.js';

/** Memories owed to the index before the queue is dropped in favour of a rebuild (default). */
export const MAX_OWED = 100_000;

type MemoryKey = { readonly tenantId: string; readonly id: string };
type UserKey = { readonly tenantId: string; readonly userId: string };

/**
 * The index writes a VectorIndexedStore owes after failures, kept in this process: memories whose
 * index copy may be wrong (re-read from the durable store and re-mirrored, or removed when gone)
 * and erasures not applied yet. Past `maxOwed` memories the queue gives up and marks the index
 * stale: only a rebuild brings it back.
 */
export class IndexRepairQueue {
  private readonly memories = new Map<string, MemoryKey>();
  private readonly users = new Map<string, UserKey>();
  private overflowed = false;

  constructor(
    private readonly durable: MemoryStoreV1,
    /** The durable store's secondary vectors (a re-embedding's), re-mirrored with the main ones; null when it has none. */
    private readonly secondary: Pick<ReembedStoreV1, 'getSecondaryEmbeddings'> | null,
    private readonly index: VectorIndexV1,
    /** Writes points to the live collection (and to one being rebuilt). */
    private readonly upsert: (model: string, points: VectorPoint[]) => Promise<void>,
    private readonly onOverflow: () => void,
    private readonly maxOwed: number = MAX_OWED,
  ) {}

  get pending(): { memories: number; users: number } {
    return { memories: this.memories.size, users: this.users.size };
  }

  get stale(): boolean {
    return this.overflowed;
  }

  oweMemories(keys: readonly MemoryKey[]): void {
    if (this.overflowed) return;
    for (const key of keys) this.memories.set(`${key.tenantId}\u0000${key.id}`, key);
    if (this.memories.size > this.maxOwed) {
      this.memories.clear();
      this.overflowed = true;
      this.onOverflow();
    }
  }

  oweErasure(tenantId: string, userId: string): void {
    this.users.set(`${tenantId}\u0000${userId}`, { tenantId, userId });
  }

  /**
   * A rebuild copies from the truth: it clears the overflow, and what is owed now is dropped by
   * `finishRebuild` once that copy is switched in (what fails meanwhile stays owed).
   */
  beginRebuild(): { memories: string[]; users: string[] } {
    this.overflowed = false;
    return { memories: [...this.memories.keys()], users: [...this.users.keys()] };
  }

  finishRebuild(snapshot: { memories: readonly string[]; users: readonly string[] }): void {
    for (const key of snapshot.memories) this.memories.delete(key);
    for (const key of snapshot.users) this.users.delete(key);
  }

  /** Applies owed erasures, then re-mirrors each owed memory from the durable store (or removes it). Throws when the index fails. */
  async run(): Promise<void> {
    for (const [key, { tenantId, userId }] of this.users) {
      await this.index.deleteUser(tenantId, userId);
      this.users.delete(key);
    }
    if (this.memories.size === 0) return;
    const byTenant = new Map<string, string[]>();
    for (const { tenantId, id } of this.memories.values()) byTenant.set(tenantId, [...(byTenant.get(tenantId) ?? []), id]);
    for (const [tenantId, ids] of byTenant) {
      await this.index.deleteByIds(tenantId, ids);
      const [records, embeddings] = await Promise.all([this.durable.getMemories(tenantId, ids), this.durable.getEmbeddings(tenantId, ids)]);
      const byModel = new Map<string, VectorPoint[]>();
      for (const record of records) {
        const embedding = embeddings.get(record.id);
        if (!record.embeddingModel || !embedding) continue;
        byModel.set(record.embeddingModel, [...(byModel.get(record.embeddingModel) ?? []), toVectorPoint(record, embedding)]);
      }
      const byId = new Map(records.map((record) => [record.id, record]));
      for (const { id, model, embedding } of (await this.secondary?.getSecondaryEmbeddings(tenantId, ids)) ?? []) {
        const record = byId.get(id);
        if (record) byModel.set(model, [...(byModel.get(model) ?? []), toVectorPoint(record, embedding)]);
      }
      for (const [model, points] of byModel) await this.upsert(model, points);
      for (const id of ids) this.memories.delete(`${tenantId}\u0000${id}`);
    }
  }
}

/** A memory as the index holds it: its vector and the fields a MemoryFilter selects on. */
export function toVectorPoint(memory: Omit<MemoryRecord, 'updatedAt'>, embedding: Float32Array): VectorPoint {
  const payload: VectorPayload = {
    tenantId: memory.tenantId,
    userId: memory.userId,
    agentId: memory.agentId ?? '',
    namespace: memory.namespace ?? '',
    sessionId: memory.sessionId,
    kind: memory.kind,
    tags: memory.tags,
    contentHash: memory.contentHash,
    createdAt: memory.createdAt,
    validTo: memory.validTo,
    superseded: memory.supersededBy !== null,
  };
  return { id: memory.id, vector: embedding, payload };
}
