import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { type ServerSettings, ServerSettingsSchema, type SettingsLayer, SettingsLayerSchema } from './settings.js';

/** Invalid configuration: every problem, each naming where it came from. */
export class SettingsError extends Error {
  override readonly name = 'SettingsError';
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

export interface SettingsSources {
  /** Command-line flags (highest precedence). */
  readonly flags?: SettingsLayer | undefined;
  /** Environment (STRATA_PORT, STRATA_HOST, STRATA_DATA, ...). */
  readonly env?: NodeJS.ProcessEnv | undefined;
  /** JSON config file (--config, else STRATA_CONFIG). */
  readonly configFile?: string | undefined;
}

/** The variables of the embedding chain (config/embedding-settings.ts), read by `strata serve` and the other commands alike. */
export const EMBEDDING_ENV = [
  { name: 'STRATA_EMBEDDING', path: ['embedding', 'chain'], type: 'list' },
  { name: 'STRATA_EMBEDDING_MODEL', path: ['embedding', 'model'], type: 'string' },
  { name: 'STRATA_EMBEDDING_URL', path: ['embedding', 'url'], type: 'string' },
  { name: 'STRATA_OLLAMA_URL', path: ['embedding', 'ollamaUrl'], type: 'string' },
  { name: 'STRATA_EMBEDDING_API_KEY', path: ['embedding', 'apiKey'], type: 'string' },
  { name: 'STRATA_EMBEDDING_DIMENSIONS', path: ['embedding', 'dimensions'], type: 'int' },
  { name: 'STRATA_EMBEDDING_BATCH', path: ['embedding', 'maxBatch'], type: 'int' },
  { name: 'STRATA_EMBEDDING_TIMEOUT_MS', path: ['embedding', 'timeoutMs'], type: 'int' },
  { name: 'STRATA_MODEL_DIR', path: ['embedding', 'modelDir'], type: 'string' },
  { name: 'STRATA_ALLOW_MODEL_DOWNLOAD', path: ['embedding', 'allowDownload'], type: 'bool' },
] as const;

/** Environment variable -> settings path, and how to read its string. */
const ENV: ReadonlyArray<{ name: string; path: readonly [string] | readonly [string, string]; type: 'string' | 'int' | 'bool' | 'list' }> =
  [
    { name: 'STRATA_HOST', path: ['host'], type: 'string' },
    { name: 'STRATA_PORT', path: ['port'], type: 'int' },
    { name: 'STRATA_DATA', path: ['data'], type: 'string' },
    { name: 'STRATA_AUTH', path: ['auth'], type: 'bool' },
    { name: 'STRATA_BODY_LIMIT', path: ['bodyLimit'], type: 'int' },
    { name: 'STRATA_RATE_LIMIT', path: ['rateLimit', 'enabled'], type: 'bool' },
    { name: 'STRATA_RATE_LIMIT_MAX', path: ['rateLimit', 'max'], type: 'int' },
    { name: 'STRATA_RATE_LIMIT_WINDOW_MS', path: ['rateLimit', 'windowMs'], type: 'int' },
    { name: 'STRATA_SHUTDOWN_TIMEOUT_MS', path: ['shutdownTimeoutMs'], type: 'int' },
    { name: 'STRATA_LOG_LEVEL', path: ['logLevel'], type: 'string' },
    { name: 'STRATA_DOCS', path: ['docs'], type: 'bool' },
    { name: 'STRATA_WRITE', path: ['write'], type: 'bool' },
    { name: 'STRATA_READ', path: ['read'], type: 'bool' },
    { name: 'STRATA_READ_DEADLINE_MS', path: ['readDeadlineMs'], type: 'int' },
    { name: 'STRATA_ANN_THREAD', path: ['annThread'], type: 'bool' },
    { name: 'STRATA_RECORD_CACHE_MIB', path: ['recordCacheMiB'], type: 'int' },
    { name: 'STRATA_METRICS_TOKEN', path: ['metricsToken'], type: 'string' },
    { name: 'STRATA_OTLP_METRICS_URL', path: ['otlpMetricsUrl'], type: 'string' },
    { name: 'STRATA_REDACTION', path: ['redaction', 'enabled'], type: 'bool' },
    { name: 'STRATA_REDACTION_STYLE', path: ['redaction', 'style'], type: 'string' },
    { name: 'STRATA_REDACTION_KEY', path: ['redaction', 'hashKey'], type: 'string' },
    { name: 'STRATA_REDACTION_TYPES', path: ['redaction', 'types'], type: 'list' },
    { name: 'STRATA_REDACTION_PHONE_COUNTRIES', path: ['redaction', 'phoneCountries'], type: 'list' },
    { name: 'STRATA_STORE', path: ['store'], type: 'string' },
    { name: 'DATABASE_URL', path: ['databaseUrl'], type: 'string' },
    { name: 'STRATA_PG_POOL_MAX', path: ['pgPoolMax'], type: 'int' },
    { name: 'STRATA_PG_SCHEMA', path: ['pgSchema'], type: 'string' },
    { name: 'STRATA_WORKERS', path: ['workers'], type: 'int' },
    { name: 'STRATA_CONSOLIDATE_EVERY_MS', path: ['consolidateEveryMs'], type: 'int' },
    { name: 'QDRANT_URL', path: ['qdrantUrl'], type: 'string' },
    { name: 'QDRANT_API_KEY', path: ['qdrantApiKey'], type: 'string' },
    // REDIS_URL as most platforms set it; STRATA_REDIS_URL (read later) wins when both are set.
    { name: 'REDIS_URL', path: ['redisUrl'], type: 'string' },
    { name: 'STRATA_REDIS_URL', path: ['redisUrl'], type: 'string' },
    ...EMBEDDING_ENV,
  ];

const FLAGS: Record<string, string> = { host: '--host', port: '--port', data: '--data', auth: '--no-auth', workers: '--workers' };

/**
 * Merges the sources (flags > env > file > defaults) and validates each one and the result,
 * throwing a SettingsError that lists every problem with its source.
 */
export function loadSettings(sources: SettingsSources = {}): ServerSettings {
  const env = sources.env ?? {};
  const problems: string[] = [];
  const configFile = sources.configFile ?? (env.STRATA_CONFIG || undefined);
  const layers: SettingsLayer[] = [];
  if (configFile !== undefined) {
    const raw = readConfigFile(configFile, problems);
    if (raw !== undefined) layers.push(checkLayer(raw, (path) => `config file ${configFile}: ${path || '(root)'}`, problems));
  }
  // A list item's path (`embedding.chain.1`) names the variable of its list.
  const envSource = (path: string) =>
    ENV.find((entry) => entry.path.join('.') === path || path.startsWith(`${entry.path.join('.')}.`))?.name ?? path;
  layers.push(checkLayer(envLayer(env), envSource, problems));
  if (sources.flags) layers.push(checkLayer(sources.flags, (path) => FLAGS[path] ?? `--${path}`, problems));
  const merged = layers.reduce<Record<string, unknown>>((into, layer) => merge(into, layer), {});
  const result = ServerSettingsSchema.safeParse(merged);
  if (result.success && problems.length === 0) return result.data;
  // Checks across settings (e.g. --no-auth needs a loopback host) are reported beside the per-source ones.
  const combined = result.success ? [] : result.error.issues.filter((issue) => problems.length === 0 || issue.code === 'custom');
  throw new SettingsError([...problems, ...combined.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)]);
}

