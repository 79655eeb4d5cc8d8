import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer } from '../../src/config/create-server.js';
import { loadSettings, SettingsError } from '../../src/config/load-settings.js';
import { VectorIndexedStore } from '../../src/stores/vector-indexed-store.js';
import { ROOT } from '../helpers/cli.js';
import { memoryInRam, tempDir } from '../helpers/memory.js';
import { closedPort } from '../helpers/qdrant.js';
import { type QdrantStandIn, startQdrantStandIn } from '../helpers/qdrant-stand-in.js';

// Qdrant cannot run here: the wiring is exercised against the loopback stand-in (test/helpers/qdrant-stand-in.ts).
let standIn: QdrantStandIn;
beforeAll(async () => {
  standIn = await startQdrantStandIn();
});
afterAll(async () => {
  await standIn.close();
});

describe('Qdrant wiring', () => {
  it('QDRANT_URL and QDRANT_API_KEY reach the server settings; a URL that is not http(s) is refused by name', () => {
    expect(loadSettings({ env: { QDRANT_URL: 'http://qdrant:6333', QDRANT_API_KEY: 'k' } })).toMatchObject({
      qdrantUrl: 'http://qdrant:6333',
      qdrantApiKey: 'k',
    });
    expect(loadSettings({ env: {} }).qdrantUrl).toBeUndefined();
    let problems: readonly string[] = [];
    try {
      loadSettings({ env: { QDRANT_URL: 'ftp://qdrant' } });
    } catch (error) {
      expect(error).toBeInstanceOf(SettingsError);
      problems = (error as SettingsError).problems;
    }
    expect(problems.join('\n')).toMatch(/^QDRANT_URL: qdrantUrl must be an http\(s\) URL/);
  });

  it('createMemory({ qdrant }) wraps the store and mirrors into Qdrant', async () => {
    const memory = await memoryInRam({ qdrant: { url: standIn.url, prefix: 'strata_wiring' } });
    try {
      expect(memory.store).toBeInstanceOf(VectorIndexedStore);
      await memory.remember({ userId: 'u', text: 'The lighthouse keeper logs every passing ship' });
      const upserts = standIn.requests.filter(
        (request) => request.method === 'PUT' && /^\/collections\/strata_wiring_.*\/points$/.test(request.path),
      );
      expect(upserts).toHaveLength(1);
    } finally {
      await memory.close();
    }
  });

  it('createMemory fails with STORE_UNAVAILABLE when the configured Qdrant does not answer', async () => {
    const port = await closedPort();
    await expect(memoryInRam({ qdrant: { url: `http://127.0.0.1:${port}` } })).rejects.toMatchObject({ code: 'STORE_UNAVAILABLE' });
  });

  it('strata serve with QDRANT_URL reports a qdrant tier in /ready', async () => {
    const { dir, cleanup } = tempDir();
    const server = await createServer(
      loadSettings({ flags: { data: dir, auth: false }, env: { QDRANT_URL: standIn.url, STRATA_LOG_LEVEL: 'silent' } }),
    );
    try {
      const ready = await server.app.inject({ method: 'GET', url: '/ready' });
      const body = ready.json() as { status: string; tiers: Record<string, { status: string; reachable?: boolean }> };
      expect(body.tiers.qdrant).toMatchObject({ status: 'ready', reachable: true });
      standIn.failing = true;
      const down = await server.app.inject({ method: 'GET', url: '/ready' });
      expect(down.statusCode).toBe(503);
      expect((down.json() as typeof body).tiers.qdrant).toMatchObject({ status: 'not_ready', reachable: false });
    } finally {
      standIn.failing = false;
      await server.close();
      cleanup();
    }
  });

  it('a `strata serve` process started with QDRANT_URL says so and mirrors HTTP writes into Qdrant', async () => {
    const { dir, cleanup } = tempDir();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts', 'strata-dev.ts'), 'serve', '--no-auth', '--port', '0', '--data', dir],
      {
        cwd: ROOT,
        env: { ...process.env, STRATA_DATA: undefined, STRATA_PORT: undefined, STRATA_LOG_LEVEL: 'warn', QDRANT_URL: standIn.url },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`serve did not start: ${stdout}`)), 30_000);
        const poll = setInterval(() => {
          const match = /listening on (http:\/\/\S+)/.exec(stdout);
          if (match && stdout.includes('Stop with')) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve(match[1] as string);
          }
        }, 50);
      });
      expect(stdout).toContain(`qdrant ${standIn.url}/ (semantic search`);
      const from = standIn.requests.length;
      const response = await fetch(`${url}/v1/memories`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId: 'u', text: 'The ferry to the island leaves at seven' }),
      });
      expect(response.status).toBe(201);
      expect(
        standIn.requests.slice(from).some((request) => request.method === 'PUT' && /^\/collections\/strata_.*\/points$/.test(request.path)),
      ).toBe(true);
    } finally {
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      cleanup();
    }
  });
});
