import type { RedisConnection } from './redis-connection.js';
import { results } from './redis-session-cache.js';

/** Embedding vectors by model and content hash, as float32 bytes, each with a TTL. Throws when Redis does. */
export class RedisEmbeddingCache {
  constructor(
    private readonly connection: RedisConnection,
    private readonly ttlMs: number,
  ) {}

  async get(model: string, hashes: readonly string[]): Promise<Map<string, Float32Array>> {
    const found = new Map<string, Float32Array>();
    if (hashes.length === 0) return found;
    const keys = hashes.map((hash) => this.connection.keys.embedding(model, hash));
    const values = await this.connection.client.mgetBuffer(...keys);
    hashes.forEach((hash, i) => {
      const bytes = values[i];
      if (bytes && bytes.byteLength % 4 === 0) {
        // Copied: a Buffer's offset into its pool need not be 4-byte aligned.
        found.set(hash, new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)));
      }
    });
    return found;
  }

  async put(model: string, entries: ReadonlyMap<string, Float32Array>): Promise<void> {
    if (entries.size === 0) return;
    const pipeline = this.connection.client.pipeline();
    for (const [hash, vector] of entries) {
      pipeline.set(
        this.connection.keys.embedding(model, hash),
        Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength),
        'PX',
        this.ttlMs,
      );
    }
    results(await pipeline.exec());
  }
}
