import { createMemory } from '../config/create-memory.js';
import { type DataPaths, DEFAULT_DATA_DIR, dataPaths, ensureDataDir } from '../config/data-dir.js';
import { embeddingOption, embeddingSettingsFromEnv } from '../config/embedding-from-settings.js';
import { postgresStoreFor, storeSettingsFromEnv } from '../config/store-settings.js';
import { summarizerFromEnv } from '../config/summarizer-from-env.js';
import type { MemoryService } from '../core/memory-service.js';
import { StrataError } from '../errors/strata-error.js';

export interface GlobalOptions {
  readonly data?: string;
  readonly tenant?: string;
  readonly json?: boolean;
}

/** The data directory: --data, else STRATA_DATA, else ./.strata. Creates nothing. */
export function dataDirOf(options: GlobalOptions): DataPaths {
  return dataPaths(options.data ?? (process.env.STRATA_DATA || DEFAULT_DATA_DIR));
}

/** The embedded database file, `<data>/strata.db` (the data directory is created when missing). */
export function dataPath(options: GlobalOptions): string {
  return ensureDataDir(dataDirOf(options).dir).database;
}

/**
 * Opens the memory a command works on: PostgreSQL when STRATA_STORE=postgres (DATABASE_URL,
 * STRATA_PG_SCHEMA, STRATA_PG_POOL_MAX, parsed as for `strata serve`), else the SQLite file of
 * the data directory; the embedding chain of STRATA_EMBEDDING (and its variables) as for serve.
 */
export async function openMemory(options: GlobalOptions): Promise<MemoryService> {
  const postgres = await postgresStoreFor(storeSettingsFromEnv(process.env));
  const qdrantUrl = process.env.QDRANT_URL || undefined;
  const embedding = embeddingOption(embeddingSettingsFromEnv(process.env), dataDirOf(options).dir);
  return createMemory({
    ...(postgres ? { store: postgres } : { path: dataPath(options) }),
    embedding,
    tenantId: options.tenant ?? process.env.STRATA_TENANT ?? 'default',
    ...(qdrantUrl ? { qdrant: { url: qdrantUrl, apiKey: process.env.QDRANT_API_KEY || undefined } } : {}),
    consolidation: { summarizer: summarizerFromEnv() },
  });
}

/** Where a command's records live, for messages: `postgres schema <name>` or the SQLite file. */
export function storeLabel(options: GlobalOptions): string {
  const settings = storeSettingsFromEnv(process.env);
  return settings.store === 'postgres' ? `postgres schema ${settings.pgSchema}` : dataPath(options);
}

export async function withMemory<T>(options: GlobalOptions, run: (memory: MemoryService) => Promise<T>): Promise<T> {
  const memory = await openMemory(options);
  try {
    return await run(memory);
  } finally {
    await memory.close();
  }
}

/** Prints JSON with --json, else the human form. */
export function output(options: GlobalOptions, value: unknown, human: () => string): void {
  process.stdout.write(`${options.json ? JSON.stringify(value, null, 2) : human()}\n`);
}

export function fail(error: unknown, json: boolean): never {
  if (error instanceof StrataError) {
    if (json) process.stderr.write(`${JSON.stringify({ error: error.toJSON() })}\n`);
    else process.stderr.write(`error ${error.code}: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`error: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(2);
}

export function list(value: string | undefined): string[] | undefined {
  return value === undefined
    ? undefined
    : value
        .split(',')
        .map((part) => part.trim())
        .filter(Boolean);
}

export function int(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new StrataError('INVALID_INPUT', `${value} is not an integer`);
  return n;
}

/** A fact value on the command line: JSON if it parses, else the plain string. */
export function jsonOrString(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
