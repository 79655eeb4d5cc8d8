import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../src/auth/api-keys.js';
import { SqliteApiKeyStore } from '../../src/auth/sqlite-api-key-store.js';
import { tempDir } from '../helpers/memory.js';

/**
 * The server caches key lookups. Two stores on one keys.db are two connections, as a running
 * server and `strata keys` in another process are: a change by either is seen by the other's
 * next lookup.
 */
let cleanup: () => void;
let serverStore: SqliteApiKeyStore;
let cliStore: SqliteApiKeyStore;
let server: ApiKeys;
let cli: ApiKeys;

beforeAll(async () => {
  const temp = tempDir();
  cleanup = temp.cleanup;
  serverStore = new SqliteApiKeyStore(join(temp.dir, 'keys.db'));
  cliStore = new SqliteApiKeyStore(join(temp.dir, 'keys.db'));
  await serverStore.open();
  await cliStore.open();
  server = new ApiKeys(serverStore);
  cli = new ApiKeys(cliStore);
});
afterAll(async () => {
  await serverStore.close();
  await cliStore.close();
  cleanup();
});

describe('cached key lookups honour revocation', () => {
  it('a key revoked through another connection is refused on the next request', async () => {
    const { token, key } = await cli.create({ tenantId: 'acme', scopes: ['read'] });
    for (let i = 0; i < 3; i++) expect(await server.authenticate(token)).toMatchObject({ id: key.id, tenantId: 'acme' });
    await cli.revoke(key.id);
    expect(await server.authenticate(token)).toBeNull();
  });

  it('a key created through another connection works at once, while the cache holds others', async () => {
    const { token, key } = await cli.create({ tenantId: 'acme', scopes: ['read'] });
    await cli.revoke(key.id);
    expect(await server.authenticate(token)).toBeNull();
    const fresh = await cli.create({ tenantId: 'acme', scopes: ['write'] });
    expect(await server.authenticate(fresh.token)).toMatchObject({ scopes: ['write'] });
  });

  it("the server's own revocation and a write between lookups are seen too", async () => {
    const { token, key } = await server.create({ tenantId: 'acme', scopes: ['read'] });
    expect(await server.authenticate(token)).not.toBeNull();
    expect(await serverStore.findByKeyId(key.id)).toMatchObject({ revokedAt: null });
    await server.revoke(key.id, 'acme');
    expect(await server.authenticate(token)).toBeNull();
    expect(await cli.authenticate(token)).toBeNull();
  });
});
