import { Socket } from 'node:net';

/**
 * Where the test suite finds its service backends. On a developer's laptop without PostgreSQL or
 * Redis the tests that need one skip, saying why; with `CI=true` an unreachable service is a
 * failure, because in CI those tests must run.
 */
export const SERVICES = {
  postgres: process.env.STRATA_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  redis: process.env.STRATA_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
} as const;

export type ServiceName = keyof typeof SERVICES;

export interface ServiceCheck {
  readonly name: ServiceName;
  readonly url: string;
  readonly reachable: boolean;
  /** Why the tests skip, when they do. */
  readonly reason: string;
}

/** Opens (and closes) a TCP connection to the service's host and port. */
function reachable(url: string, timeoutMs = 1_000): Promise<boolean> {
  const { hostname, port } = new URL(url);
  const defaultPort = url.startsWith('redis') ? 6379 : 5432;
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(Number(port || defaultPort), hostname.replace(/^\[|\]$/g, ''), () => done(true));
  });
}

/**
 * Checks a service before a suite. Use with top-level await in a test file:
 *
 *   const pg = await checkService('postgres');
 *   describe.skipIf(!pg.reachable)(`postgres ${pg.reason}`, () => { ... });
 *
 * Throws when the service is unreachable and `CI=true`, which fails the file loudly.
 */
export async function checkService(name: ServiceName): Promise<ServiceCheck> {
  const url = SERVICES[name];
  const ok = await reachable(url);
  if (!ok && process.env.CI === 'true') {
    throw new Error(`${name} is unreachable at ${url}, and CI=true: these tests must run in CI (start ${name}, see .ci/run)`);
  }
  if (!ok)
    console.warn(
      `[strata tests] skipping ${name} tests: nothing answers at ${url} (set STRATA_TEST_${name === 'postgres' ? 'PG' : 'REDIS'}_URL)`,
    );
  return { name, url, reachable: ok, reason: ok ? '' : `(skipped: ${name} unreachable at ${url})` };
}