function readConfigFile(path: string, problems: string[]): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`config file ${path}: cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    problems.push(`config file ${path}: not valid JSON (${(error as Error).message})`);
    return undefined;
  }
}

/** Validates one source field by field, so that its valid fields still take part in the checks across settings. */
function checkLayer(raw: unknown, source: (path: string) => string, problems: string[]): SettingsLayer {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(`${source('')}: must be a JSON object`);
    return {};
  }
  const shape = SettingsLayerSchema.shape as Record<string, z.ZodType>;
  const layer: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    const field = Object.hasOwn(shape, key) ? shape[key] : undefined;
    if (!field) {
      problems.push(`${source(key)}: unknown setting "${key.slice(0, 64)}"`);
      continue;
    }
    const result = field.safeParse(value);
    if (result.success) layer[key] = result.data;
    else problems.push(...result.error.issues.map((issue) => `${source([key, ...issue.path].join('.'))}: ${describe(issue)}`));
  }
  return layer as SettingsLayer;
}

function describe(issue: z.core.$ZodIssue): string {
  return issue.code === 'unrecognized_keys' ? `unknown setting(s) ${issue.keys.map((key) => `"${key}"`).join(', ')}` : issue.message;
}

/** Reads STRATA_* variables; values that do not parse stay strings so that validation names them. */
function envLayer(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const layer: Record<string, unknown> = {};
  for (const entry of ENV) {
    const raw = env[entry.name];
    if (raw === undefined || raw === '') continue;
    const value =
      entry.type === 'int'
        ? toInt(raw)
        : entry.type === 'bool'
          ? toBool(raw)
          : entry.type === 'list'
            ? raw
                .split(',')
                .map((part) => part.trim())
                .filter((part) => part.length > 0)
            : raw;
    const [head, tail] = entry.path;
    if (tail === undefined) layer[head] = value;
    else layer[head] = { ...(layer[head] as Record<string, unknown> | undefined), [tail]: value };
  }
  return layer;
}

function toInt(raw: string): number | string {
  return /^\s*\d{1,15}\s*$/.test(raw) ? Number(raw) : raw;
}

function toBool(raw: string): boolean | string {
  const value = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(value)) return true;
  if (['0', 'false', 'no', 'off'].includes(value)) return false;
  return raw;
}

function merge(into: Record<string, unknown>, layer: Record<string, unknown>): Record<string, unknown> {
  const out = { ...into };
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    const previous = out[key];
    out[key] =
      typeof value === 'object' && value !== null && typeof previous === 'object' && previous !== null
        ? merge(previous as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return out;
}
