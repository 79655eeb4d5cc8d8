import { z } from 'zod';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const MiB = 1024 * 1024;

const int = (what: string, min: number, max: number) =>
  z
    .int({ error: `${what} must be an integer from ${min} to ${max}` })
    .min(min, `${what} must be at least ${min}`)
    .max(max, `${what} must be at most ${max}`);
const bool = (what: string) => z.boolean({ error: `${what} must be true or false` });

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
    /** Consolidate every tenant's new turns this often (summaries, notes); 0 = off. */
    consolidateEveryMs: int('consolidateEveryMs', 0, 86_400_000).default(300_000),
  })
  .superRefine((settings, context) => {
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
  consolidateEveryMs: int('consolidateEveryMs', 0, 86_400_000).optional(),
});

export type SettingsLayer = z.input<typeof SettingsLayerSchema>;

/** 127.0.0.0/8, ::1 and localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1' || bare === '0:0:0:0:0:0:0:1') return true;
  const octets = bare.split('.');
  return octets.length === 4 && octets[0] === '127' && octets.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255);
}
