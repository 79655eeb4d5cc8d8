import { dirname } from 'node:path';
import { StrataError } from '../../errors/strata-error.js';
import { embeddingFromSettings, embeddingOption, embeddingSettingsFromEnv, parseEmbeddingSettings } from '../embedding-from-settings.js';
import { elapsedMs, type TierReport } from './tier-report.js';

/**
 * The embedding chain of STRATA_EMBEDDING: which provider it chooses now (as a start would),
 * in how long, and what it passes over. Ok only when the first provider serves: a fallback
 * means the preferred one is down, and memories embedded by it are not found by vector search.
 */
export async function checkEmbedding(env: NodeJS.ProcessEnv, sqlitePath: string): Promise<TierReport> {
  const base = { tier: 'embedding', extension: null, migrated: null } as const;
  const started = performance.now();
  try {
    const option = embeddingOption(embeddingSettingsFromEnv(env), dirname(sqlitePath));
    const settings = parseEmbeddingSettings(option ?? { chain: ['offline'] });
    const choice = await embeddingFromSettings(settings);
    const latencyMs = elapsedMs(started);
    const passed = choice.skipped.map((s) => `${s.name} (${s.code}: ${s.message})`).join('; ');
    return {
      ...base,
      backend: choice.model.provider,
      target: choice.chosen,
      ok: choice.skipped.length === 0,
      reachable: true,
      latencyMs,
      detail: `model ${choice.modelId}${passed ? `; passed over: ${passed}` : ''}`,
    };
  } catch (error) {
    const code = error instanceof StrataError ? `${error.code}: ` : '';
    return {
      ...base,
      backend: 'none',
      target: env.STRATA_EMBEDDING ?? 'offline',
      ok: false,
      reachable: false,
      latencyMs: null,
      detail: `${code}${(error as Error).message}`,
    };
  }
}
