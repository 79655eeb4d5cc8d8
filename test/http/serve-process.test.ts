import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import { ROOT, spawnCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/memory.js';

/** `strata serve` as a real process (the CLI from source through tsx), on a random loopback port. */
interface Served {
  readonly child: ChildProcessByStdio<null, Readable, Readable>;
  readonly url: string;
  readonly stdout: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function serve(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Served> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'strata-dev.ts'), ...args], {
    cwd: ROOT,
    env: { ...process.env, STRATA_DATA: undefined, STRATA_PORT: undefined, STRATA_HOST: undefined, STRATA_LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${stdout}\n${stderr}`)), 30_000);
    const poll = setInterval(() => {
      const match = /listening on (http:\/\/\S+)/.exec(stdout);
      if (match && stdout.includes('Stop with')) {
        clearInterval(poll);
        clearTimeout(timer);
        resolve({ child, url: match[1] as string, stdout: () => stdout, exited });
      }
    }, 50);
    void exited.then(({ code }) => {
      clearInterval(poll);
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before listening: ${stdout}\n${stderr}`));
    });
  });
}

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir, cleanup } = tempDir());
});
afterAll(() => {
  cleanup();
});

describe('strata serve (spawned)', () => {
  let adminKey: string;

  it('prints its URL and a first admin key, answers /health, and on SIGTERM finishes the in-flight request and exits 0', async () => {
    const data = join(dir, 'data');
    const server = await serve(['--data', data, 'serve', '--port', '0']);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const key = /First start: created an admin API key[\s\S]*?\n\s+(strata_\w+)\n/.exec(server.stdout());
    expect(key, server.stdout()).not.toBeNull();
    adminKey = key?.[1] as string;
    expect((await fetch(`${server.url}/health`)).status).toBe(200);

    // A request whose body is still arriving when SIGTERM comes.
    const body = JSON.stringify({ id: 'drained', userId: 'alice', metadata: { note: 'sent in two halves' } });
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    let answer = '';
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      answer += chunk;
    });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      `POST /v1/sessions HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${adminKey}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    server.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Draining: no new connections are accepted.
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    socket.end(body.slice(10));
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 201/);
    expect(answer).toContain('"id":"drained"');
    expect(await server.exited).toEqual({ code: 0, signal: null });

    // The stores were closed cleanly: the session is there, keys.db holds no secret.
    const memory = await createMemory({ path: join(data, 'strata.db') });
    expect((await memory.getSession('drained')).userId).toBe('alice');
    await memory.close();
    const secret = adminKey.split('_')[2] as string;
    for (const file of readdirSync(data).filter((name) => name.startsWith('keys.db'))) {
      expect(readFileSync(join(data, file)).includes(Buffer.from(secret)), file).toBe(false);
    }
  }, 60_000);

  it('a second start keeps the keys (no new admin key) and stops on SIGINT with exit 0', async () => {
    const server = await serve(['serve', '--port', '0'], { STRATA_DATA: join(dir, 'data') });
    expect(server.stdout()).not.toContain('First start');
    const sessions = await fetch(`${server.url}/v1/sessions`, { headers: { authorization: `Bearer ${adminKey}` } });
    expect(sessions.status).toBe(200);
    expect(((await sessions.json()) as { data: Array<{ id: string }> }).data.map((s) => s.id)).toEqual(['drained']);
    server.child.kill('SIGINT');
    expect(await server.exited).toEqual({ code: 0, signal: null });
  }, 60_000);

  it('--no-auth serves tenant default without keys, on loopback', async () => {
    const server = await serve(['--data', join(dir, 'open'), 'serve', '--port', '0', '--no-auth']);
    expect(server.stdout()).toContain('auth   OFF');
    expect(server.stdout()).not.toContain('strata_');
    const created = await fetch(`${server.url}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"userId":"alice"}',
    });
    expect(created.status).toBe(201);
    expect(((await created.json()) as { tenantId: string }).tenantId).toBe('default');
    server.child.kill('SIGTERM');
    expect((await server.exited).code).toBe(0);
  }, 60_000);

  it('--workers 2: two processes share the port and the data; a write on one is read on the other at once; SIGTERM stops both', async () => {
    const data = join(dir, 'cluster');
    const server = await serve(['--data', data, 'serve', '--port', '0', '--workers', '2']);
    expect(server.stdout()).toContain('(2 worker processes)');
    const key = /\n\s+(strata_\w+)\n/.exec(server.stdout())?.[1] as string;
    expect(key).toMatch(/^strata_/);
    // A new connection per request, so that the primary spreads them over both workers.
    const call = (method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> =>
      new Promise((resolve, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const req = request(
          `${server.url}${path}`,
          {
            method,
            agent: false,
            headers: { authorization: `Bearer ${key}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (chunk: string) => {
              text += chunk;
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) as Record<string, unknown> }));
          },
        );
        req.on('error', reject);
        req.end(payload);
      });
    const pids = new Set<unknown>();
    for (let i = 0; i < 6; i++) pids.add((await call('GET', '/health')).json.pid);
    expect(pids.size).toBe(2);

    expect((await call('POST', '/v1/sessions', { id: 'shared', userId: 'alice' })).status).toBe(201);
    for (let i = 0; i < 6; i++) {
      const word = `zanzibar${i}quokka`;
      const added = await call('POST', '/v1/sessions/shared/messages', { messages: [{ role: 'user', content: `note ${word}` }] });
      expect(added.status).toBe(201);
      const found = await call('POST', '/v1/search', { query: word, userId: 'alice', k: 3, mode: 'keyword' });
      expect(found.status).toBe(200);
      const texts = (found.json.results as Array<{ memory: { text: string } }>).map((r) => r.memory.text);
      expect(
        texts.some((text) => text.includes(word)),
        `search ${i} after write`,
      ).toBe(true);
    }
    const listed = await call('GET', '/v1/sessions/shared/messages?limit=50');
    expect((listed.json.data as Array<{ seq: number }>).map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6]);

    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  }, 60_000);

  it('refuses bad configuration with exit 2 and every problem listed', async () => {
    const [open, bad] = await Promise.all([
      spawnCli(['--data', join(dir, 'x'), 'serve', '--no-auth', '--host', '0.0.0.0']),
      spawnCli(['--data', join(dir, 'x'), 'serve', '--port', '99999'], { STRATA_RATE_LIMIT_MAX: 'lots', STRATA_LOG_LEVEL: 'chatty' }),
    ]);
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/--no-auth .* loopback only; "0\.0\.0\.0" is not a loopback address/);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--port: port must be at most 65535');
    expect(bad.stderr).toContain('STRATA_RATE_LIMIT_MAX:');
    expect(bad.stderr).toContain('STRATA_LOG_LEVEL: logLevel must be one of');
  }, 60_000);
});
