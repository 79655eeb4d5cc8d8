import { checkEmbedding } from './embedding-check.js';
import { checkPostgres } from './postgres-check.js';
import { checkQdrant } from './qdrant-check.js';
import { checkRedis } from './redis-check.js';
import { checkSqlite } from './sqlite-check.js';
import type { DoctorReport, TierReport } from './tier-report.js';

export interface DoctorConfig {
  /** The embedded database file (used unless STRATA_STORE=postgres). */
  readonly sqlitePath: string;
  readonly env: NodeJS.ProcessEnv;
  readonly timeoutMs?: number | undefined;
}

/**
 * Checks every configured tier, in parallel: the store (SQLite, or PostgreSQL with
 * STRATA_STORE=postgres, DATABASE_URL and STRATA_PG_SCHEMA), Redis when REDIS_URL is set, Qdrant when QDRANT_URL is,
 * the embedding chain when STRATA_EMBEDDING is.
 * The report is ok when every one of them is.
 */
export async function runDoctor(config: DoctorConfig): Promise<DoctorReport> {
  const { env } = config;
  const timeoutMs = config.timeoutMs ?? 3_000;
  const checks: Array<Promise<TierReport>> = [
    env.STRATA_STORE === 'postgres'
      ? checkPostgres(env.DATABASE_URL || undefined, timeoutMs, env.STRATA_PG_SCHEMA || 'strata')
      : Promise.resolve(checkSqlite(config.sqlitePath)),
  ];
  if (env.REDIS_URL) checks.push(checkRedis(env.REDIS_URL, timeoutMs));
  if (env.QDRANT_URL) checks.push(checkQdrant(env.QDRANT_URL, env.QDRANT_API_KEY || undefined, timeoutMs));
  if (env.STRATA_EMBEDDING) checks.push(checkEmbedding(env, config.sqlitePath));
  const tiers = await Promise.all(checks);
  return { ok: tiers.every((tier) => tier.ok), tiers };
}
