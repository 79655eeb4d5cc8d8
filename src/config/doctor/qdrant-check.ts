import { PAYLOAD_INDEXES } from '../../stores/qdrant/qdrant-filter.js';
import { QdrantVectorIndex } from '../../stores/qdrant/qdrant-vector-index.js';
import { elapsedMs, redactUrl, type TierReport } from './tier-report.js';

/**
 * Qdrant: the server answers (version), and every Strata collection carries the payload indexes
 * the filters need (its "migration"). No collection yet is fine: they are made on the first write.
 */
export async function checkQdrant(url: string, apiKey: string | undefined, timeoutMs = 3_000): Promise<TierReport> {
  const base = { tier: 'qdrant', backend: 'qdrant', target: redactUrl(url), extension: null } as const;
  const index = new QdrantVectorIndex({ url, apiKey, timeoutMs });
  try {
    const started = performance.now();
    await index.open();
    const latencyMs = elapsedMs(started);
    const collections = await index.listCollections();
    const required = PAYLOAD_INDEXES.map((entry) => entry.field);
    const lacking = collections.filter((entry) => required.some((field) => !entry.indexedFields.includes(field)));
    const live = collections.filter((entry) => entry.aliases.length > 0).length;
    return {
      ...base,
      ok: lacking.length === 0,
      reachable: true,
      migrated: lacking.length === 0,
      latencyMs,
      ...(index.version ? { version: index.version } : {}),
      detail:
        lacking.length > 0
          ? `collections without every payload index: ${lacking.map((entry) => entry.collection).join(', ')} (run \`strata rebuild-index\`)`
          : `${collections.length} collection(s), ${live} live behind an alias`,
    };
  } catch (error) {
    return { ...base, ok: false, reachable: false, migrated: null, latencyMs: null, detail: (error as Error).message };
  } finally {
    await index.close();
  }
}
