import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer, type StrataServer } from '../../src/config/create-server.js';
import { ServerSettingsSchema } from '../../src/config/settings.js';
import { type InspectorSeed, seedInspectorTenant, seedOtherTenant } from './inspector-seed.js';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** Builds ui/ with Vite (the same config as `npm run build`) into `outDir`. */
export async function buildUi(outDir: string): Promise<void> {
  const { build } = await import('vite');
  await build({ configFile: join(ROOT, 'ui', 'vite.config.ts'), logLevel: 'warn', build: { outDir, emptyOutDir: true } });
}

export interface InspectorServer {
  readonly server: StrataServer;
  /** http://127.0.0.1:<port> */
  readonly url: string;
  /** Read and write keys of the seeded tenant `acme` and of tenant `globex`. */
  readonly keys: { readonly acme: string; readonly globex: string; readonly acmeReadOnly: string };
  readonly seed: InspectorSeed;
  close(): Promise<void>;
}

/**
 * `strata serve`'s own wiring (createServer) on 127.0.0.1, port 0, over a fresh SQLite data
 * directory, serving a fresh UI build; tenant `acme` seeded, tenant `globex` beside it.
 */
export async function startInspectorServer(options: { statsIntervalMs?: number } = {}): Promise<InspectorServer> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-ui-'));
  const uiDir = join(dir, 'ui');
  await buildUi(uiDir);
  const settings = ServerSettingsSchema.parse({
    host: '127.0.0.1',
    port: 0,
    data: join(dir, 'data'),
    logLevel: 'silent',
    docs: false,
    consolidateEveryMs: 0,
    rateLimit: { enabled: false },
  });
  const server = await createServer(settings, { uiDir, ...(options.statsIntervalMs ? { statsIntervalMs: options.statsIntervalMs } : {}) });
  try {
    const keys = server.keys;
    if (!keys) throw new Error('the inspector server needs API keys');
    const seed = await seedInspectorTenant(server.memory.forTenant('acme'));
    await seedOtherTenant(server.memory.forTenant('globex'));
    const acme = (await keys.create({ tenantId: 'acme', scopes: ['read', 'write'], name: 'inspector' })).token;
    const acmeReadOnly = (await keys.create({ tenantId: 'acme', scopes: ['read'], name: 'read only' })).token;
    const globex = (await keys.create({ tenantId: 'globex', scopes: ['read', 'write'], name: 'other tenant' })).token;
    const url = await server.app.listen({ host: '127.0.0.1', port: 0 });
    return {
      server,
      url,
      keys: { acme, globex, acmeReadOnly },
      seed,
      close: async () => {
        await server.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
