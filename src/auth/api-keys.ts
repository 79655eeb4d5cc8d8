import { checkId } from '../core/input.js';
import { invalidInput } from '../errors/strata-error.js';
import { API_KEY_SCOPES, type ApiKeyRecord, type ApiKeyScope, type ApiKeyStoreV1 } from '../spec/api-key-store.js';
import { generateApiKey, hashSecret, isApiKeyId, parseApiKey, secretMatches } from './api-key-token.js';

export interface CreateKeyInput {
  readonly tenantId: string;
  readonly scopes: readonly string[];
  readonly name?: string | null | undefined;
}

export interface CreatedKey {
  /** The whole key: shown once, never stored. */
  readonly token: string;
  readonly key: ApiKeyRecord;
}

export interface ApiKeysOptions {
  readonly clock?: (() => number) | undefined;
  /** A key's last-used time is written at most this often (ms). Default one minute. */
  readonly touchIntervalMs?: number | undefined;
}

/** A hash compared when the key id is unknown, so that unknown and wrong keys take the same time. */
const DECOY_HASH = hashSecret('decoy');

/**
 * Key management and authentication over an ApiKeyStoreV1: generation, validation of
 * tenant and scopes, constant-time secret checks, throttled last-used tracking.
 */
export class ApiKeys {
  private readonly clock: () => number;
  private readonly touchInterval: number;
  private readonly touched = new Map<string, number>();

  constructor(
    readonly store: ApiKeyStoreV1,
    options: ApiKeysOptions = {},
  ) {
    this.clock = options.clock ?? Date.now;
    this.touchInterval = options.touchIntervalMs ?? 60_000;
  }

  async create(input: CreateKeyInput): Promise<CreatedKey> {
    const tenantId = checkId('tenantId', input.tenantId);
    const scopes = checkScopes(input.scopes);
    const name = input.name === undefined || input.name === null ? null : checkName(input.name);
    const generated = generateApiKey();
    const key = await this.store.createKey({
      id: generated.id,
      tenantId,
      name,
      scopes,
      secretHash: generated.secretHash,
      createdAt: this.clock(),
    });
    return { token: generated.token, key };
  }

  /** The active key a presented token stands for; null for anything else (malformed, unknown, wrong secret, revoked). */
  async authenticate(token: string): Promise<ApiKeyRecord | null> {
    const parsed = parseApiKey(token);
    if (!parsed) return null;
    const stored = await this.store.findByKeyId(parsed.id);
    const matches = secretMatches(parsed.secret, stored?.secretHash ?? DECOY_HASH);
    if (!stored || !matches || stored.revokedAt !== null) return null;
    const { secretHash: _hash, ...key } = stored;
    await this.touch(key.id);
    return key;
  }

  list(tenantId?: string, includeRevoked = false): Promise<ApiKeyRecord[]> {
    return this.store.listKeys({ tenantId: tenantId === undefined ? undefined : checkId('tenantId', tenantId), includeRevoked });
  }

  /** Revokes a key (of `tenantId` only, when given); null when there is no such key. */
  async revoke(id: string, tenantId?: string): Promise<ApiKeyRecord | null> {
    if (!isApiKeyId(id)) return null;
    return this.store.revokeKey(id, { tenantId, at: this.clock() });
  }

  private async touch(id: string): Promise<void> {
    const now = this.clock();
    if (now - (this.touched.get(id) ?? Number.NEGATIVE_INFINITY) < this.touchInterval) return;
    this.touched.set(id, now);
    if (this.touched.size > 10_000) this.touched.clear();
    await this.store.touch(id, now);
  }
}

export function checkScopes(value: readonly string[]): ApiKeyScope[] {
  if (!Array.isArray(value) || value.length === 0)
    throw invalidInput('scopes', `scopes must list one or more of ${API_KEY_SCOPES.join(', ')}`);
  for (const scope of value) {
    if (!API_KEY_SCOPES.includes(scope as ApiKeyScope)) {
      throw invalidInput('scopes', `unknown scope "${String(scope).slice(0, 32)}": use ${API_KEY_SCOPES.join(', ')}`);
    }
  }
  // Canonical order, no duplicates.
  return API_KEY_SCOPES.filter((scope) => value.includes(scope));
}

function checkName(value: string): string {
  if (typeof value !== 'string' || value.trim().length === 0 || value.length > 128 || /\p{Cc}/u.test(value)) {
    throw invalidInput('name', 'name must be 1-128 characters without control characters');
  }
  return value;
}
