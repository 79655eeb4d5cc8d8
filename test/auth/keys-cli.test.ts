import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiKeys } from '../../src/auth/api-keys.js';
import { SqliteApiKeyStore } from '../../src/auth/sqlite-api-key-store.js';
import type { ApiKeyRecord } from '../../src/spec/api-key-store.js';
import { runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/memory.js';

let dir: string;
let cleanup: () => void;
let data: string;

beforeAll(() => {
  ({ dir, cleanup } = tempDir());
  data = join(dir, 'data');
});
afterAll(() => {
  cleanup();
});

const json = async <T>(args: readonly string[]): Promise<T> => {
  const result = await runCli(['--data', data, '--json', ...args]);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
};

describe('strata keys', () => {
  let created: { key: string; apiKey: ApiKeyRecord };

  it('create --tenant --scopes --name prints the key once; it authenticates against <data>/keys.db', async () => {
    created = await json(['keys', 'create', '--tenant', 'acme', '--scopes', 'read,write', '--name', 'ingest']);
    expect(created.key).toMatch(/^strata_[0-9A-Za-z]{16}_[0-9A-Za-z]{43}$/);
    expect(created.apiKey).toMatchObject({ tenantId: 'acme', scopes: ['read', 'write'], name: 'ingest' });
    const store = new SqliteApiKeyStore(join(data, 'keys.db'));
    await store.open();
    expect(await new ApiKeys(store).authenticate(created.key)).toMatchObject({ tenantId: 'acme' });
    await store.close();
    const human = await runCli(['--data', data, 'keys', 'create', '--scopes', 'admin']);
    expect(human.stdout).toMatch(/for tenant "default" with scopes admin\.\nIt is shown once[\s\S]*\n {2}strata_\w+\n$/);
  });

  it('list shows keys without secrets; revoke ID revokes; list --all shows revoked ones', async () => {
    const listed = await json<ApiKeyRecord[]>(['keys', 'list']);
    expect(listed.map((k) => k.tenantId).sort()).toEqual(['acme', 'default']);
    expect(JSON.stringify(listed)).not.toContain(created.key);
    expect((await json<ApiKeyRecord[]>(['keys', 'list', '--tenant', 'acme'])).map((k) => k.id)).toEqual([created.apiKey.id]);
    const revoked = await json<ApiKeyRecord>(['keys', 'revoke', created.apiKey.id]);
    expect(revoked.revokedAt).toEqual(expect.any(Number));
    expect((await json<ApiKeyRecord[]>(['keys', 'list', '--tenant', 'acme'])).length).toBe(0);
    expect((await json<ApiKeyRecord[]>(['keys', 'list', '--tenant', 'acme', '--all'])).length).toBe(1);
    const human = await runCli(['--data', data, 'keys', 'list', '--all']);
    expect(human.stdout).toContain('REVOKED');
  });

  it('bad scopes and unknown ids are typed errors', async () => {
    await expect(runCli(['--data', data, 'keys', 'create', '--scopes', 'read,root'])).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(runCli(['--data', data, 'keys', 'revoke', 'NoSuchKey'])).rejects.toMatchObject({ code: 'API_KEY_NOT_FOUND' });
  });
});
