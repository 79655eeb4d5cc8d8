import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

/** A client for one check: no reconnects, errors reach the caller only. */
function oneShotClient(url: string): Redis {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => {});
  return client;
}

/** A key prefix no other test uses. */
export function randomPrefix(): string {
  return `strata-test-${randomBytes(6).toString('hex')}`;
}

/** Every key under `prefix:` on the server at `url` (SCAN, never KEYS). */
export async function keysUnder(url: string, prefix: string): Promise<string[]> {
  const client = oneShotClient(url);
  try {
    await client.connect();
    const found: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      found.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    return found.sort();
  } finally {
    client.disconnect();
  }
}

/** Deletes every key under `prefix:` (after each test). */
export async function dropPrefix(url: string, prefix: string): Promise<void> {
  const keys = await keysUnder(url, prefix);
  if (keys.length === 0) return;
  const client = oneShotClient(url);
  try {
    await client.connect();
    for (let i = 0; i < keys.length; i += 500) await client.del(...keys.slice(i, i + 500));
  } finally {
    client.disconnect();
  }
}

/** A TCP port nothing listens on (it was free a moment ago). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Whether the redis-server binary is installed (tests that stop and restart Redis start their own).
 * Throws under CI=true when it is not: those tests must run in CI.
 */
export function hasRedisServerBinary(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI === 'true') throw new Error('redis-server is not installed, and CI=true: the private-server tests must run in CI');
    console.warn('[strata tests] skipping the private redis-server tests: no redis-server binary');
    return false;
  }
}

/**
 * A private redis-server on a free port, without persistence: stopping it loses every key.
 * Tests that restart Redis use one of these, never the shared server.
 */
export class PrivateRedis {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly extraArgs: readonly string[],
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** `extraArgs` go to redis-server (e.g. `--enable-debug-command yes` for DEBUG SLEEP). */
  static async start(extraArgs: readonly string[] = []): Promise<PrivateRedis> {
    const server = await PrivateRedis.reserve(extraArgs);
    await server.start();
    return server;
  }

  /** A server on a free port, not started yet (`start()` it later). */
  static async reserve(extraArgs: readonly string[] = []): Promise<PrivateRedis> {
    return new PrivateRedis(await freePort(), extraArgs);
  }

  async start(): Promise<void> {
    const child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...this.extraArgs],
      {
        stdio: 'ignore',
      },
    );
    this.child = child;
    const exited = new Promise<never>((_, reject) => {
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`redis-server exited with code ${code}`)));
    });
    await Promise.race([this.waitUntilAnswering(), exited]);
  }

  private async waitUntilAnswering(): Promise<void> {
    for (let attempt = 0; attempt < 100; attempt++) {
      const client = oneShotClient(this.url);
      try {
        await client.connect();
        if ((await client.ping()) === 'PONG') return;
      } catch {
        // not yet
      } finally {
        client.disconnect();
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`redis-server on port ${this.port} did not answer`);
  }

  /** SIGKILL, as a crash: nothing is saved (and nothing would be: no persistence). */
  async stop(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}
