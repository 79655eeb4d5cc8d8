import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './redis.js';

const BIN = process.env.STRATA_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** As root, the cluster's commands run as the `postgres` OS user (initdb refuses root). */
function asOwner(command: string, args: readonly string[]): string[] {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  return root ? ['runuser', '-u', 'postgres', '--', join(BIN, command), ...args] : [join(BIN, command), ...args];
}

function run(command: string, args: readonly string[]): void {
  const [file, ...rest] = asOwner(command, args);
  execFileSync(file as string, rest, { stdio: 'ignore', timeout: 60_000 });
}

function postgresUser(): { uid: number; gid: number } | null {
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    return { uid, gid };
  } catch {
    return null;
  }
}

/**
 * Whether a private cluster can be made here (the PostgreSQL 15 binaries, and the `postgres` OS
 * user when running as root). Throws under CI=true when not: the outage tests must run in CI.
 */
export function canRunPrivatePostgres(): boolean {
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const ok = existsSync(join(BIN, 'initdb')) && existsSync(join(BIN, 'pg_ctl')) && (!root || postgresUser() !== null);
  if (!ok && process.env.CI === 'true') throw new Error(`no PostgreSQL binaries in ${BIN} (or no postgres user), and CI=true`);
  if (!ok) console.warn(`[strata tests] skipping the private PostgreSQL tests: no initdb/pg_ctl in ${BIN}`);
  return ok;
}

/**
 * A PostgreSQL cluster of its own in a temp dir, on a free port, trust auth, for tests that stop
 * and restart the server. The shared server on 5432 is never touched. `destroy` stops it and
 * deletes the directory.
 */
export class PrivatePostgres {
  private running = false;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get url(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async create(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'strata-pg-'));
    const owner = userInfo().uid === 0 ? postgresUser() : null;
    if (owner) chownSync(dir, owner.uid, owner.gid);
    run('initdb', ['-D', join(dir, 'data'), '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync']);
    const server = new PrivatePostgres(dir, await freePort());
    await server.start();
    return server;
  }

  async start(): Promise<void> {
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
    run('pg_ctl', ['-D', join(this.dir, 'data'), '-o', options, '-l', join(this.dir, 'log'), '-w', '-t', '30', 'start']);
    this.running = true;
  }

  /** `fast`: disconnects every client and stops (committed work is on disk); `immediate`: as a crash. */
  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    if (!this.running) return;
    run('pg_ctl', ['-D', join(this.dir, 'data'), '-m', mode, '-w', '-t', '30', 'stop']);
    this.running = false;
  }

  async destroy(): Promise<void> {
    try {
      await this.stop('immediate');
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}
