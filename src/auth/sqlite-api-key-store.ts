import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { StrataError } from '../errors/strata-error.js';
import type { ApiKeyFilter, ApiKeyRecord, ApiKeyScope, ApiKeyStoreV1, NewApiKey, StoredApiKey } from '../spec/api-key-store.js';
import { loadMigrations, migrate } from '../stores/sqlite/migrate.js';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations/', import.meta.url));

interface KeyRow {
  id: string;
  tenant_id: string;
  name: string | null;
  scopes: string;
  secret_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** Most keys remembered by findByKeyId between changes of the file; past it the cache starts over. */
const MAX_CACHED_KEYS = 10_000;

interface Statements {
  readonly byId: Database.Statement<[string], KeyRow>;
  readonly dataVersion: Database.Statement<[], number>;
}

/**
 * API keys in their own SQLite file (`<data>/keys.db`), WAL mode: `strata keys` and a running
 * server share it. Lookups by key id (one per authenticated request) are cached; the cache
 * is dropped whenever another connection (e.g. `strata keys revoke` in another process) has
 * committed to the file, seen through `PRAGMA data_version`, and entries this store writes
 * are dropped as it writes them: a revocation counts from the next request, as without it.
 */
export class SqliteApiKeyStore implements ApiKeyStoreV1 {
  readonly specificationVersion = 'v1' as const;
  private db: Database.Database | null = null;
  private statements: Statements | null = null;
  private readonly cache = new Map<string, StoredApiKey | null>();
  private cachedVersion = -1;

  constructor(private readonly path: string) {}

  async open(): Promise<void> {
    if (this.db) return;
    try {
      if (this.path !== ':memory:') mkdirSync(dirname(this.path), { recursive: true, mode: 0o700 });
      const db = new Database(this.path);
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      migrate(db, loadMigrations(MIGRATIONS_DIR));
      this.statements = {
        byId: db.prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE id = ?'),
        dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
      };
      this.db = db;
    } catch (cause) {
      throw new StrataError('STORE_UNAVAILABLE', `cannot open the API key store at ${this.path}`, { cause });
    }
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = null;
    this.statements = null;
    this.cache.clear();
  }

  async createKey(key: NewApiKey): Promise<ApiKeyRecord> {
    this.handle()
      .prepare('INSERT INTO api_keys (id, tenant_id, name, scopes, secret_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(key.id, key.tenantId, key.name, key.scopes.join(','), key.secretHash, key.createdAt);
    this.cache.delete(key.id);
    return publicRecord(this.row(key.id) as KeyRow);
  }

  async findByKeyId(id: string): Promise<StoredApiKey | null> {
    const version = this.prepared().dataVersion.get() as number;
    if (version !== this.cachedVersion) {
      this.cache.clear();
      this.cachedVersion = version;
    }
    const cached = this.cache.get(id);
    if (cached !== undefined) return cached;
    const row = this.row(id);
    const key = row ? { ...publicRecord(row), secretHash: row.secret_hash } : null;
    if (this.cache.size >= MAX_CACHED_KEYS) this.cache.clear();
    this.cache.set(id, key);
    return key;
  }

  async listKeys(filter: ApiKeyFilter): Promise<ApiKeyRecord[]> {
    const clauses: string[] = [];
    const params: unknown[] = [];
    if (filter.tenantId !== undefined) {
      clauses.push('tenant_id = ?');
      params.push(filter.tenantId);
    }
    if (filter.includeRevoked !== true) clauses.push('revoked_at IS NULL');
    const where = clauses.length > 0 ? `WHERE ${clauses.join(' AND ')}` : '';
    const rows = this.handle()
      .prepare(`SELECT * FROM api_keys ${where} ORDER BY created_at, id`)
      .all(...params) as KeyRow[];
    return rows.map(publicRecord);
  }

  async revokeKey(id: string, options: { tenantId?: string | undefined; at: number }): Promise<ApiKeyRecord | null> {
    const row = this.row(id);
    if (!row || (options.tenantId !== undefined && row.tenant_id !== options.tenantId)) return null;
    this.handle().prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(options.at, id);
    this.cache.delete(id);
    return publicRecord(this.row(id) as KeyRow);
  }

  async touch(id: string, at: number): Promise<void> {
    this.handle()
      .prepare('UPDATE api_keys SET last_used_at = ? WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)')
      .run(at, id, at);
    this.cache.delete(id);
  }

  private row(id: string): KeyRow | undefined {
    return this.prepared().byId.get(id);
  }

  private prepared(): Statements {
    if (!this.statements) throw new StrataError('CLOSED', 'the API key store is not open');
    return this.statements;
  }

  private handle(): Database.Database {
    if (!this.db) throw new StrataError('CLOSED', 'the API key store is not open');
    return this.db;
  }
}

function publicRecord(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    name: row.name,
    scopes: row.scopes.split(',').filter(Boolean) as ApiKeyScope[],
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    revokedAt: row.revoked_at,
  };
}
