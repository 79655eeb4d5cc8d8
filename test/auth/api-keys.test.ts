import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { API_KEY_PREFIX, generateApiKey, hashSecret, parseApiKey, randomBase62, secretMatches } from '../../src/auth/api-key-token.js';
import { ApiKeys } from '../../src/auth/api-keys.js';
import { SqliteApiKeyStore } from '../../src/auth/sqlite-api-key-store.js';
import { expectStrataError, tempDir } from '../helpers/memory.js';

describe('key tokens', () => {
  it('are strata_<16 base62>_<43 base62>: at least 256 bits of secret, unique, parseable', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { token, id, secretHash } = generateApiKey();
      expect(token).toMatch(/^strata_[0-9A-Za-z]{16}_[0-9A-Za-z]{43}$/);
      expect(token.startsWith(API_KEY_PREFIX)).toBe(true);
      const parsed = parseApiKey(token);
      expect(parsed?.id).toBe(id);
      expect(hashSecret(parsed?.secret as string)).toBe(secretHash);
      seen.add(token);
    }
    expect(seen.size).toBe(200);
    // 43 characters of 62 symbols: 43 * log2(62) > 256 bits.
    expect(43 * Math.log2(62)).toBeGreaterThan(256);
  });

  it('draw every base62 character about equally (no modulo bias)', () => {
    const counts = new Map<string, number>();
    for (const char of randomBase62(62_000)) counts.set(char, (counts.get(char) ?? 0) + 1);
    expect(counts.size).toBe(62);
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(800);
      expect(count).toBeLessThan(1200);
    }
  });

  it('refuse anything not of the Strata form', () => {
    for (const bad of [
      '',
      'strata_',
      'strata_abc_def',
      `sk_${'a'.repeat(16)}_${'b'.repeat(43)}`,
      `strata_${'a'.repeat(16)}_${'b'.repeat(42)}`,
      `strata_${'a'.repeat(16)}_${'b'.repeat(43)} `,
    ]) {
      expect(parseApiKey(bad)).toBeNull();
    }
  });

  it('compare secrets against the stored SHA-256 hash', () => {
    const { token, secretHash } = generateApiKey();
    const secret = parseApiKey(token)?.secret as string;
    expect(secretMatches(secret, secretHash)).toBe(true);
    // Another last character (never the same one: a random secret ends in 'x' one time in 62).
    const other = secret.endsWith('x') ? 'y' : 'x';
    expect(secretMatches(`${secret.slice(0, -1)}${other}`, secretHash)).toBe(false);
    expect(secretMatches(secret, 'not-hex')).toBe(false);
  });
});

describe('ApiKeys over the SQLite key store', () => {
  let dir: string;
  let cleanup: () => void;
  let store: SqliteApiKeyStore;
  let now: number;
  let keys: ApiKeys;

  beforeEach(async () => {
    ({ dir, cleanup } = tempDir());
    store = new SqliteApiKeyStore(join(dir, 'keys.db'));
    await store.open();
    now = Date.parse('2026-03-01T00:00:00Z');
    keys = new ApiKeys(store, { clock: () => now, touchIntervalMs: 60_000 });
  });
  afterEach(async () => {
    await store.close();
    cleanup();
  });

  it('creates a key shown once: only its hash is stored', async () => {
    const { token, key } = await keys.create({ tenantId: 'acme', scopes: ['write', 'read', 'read'], name: 'ingest bot' });
    expect(key).toEqual({
      id: expect.any(String),
      tenantId: 'acme',
      name: 'ingest bot',
      scopes: ['read', 'write'],
      createdAt: now,
      lastUsedAt: null,
      revokedAt: null,
    });
    expect(JSON.stringify(await keys.list())).not.toContain(token);
    await store.close();
    const secret = token.split('_')[2] as string;
    for (const file of readdirSync(dir)) expect(readFileSync(join(dir, file)).includes(Buffer.from(secret)), file).toBe(false);
    await store.open();
    expect((await store.findByKeyId(key.id))?.secretHash).toBe(hashSecret(secret));
  });

  it('authenticates the exact key only; a revoked key stops working at once', async () => {
    const { token, key } = await keys.create({ tenantId: 'acme', scopes: ['read'] });
    expect(await keys.authenticate(token)).toMatchObject({ id: key.id, tenantId: 'acme', scopes: ['read'] });
    expect(await keys.authenticate(`${token.slice(0, -1)}${token.endsWith('a') ? 'b' : 'a'}`)).toBeNull();
    expect(await keys.authenticate(token.replace(key.id, 'A'.repeat(16)))).toBeNull();
    expect(await keys.authenticate('Bearer x')).toBeNull();
    expect(await keys.revoke(key.id, 'other-tenant')).toBeNull();
    expect(await keys.authenticate(token)).not.toBeNull();
    expect((await keys.revoke(key.id, 'acme'))?.revokedAt).toBe(now);
    expect(await keys.authenticate(token)).toBeNull();
    expect(await keys.revoke('not a key id')).toBeNull();
  });

  it('records last use, at most once per interval', async () => {
    const { token, key } = await keys.create({ tenantId: 'acme', scopes: ['read'] });
    await keys.authenticate(token);
    expect((await store.findByKeyId(key.id))?.lastUsedAt).toBe(now);
    const first = now;
    now += 30_000;
    await keys.authenticate(token);
    expect((await store.findByKeyId(key.id))?.lastUsedAt).toBe(first);
    now += 60_000;
    await keys.authenticate(token);
    expect((await store.findByKeyId(key.id))?.lastUsedAt).toBe(now);
  });

  it('lists per tenant, revoked keys only on request', async () => {
    const a = await keys.create({ tenantId: 'acme', scopes: ['read'] });
    await keys.create({ tenantId: 'globex', scopes: ['admin'] });
    await keys.revoke(a.key.id);
    expect(await keys.list('acme')).toEqual([]);
    expect((await keys.list('acme', true)).map((k) => k.id)).toEqual([a.key.id]);
    expect((await keys.list()).map((k) => k.tenantId)).toEqual(['globex']);
  });

  it('rejects a bad tenant, unknown or missing scopes and a bad name with INVALID_INPUT / INVALID_ID', async () => {
    await expectStrataError(keys.create({ tenantId: '../etc', scopes: ['read'] }), 'INVALID_ID');
    await expectStrataError(keys.create({ tenantId: 'acme', scopes: [] }), 'INVALID_INPUT');
    await expectStrataError(keys.create({ tenantId: 'acme', scopes: ['read', 'root'] }), 'INVALID_INPUT');
    await expectStrataError(keys.create({ tenantId: 'acme', scopes: ['read'], name: 'a\u0000b' }), 'INVALID_INPUT');
    expect(await keys.list(undefined, true)).toEqual([]);
  });
});
