import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { QdrantClient } from '@qdrant/js-client-rest';
import { QdrantVectorIndex } from '../../src/stores/qdrant/qdrant-vector-index.js';

/** A real Qdrant to test against, when QDRANT_URL names one (none can run on this machine). */
export const REAL_QDRANT = process.env.QDRANT_URL || undefined;

/** An opened index under a fresh prefix, so that tests never see each other's collections. */
export async function openQdrantIndex(url: string, apiKey?: string): Promise<QdrantVectorIndex> {
  const index = new QdrantVectorIndex({ url, apiKey, prefix: `strata_t${randomBytes(4).toString('hex')}` });
  await index.open();
  return index;
}

/** Another handle on the same collections (same prefix), as a second process would open. */
export async function twinQdrantIndex(index: QdrantVectorIndex, url: string, apiKey?: string): Promise<QdrantVectorIndex> {
  const twin = new QdrantVectorIndex({ url, apiKey, prefix: index.prefix });
  await twin.open();
  return twin;
}

/** Deletes every collection the index made (their aliases go with them) and closes it. */
export async function destroyQdrantIndex(index: QdrantVectorIndex, url: string, apiKey?: string): Promise<void> {
  const client = new QdrantClient({ url, ...(apiKey ? { apiKey } : {}), checkCompatibility: false });
  for (const { collection } of await index.listCollections()) await client.deleteCollection(collection);
  await index.close();
}

/** A loopback port nothing listens on (bound, then closed). */
export function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
