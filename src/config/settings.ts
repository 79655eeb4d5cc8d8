import { type CountryCode, isSupportedCountry } from 'libphonenumber-js/max';
import { z } from 'zod';
import { MASK_STYLES, PII_TYPES } from '../privacy/pii-types.js';
import { EmbeddingSettingsLayerSchema, EmbeddingSettingsSchema } from './embedding-settings.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const MiB = 1024 * 1024;

const int = (what: string, min: number, max: number) =>
  z
    .int({ error: `${what} must be an integer from ${min} to ${max}` })
    .min(min, `${what} must be at least ${min}`)
    .max(max, `${what} must be at most ${max}`);
const bool = (what: string) => z.boolean({ error: `${what} must be true or false` });
const qdrantUrl = () => z.url({ protocol: /^https?$/, error: 'qdrantUrl must be an http(s) URL, e.g. http://127.0.0.1:6333' });
const secret = (what: string) =>
  z
    .string({ error: `${what} must be a string` })
    .min(16, `${what} must be at least 16 characters`)
    .max(512);
const piiTypes = z.array(z.enum(PII_TYPES, { error: `redaction.types must be a list of ${PII_TYPES.join(', ')}` })).max(PII_TYPES.length);
const countries = z
  .array(
    z
      .string()
      .refine(
        (code): code is CountryCode => isSupportedCountry(code),
        'redaction.phoneCountries must be ISO country codes like GB, US, DE',
      ),
  )
  .max(250);
const maskStyle = z.enum(MASK_STYLES, { error: `redaction.style must be one of ${MASK_STYLES.join(', ')}` });
const STORES = ['sqlite', 'postgres'] as const;
// Any string here: DATABASE_URL may be set for another program; it is checked only with store "postgres".
const databaseUrl = () => z.string({ error: 'databaseUrl must be a string' }).min(1, 'databaseUrl must not be empty');
const pgSchema = () =>
  z.string({ error: 'pgSchema must be a string' }).regex(/^[a-z_][a-z0-9_]{0,62}$/, 'pgSchema must be a lower-case SQL identifier');

