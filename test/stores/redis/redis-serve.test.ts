import { describe, expect, test } from 'vitest';
import { createServer } from '../../../src/config/create-server.js';
import { loadSettings, SettingsError } from '../../../src/config/load-settings.js';
import { tempDir } from '../../helpers/memory.js';
import { freePort } from '../../helpers/redis.js';
import { checkService } from '../../helpers/services.js';

const redis = await checkService('redis');

describe('strata serve settings: Redis', () => {
  test('REDIS_URL and STRATA_REDIS_URL (which wins) set redisUrl; anything but a redis URL is refused', () => {
    expect(loadSettings({ env: { REDIS_URL: 'redis://cache:6379' } }).redisUrl).toBe('redis://cache:6379');
    expect(loadSettings({ env: { REDIS_URL: 'redis://a:1', STRATA_REDIS_URL: 'rediss://b:2' } }).redisUrl).toBe('rediss://b:2');
    expect(loadSettings({ flags: { redisUrl: 'redis://flag:1' }, env: { REDIS_URL: 'redis://env:1' } }).redisUrl).toBe('redis://flag:1');
    expect(loadSettings().redisUrl).toBeUndefined();
    expect(() => loadSettings({ env: { REDIS_URL: 'http://cache:6379' } })).toThrow(SettingsError);
  });
});

describe.skipIf(!redis.reachable)(`strata serve with Redis ${redis.reason}`, () => {
  const serve = async (redisUrl: string) => {
    const dir = tempDir();
    const settings = loadSettings({ flags: { data: dir.dir, auth: false, logLevel: 'silent', redisUrl } });
    const server = await createServer(settings);
    return {
      server,
      close: async () => {
        await server.close();
        dir.cleanup();
      },
    };
  };

  test('/ready reports Redis reachable with the PING latency', async () => {
    const { server, close } = await serve(redis.url);
    try {
      const ready = await server.app.inject({ method: 'GET', url: '/ready' });
      expect(ready.statusCode).toBe(200);
      const body = ready.json() as { status: string; tiers: Record<string, Record<string, unknown>> };
      expect(body.status).toBe('ready');
      expect(body.tiers.redis).toMatchObject({ status: 'ready', reachable: true, degraded: false, host: '127.0.0.1:6379' });
      expect(body.tiers.redis?.latencyMs).toEqual(expect.any(Number));
    } finally {
      await close();
    }
  });

  test('an unreachable Redis leaves the service ready but degraded, and it still serves', async () => {
    const { server, close } = await serve(`redis://127.0.0.1:${await freePort()}`);
    try {
      const ready = await server.app.inject({ method: 'GET', url: '/ready' });
      const body = ready.json() as { status: string; tiers: Record<string, Record<string, unknown>> };
      expect(body.tiers.redis).toMatchObject({ status: 'ready', reachable: false, degraded: true });
      const created = await server.app.inject({ method: 'POST', url: '/v1/sessions', payload: { id: 'chat', userId: 'alice' } });
      expect(created.statusCode).toBeLessThan(300);
    } finally {
      await close();
    }
  });
});
