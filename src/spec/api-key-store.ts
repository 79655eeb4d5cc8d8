/**
 * Contract for where API keys live. A key belongs to one tenant and carries scopes; its
 * secret is never stored, only a hash of it. Stores speak in key operations; hashing,
 * generation and constant-time comparison live once in `src/auth/`.
 */
export type ApiKeyScope = 'read' | 'write' | 'admin';

export const API_KEY_SCOPES: readonly ApiKeyScope[] = ['read', 'write', 'admin'];

/** What may be shown about a key: everything but its secret and the secret's hash. */
export interface ApiKeyRecord {
  /** Public key id (the middle part of `strata_<id>_<secret>`). */
  readonly id: string;
  readonly tenantId: string;
  readonly name: string | null;
  readonly scopes: readonly ApiKeyScope[];
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly lastUsedAt: number | null;
  readonly revokedAt: number | null;
}

/** A key as the store holds it, for authentication only. */
export interface StoredApiKey extends ApiKeyRecord {
  /** Hex SHA-256 of the secret part. */
  readonly secretHash: string;
}

export interface NewApiKey {
  readonly id: string;
  readonly tenantId: string;
  readonly name: string | null;
  readonly scopes: readonly ApiKeyScope[];
  readonly secretHash: string;
  readonly createdAt: number;
}

export interface ApiKeyFilter {
  /** Omit for every tenant (operator tooling only). */
  readonly tenantId?: string | undefined;
  readonly includeRevoked?: boolean | undefined;
}

export interface ApiKeyStoreV1 {
  readonly specificationVersion: 'v1';

  /** Creates or migrates the store. Called once before any other method. */
  open(): Promise<void>;
  close(): Promise<void>;

  createKey(key: NewApiKey): Promise<ApiKeyRecord>;
  /** The key with this id, revoked or not; null when there is none. */
  findByKeyId(id: string): Promise<StoredApiKey | null>;
  /** Keys, oldest first. */
  listKeys(filter: ApiKeyFilter): Promise<ApiKeyRecord[]>;
  /** Marks a key revoked (idempotent). Null when no such key exists (in `tenantId`, when given). */
  revokeKey(id: string, options: { readonly tenantId?: string | undefined; readonly at: number }): Promise<ApiKeyRecord | null>;
  /** Records that the key was used at `at`. */
  touch(id: string, at: number): Promise<void>;
}
