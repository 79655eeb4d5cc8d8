import type { Command } from 'commander';
import { ApiKeys } from '../../auth/api-keys.js';
import { SqliteApiKeyStore } from '../../auth/sqlite-api-key-store.js';
import { ensureDataDir } from '../../config/data-dir.js';
import { StrataError } from '../../errors/strata-error.js';
import type { ApiKeyRecord } from '../../spec/api-key-store.js';
import { dataDirOf, type GlobalOptions, list, output } from '../cli-context.js';

/** Opens `<data>/keys.db` (shared with a running `strata serve`: WAL, changes apply on its next request). */
async function withKeys<T>(options: GlobalOptions, run: (keys: ApiKeys) => Promise<T>): Promise<T> {
  const store = new SqliteApiKeyStore(ensureDataDir(dataDirOf(options).dir).keys);
  await store.open();
  try {
    return await run(new ApiKeys(store));
  } finally {
    await store.close();
  }
}

const time = (ms: number | null): string => (ms === null ? '-' : new Date(ms).toISOString());
const row = (key: ApiKeyRecord): string =>
  `${key.id}  ${key.tenantId.padEnd(12)} ${key.scopes.join(',').padEnd(16)} ${(key.name ?? '-').padEnd(20)} created ${time(key.createdAt)}  used ${time(key.lastUsedAt)}${key.revokedAt === null ? '' : `  REVOKED ${time(key.revokedAt)}`}`;

export function keysCommand(program: Command): void {
  const keys = program.command('keys').description('API keys of the HTTP server (stored hashed in <data>/keys.db)');

  keys
    .command('create')
    .description('create a key; it is printed once and never stored')
    .option('--tenant <id>', 'the tenant the key belongs to (default "default")')
    .requiredOption('--scopes <list>', 'read, write, admin (comma-separated)')
    .option('--name <name>', 'what the key is for')
    .action(async (opts: { tenant?: string; scopes: string; name?: string }) => {
      const global = program.opts<GlobalOptions>();
      await withKeys(global, async (store) => {
        const created = await store.create({
          tenantId: opts.tenant ?? global.tenant ?? 'default',
          scopes: list(opts.scopes) ?? [],
          name: opts.name,
        });
        output(global, { key: created.token, apiKey: created.key }, () =>
          [
            `Created key ${created.key.id} for tenant "${created.key.tenantId}" with scopes ${created.key.scopes.join(', ')}.`,
            'It is shown once, now; store it somewhere safe:',
            '',
            `  ${created.token}`,
          ].join('\n'),
        );
      });
    });

  keys
    .command('list')
    .description('list keys (never their secrets)')
    .option('--tenant <id>', 'only this tenant')
    .option('--all', 'include revoked keys')
    .action(async (opts: { tenant?: string; all?: boolean }) => {
      const global = program.opts<GlobalOptions>();
      await withKeys(global, async (store) => {
        const rows = await store.list(opts.tenant ?? global.tenant, opts.all === true);
        output(global, rows, () => rows.map(row).join('\n') || 'no keys');
      });
    });

  keys
    .command('revoke')
    .description('revoke a key by id (a running server refuses it from its next request on)')
    .argument('<id>', 'key id (the part after strata_)')
    .action(async (id: string) => {
      const global = program.opts<GlobalOptions>();
      await withKeys(global, async (store) => {
        const revoked = await store.revoke(id);
        if (!revoked) throw new StrataError('API_KEY_NOT_FOUND', `no API key ${id}`, { details: { keyId: id } });
        output(global, revoked, () => `revoked ${revoked.id} (tenant "${revoked.tenantId}")`);
      });
    });
}
