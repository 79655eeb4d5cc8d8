import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings, SettingsError } from '../../src/config/load-settings.js';
import { isLoopbackHost } from '../../src/config/settings.js';
import { tempDir } from '../helpers/memory.js';

let dir: string;
let cleanup: () => void;
beforeAll(() => {
  ({ dir, cleanup } = tempDir());
});
afterAll(() => {
  cleanup();
});

const file = (name: string, content: unknown): string => {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

const problems = (run: () => unknown): readonly string[] => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SettingsError);
    return (error as SettingsError).problems;
  }
  throw new Error('expected a SettingsError');
};

describe('server settings', () => {
  it('defaults: loopback, port 7411, ./.strata, auth on, 1 MiB bodies, 600 requests a minute per key', () => {
    expect(loadSettings()).toEqual({
      host: '127.0.0.1',
      port: 7411,
      data: './.strata',
      auth: true,
      bodyLimit: 1024 * 1024,
      rateLimit: { enabled: true, max: 600, windowMs: 60_000 },
      shutdownTimeoutMs: 10_000,
      logLevel: 'info',
      docs: true,
      workers: 1,
      write: true,
      read: true,
      readDeadlineMs: 250,
      annThread: true,
      recordCacheMiB: 16,
      redaction: { enabled: true, style: 'tag', types: ['email', 'phone', 'card', 'iban', 'ip'], phoneCountries: ['US'] },
      store: 'sqlite',
      pgPoolMax: 10,
      pgSchema: 'strata',
      consolidateEveryMs: 300_000,
      embedding: { chain: ['offline'], allowDownload: false },
    });
  });

  it('merges flags > env > file > defaults, nested settings field by field', () => {
    const config = file('strata.json', {
      port: 1000,
      host: '::1',
      data: '/from/file',
      rateLimit: { max: 5, windowMs: 2000 },
      logLevel: 'debug',
    });
    const settings = loadSettings({
      configFile: config,
      env: { STRATA_PORT: '2000', STRATA_DATA: '/from/env', STRATA_RATE_LIMIT_MAX: '7', STRATA_AUTH: 'off' },
      flags: { port: 3000 },
    });
    expect(settings).toMatchObject({
      port: 3000,
      host: '::1',
      data: '/from/env',
      auth: false,
      logLevel: 'debug',
      rateLimit: { enabled: true, max: 7, windowMs: 2000 },
    });
    expect(loadSettings({ env: { STRATA_CONFIG: config } }).port).toBe(1000);
  });

  it('lists every problem with its source', () => {
    const config = file('bad.json', { port: 'eighty', rateLimit: { max: 0, burst: 2 }, colour: 'blue' });
    const found = problems(() =>
      loadSettings({ configFile: config, env: { STRATA_BODY_LIMIT: '12', STRATA_DOCS: 'maybe' }, flags: { host: '' } }),
    );
    expect(found).toEqual([
      `config file ${config}: port: port must be an integer from 0 to 65535`,
      `config file ${config}: rateLimit.max: rateLimit.max must be at least 1`,
      `config file ${config}: rateLimit: unknown setting(s) "burst"`,
      `config file ${config}: colour: unknown setting "colour"`,
      'STRATA_BODY_LIMIT: bodyLimit must be at least 1024',
      'STRATA_DOCS: docs must be true or false',
      '--host: host must not be empty',
    ]);
    expect(problems(() => loadSettings({ configFile: file('broken.json', '{ nope') }))[0]).toMatch(/not valid JSON/);
    expect(problems(() => loadSettings({ configFile: join(dir, 'missing.json') }))[0]).toMatch(/cannot be read \(ENOENT\)/);
    expect(problems(() => loadSettings({ configFile: file('array.json', [1]) }))[0]).toMatch(/must be a JSON object/);
  });

  it('workers: STRATA_WORKERS or --workers, 1 to 64', () => {
    expect(loadSettings({ env: { STRATA_WORKERS: '2' } }).workers).toBe(2);
    expect(loadSettings({ env: { STRATA_WORKERS: '2' }, flags: { workers: 3 } }).workers).toBe(3);
    expect(problems(() => loadSettings({ env: { STRATA_WORKERS: '0' } }))).toEqual(['STRATA_WORKERS: workers must be at least 1']);
    expect(problems(() => loadSettings({ flags: { workers: 'many' as unknown as number } }))).toEqual([
      '--workers: workers must be an integer from 1 to 64',
    ]);
  });

  it('annThread: STRATA_ANN_THREAD, a boolean', () => {
    expect(loadSettings({ env: { STRATA_ANN_THREAD: 'false' } }).annThread).toBe(false);
    expect(problems(() => loadSettings({ env: { STRATA_ANN_THREAD: 'sometimes' } }))[0]).toMatch(/^STRATA_ANN_THREAD: /);
  });

  it('recordCacheMiB: STRATA_RECORD_CACHE_MIB, 1 to 4096', () => {
    expect(loadSettings({ env: { STRATA_RECORD_CACHE_MIB: '64' } }).recordCacheMiB).toBe(64);
    expect(problems(() => loadSettings({ env: { STRATA_RECORD_CACHE_MIB: '0' } }))).toEqual([
      'STRATA_RECORD_CACHE_MIB: recordCacheMiB must be at least 1',
    ]);
  });

  it('--no-auth binds to loopback only', () => {
    expect(loadSettings({ flags: { auth: false } }).host).toBe('127.0.0.1');
    expect(loadSettings({ flags: { auth: false, host: 'localhost' } }).auth).toBe(false);
    expect(problems(() => loadSettings({ flags: { auth: false, host: '0.0.0.0' } }))[0]).toMatch(
      /loopback only; "0\.0\.0\.0" is not a loopback address/,
    );
    expect(problems(() => loadSettings({ env: { STRATA_HOST: '192.168.1.5' }, flags: { auth: false } }))).toHaveLength(1);
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]']) expect(isLoopbackHost(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '127.0.0.256', '127.0.0', 'localhost.evil.com', '1.127.0.0.1'])
      expect(isLoopbackHost(host), host).toBe(false);
  });
});
