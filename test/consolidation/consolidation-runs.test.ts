import { spawn } from 'node:child_process';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import { createServer } from '../../src/config/create-server.js';
import { loadSettings } from '../../src/config/load-settings.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { ROOT, runCli, spawnCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/memory.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function seeded(dir: string, sessions: number): Promise<void> {
  const memory = await createMemory({ path: join(dir, 'strata.db') });
  try {
    for (let i = 0; i < sessions; i++) {
      await memory.createSession({ id: `s${i}`, userId: `u${i}` });
      await memory.addMessages(`s${i}`, [
        { role: 'user', content: `I am planning a trip to Lisbon in May with ${i + 2} friends.` },
        { role: 'assistant', content: 'Lisbon is lovely in spring; the trams are a good way to see the hills.' },
      ]);
    }
  } finally {
    await memory.close();
  }
}

async function until<T>(probe: () => Promise<T | null>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('strata consolidate', () => {
  it('consolidates once and reports counts as JSON; a second run finds nothing new', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    await seeded(dir, 3);
    const first = await runCli(['--data', dir, 'consolidate', '--json']);
    expect(JSON.parse(first.stdout)).toMatchObject({ sessions: 3, turns: 6, summaries: 3, notes: 3 });
    const one = await runCli(['--data', dir, 'consolidate', '--session', 's0', '--json']);
    expect(JSON.parse(one.stdout)).toMatchObject({ sessions: 0, turns: 0 });
    const human = await runCli(['--data', dir, 'consolidate']);
    expect(human.stdout).toContain('consolidated 0 session(s)');
  });

  it('two processes consolidating one data directory at once: every session exactly once', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    await seeded(dir, 40);
    // A real loopback chat-completions server that answers in 50 ms, so that the two runs overlap.
    const server = createHttpServer((req, res) => {
      req.resume();
      req.on('end', () => {
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(
            JSON.stringify({
              choices: [{ index: 0, message: { role: 'assistant', content: 'A trip to Lisbon in May.' }, finish_reason: 'stop' }],
            }),
          );
        }, 50);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const env = { STRATA_SUMMARIZER_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, STRATA_SUMMARIZER_MODEL: 'slow' };
    const [a, b] = await Promise.all([
      spawnCli(['--data', dir, 'consolidate', '--json'], env),
      spawnCli(['--data', dir, 'consolidate', '--json'], env),
    ]);
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    const ca = JSON.parse(a.stdout) as { sessions: number; skipped: number; turns: number; conflicts: number };
    const cb = JSON.parse(b.stdout) as { sessions: number; skipped: number; turns: number; conflicts: number };
    expect(ca.sessions + cb.sessions).toBe(40);
    expect(ca.turns + cb.turns).toBe(80);
    // They did overlap: each consolidated some sessions, or one met the other's leases.
    expect((ca.sessions > 0 && cb.sessions > 0) || ca.skipped + cb.skipped > 0).toBe(true);
    const memory = await createMemory({ path: join(dir, 'strata.db') });
    cleanups.push(() => memory.close());
    expect(await memory.store.countMemories({ tenantId: 'default', kinds: ['summary'], includeSuperseded: true })).toBe(40);
    expect((await memory.getSession('s7')).summary).toBe('A trip to Lisbon in May.');
  });
});

describe('strata worker', () => {
  it('consolidates on its interval and stops cleanly on SIGTERM', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    await seeded(dir, 2);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts', 'strata-dev.ts'), '--data', dir, 'worker', '--interval', '100'],
      {
        cwd: ROOT,
        env: { ...process.env, STRATA_DATA: undefined },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    cleanups.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const reader = await createMemory({ path: join(dir, 'strata.db') });
    cleanups.push(() => reader.close());
    const session = await until(async () => {
      const s = await reader.getSession('s1');
      return s.summary ? s : null;
    });
    expect(session.summary).toContain('Lisbon');
    // New turns after the first run are picked up by a later one.
    await reader.addMessages('s1', [{ role: 'user', content: 'My flight lands at 9 in the morning on the 3rd of May.' }]);
    const later = await until(async () => ((await reader.getSession('s1')).summarizedUpToSeq === 3 ? true : null));
    expect(later).toBe(true);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('"msg":"worker stopped"');
  });
});

describe('strata serve consolidation schedule', () => {
  it('runs on consolidateEveryMs (env STRATA_CONSOLIDATE_EVERY_MS) and stops on shutdown', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    await seeded(dir, 1);
    const settings = loadSettings({
      env: { STRATA_DATA: dir, STRATA_CONSOLIDATE_EVERY_MS: '50', STRATA_LOG_LEVEL: 'silent', STRATA_AUTH: 'off' },
    });
    expect(settings.consolidateEveryMs).toBe(50);
    const server = await createServer(settings);
    let closed = false;
    cleanups.push(async () => {
      if (!closed) await server.close();
    });
    const memory: MemoryService = server.memory;
    const summary = await until(async () => (await memory.getSession('s0')).summary);
    expect(summary).toContain('Lisbon');
    expect(server.consolidation?.runs).toBeGreaterThan(0);
    await server.close();
    closed = true;
    const runs = server.consolidation?.runs ?? 0;
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(server.consolidation?.runs).toBe(runs);
  });

  it('0 turns the schedule off', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const server = await createServer(
      loadSettings({ env: { STRATA_DATA: dir, STRATA_CONSOLIDATE_EVERY_MS: '0', STRATA_LOG_LEVEL: 'silent', STRATA_AUTH: 'off' } }),
    );
    cleanups.push(() => server.close());
    expect(server.consolidation).toBeNull();
  });
});