/** `strata serve` settings: one schema, validated at start (flags > env > file > defaults). */
export const ServerSettingsSchema = z
  .strictObject({
    /** Address to bind. Loopback by default: expose deliberately. */
    host: z.string({ error: 'host must be a string' }).min(1, 'host must not be empty').max(253).default('127.0.0.1'),
    /** 0 picks a free port. */
    port: int('port', 0, 65_535).default(7411),
    /** Data directory: strata.db (+ strata.db.vectors/) and keys.db. */
    data: z.string({ error: 'data must be a directory path' }).min(1, 'data must not be empty').default('./.strata'),
    /** false = no API keys: tenant `default` with every scope, loopback only. */
    auth: bool('auth').default(true),
    /** Largest request body, in bytes. */
    bodyLimit: int('bodyLimit', 1024, 64 * MiB).default(MiB),
    rateLimit: z
      .strictObject({
        enabled: bool('rateLimit.enabled').default(true),
        /** Requests per key per window. */
        max: int('rateLimit.max', 1, 1_000_000).default(600),
        windowMs: int('rateLimit.windowMs', 1000, 86_400_000).default(60_000),
      })
      .prefault({}),
    /** How long shutdown waits for in-flight requests before closing their connections. */
    shutdownTimeoutMs: int('shutdownTimeoutMs', 0, 600_000).default(10_000),
    logLevel: z.enum(LOG_LEVELS, { error: `logLevel must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    /** Serve the API reference at /docs. */
    docs: bool('docs').default(true),
    /** Server processes sharing the port (node:cluster) over the same data directory; 1 = this process serves. */
    workers: int('workers', 1, 64).default(1),
    /** Qdrant for semantic search (QDRANT_URL); unset = the durable store's own vector index. */
    qdrantUrl: qdrantUrl().optional(),
    /** Sent to Qdrant as the api-key header (QDRANT_API_KEY). */
    qdrantApiKey: z.string({ error: 'qdrantApiKey must be a string' }).min(1, 'qdrantApiKey must not be empty').optional(),
    /** Redis in front of the store (sessions, message windows, caches, scratchpads): `redis://host:6379`. None = embedded only. */
    redisUrl: redisUrl().optional(),
    /** Memory writes and reads (STRATA_WRITE / STRATA_READ): both read_write, write only write_only, neither off. */
    write: bool('write').default(true),
    read: bool('read').default(true),
    /** Deadline of getContext and search, ms (0: none). */
    readDeadlineMs: int('readDeadlineMs', 0, 60_000).default(250),
    /** HNSW graphs on a worker thread (faster writes) or, false, on the serving thread (less memory); SQLite store. */
    annThread: bool('annThread').default(true),
    /**
     * Memory records kept decoded in the process, MiB (SQLite store). A server holds many users'
     * working sets: a search hydrates a hundred-odd candidates of its user, and with fifty active
     * users the library's 4 MiB default missed most of them.
     */
    recordCacheMiB: int('recordCacheMiB', 1, 4096).default(16),
    /** Bearer token for GET /metrics; without it /metrics needs an admin API key (or is open with auth off). */
    metricsToken: secret('metricsToken').optional(),
    /** Push the metrics to an OpenTelemetry collector too: its OTLP/HTTP metrics URL (http://collector:4318/v1/metrics). */
    otlpMetricsUrl: z.url({ protocol: /^https?$/, error: 'otlpMetricsUrl must be an http(s) URL' }).optional(),
    /** PII redaction defaults (tenants may override them through the library API). */
    redaction: z
      .strictObject({
        enabled: bool('redaction.enabled').default(true),
        style: maskStyle.default('tag'),
        /** Secret of the `hash` style. */
        hashKey: secret('redaction.hashKey').optional(),
        types: piiTypes.default([...PII_TYPES]),
        phoneCountries: countries.default(['US']),
      })
      .prefault({}),
    /** Where memories live: the embedded SQLite file in `data`, or PostgreSQL at databaseUrl. */
    store: z.enum(STORES, { error: `store must be one of ${STORES.join(', ')}` }).default('sqlite'),
    /** postgres://... (DATABASE_URL), required with store "postgres". */
    databaseUrl: databaseUrl().optional(),
    /** Connections in the PostgreSQL pool (STRATA_PG_POOL_MAX). */
    pgPoolMax: int('pgPoolMax', 1, 1000).default(10),
    /** The PostgreSQL schema holding Strata's tables (STRATA_PG_SCHEMA). */
    pgSchema: pgSchema().default('strata'),
    /** Consolidate every tenant's new turns this often (summaries, notes); 0 = off. */
    consolidateEveryMs: int('consolidateEveryMs', 0, 86_400_000).default(300_000),
    /** The embedding provider chain (STRATA_EMBEDDING, ...): see config/embedding-settings.ts. Default the offline model. */
    embedding: EmbeddingSettingsSchema.prefault({}),
  })
  .superRefine((settings, context) => {
    if (settings.read && !settings.write) {
      context.addIssue({ code: 'custom', path: ['read'], message: 'reads without writes is not a mode: set write too, or read false' });
    }
    if (settings.redaction.style === 'hash' && settings.redaction.hashKey === undefined) {
      context.addIssue({ code: 'custom', path: ['redaction', 'hashKey'], message: 'the hash redaction style needs a hashKey' });
    }
    if (settings.store === 'postgres' && !/^postgres(ql)?:\/\/\S+$/.test(settings.databaseUrl ?? '')) {
      context.addIssue({
        code: 'custom',
        path: ['databaseUrl'],
        message: 'store "postgres" needs databaseUrl, a postgres:// URL (DATABASE_URL=postgres://user@host:5432/database)',
      });
    }
    if (!settings.auth && !isLoopbackHost(settings.host)) {
      context.addIssue({
        code: 'custom',
        path: ['host'],
        message: `--no-auth serves tenant "default" with every scope, so it binds to loopback only; "${settings.host}" is not a loopback address (use 127.0.0.1, ::1 or localhost)`,
      });
    }
  });

export type ServerSettings = z.output<typeof ServerSettingsSchema>;

/** One source's settings, before defaults: every field optional. */
export const SettingsLayerSchema = z.strictObject({
  host: z.string({ error: 'host must be a string' }).min(1, 'host must not be empty').max(253).optional(),
  port: int('port', 0, 65_535).optional(),
  data: z.string({ error: 'data must be a directory path' }).min(1, 'data must not be empty').optional(),
  auth: bool('auth').optional(),
  bodyLimit: int('bodyLimit', 1024, 64 * MiB).optional(),
  rateLimit: z
    .strictObject({
      enabled: bool('rateLimit.enabled').optional(),
      max: int('rateLimit.max', 1, 1_000_000).optional(),
      windowMs: int('rateLimit.windowMs', 1000, 86_400_000).optional(),
    })
    .optional(),
  shutdownTimeoutMs: int('shutdownTimeoutMs', 0, 600_000).optional(),
  logLevel: z.enum(LOG_LEVELS, { error: `logLevel must be one of ${LOG_LEVELS.join(', ')}` }).optional(),
  docs: bool('docs').optional(),
  workers: int('workers', 1, 64).optional(),
  qdrantUrl: qdrantUrl().optional(),
  qdrantApiKey: z.string({ error: 'qdrantApiKey must be a string' }).min(1, 'qdrantApiKey must not be empty').optional(),
  redisUrl: redisUrl().optional(),
  write: bool('write').optional(),
  read: bool('read').optional(),
  readDeadlineMs: int('readDeadlineMs', 0, 60_000).optional(),
  annThread: bool('annThread').optional(),
  recordCacheMiB: int('recordCacheMiB', 1, 4096).optional(),
  metricsToken: secret('metricsToken').optional(),
  otlpMetricsUrl: z.url({ protocol: /^https?$/, error: 'otlpMetricsUrl must be an http(s) URL' }).optional(),
  redaction: z
    .strictObject({
      enabled: bool('redaction.enabled').optional(),
      style: maskStyle.optional(),
      hashKey: secret('redaction.hashKey').optional(),
      types: piiTypes.optional(),
      phoneCountries: countries.optional(),
    })
    .optional(),
  store: z.enum(STORES, { error: `store must be one of ${STORES.join(', ')}` }).optional(),
  databaseUrl: databaseUrl().optional(),
  pgPoolMax: int('pgPoolMax', 1, 1000).optional(),
  pgSchema: pgSchema().optional(),
  consolidateEveryMs: int('consolidateEveryMs', 0, 86_400_000).optional(),
  embedding: EmbeddingSettingsLayerSchema.optional(),
});

export type SettingsLayer = z.input<typeof SettingsLayerSchema>;

function redisUrl() {
  return z.string({ error: 'redisUrl must be a string' }).regex(/^rediss?:\/\/\S+$/, 'redisUrl must be a redis:// or rediss:// URL');
}

/** 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1' || bare === '0:0:0:0:0:0:0:1') return true;
  const octets = bare.split('.');
  return octets.length === 4 && octets[0] === '127' && octets.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}
