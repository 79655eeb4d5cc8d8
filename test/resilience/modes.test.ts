import { afterEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import { loadSettings, SettingsError } from '../../src/config/load-settings.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { buildApp } from '../../src/http/build-app.js';
import type { PrometheusMetrics } from '../../src/observability/prometheus-metrics.js';
import { modeFromFlags } from '../../src/resilience/memory-modes.js';
import { expectStrataError, memoryInRam, snapshot, TOPICS } from '../helpers/memory.js';

let memory: MemoryService;

afterEach(async () => {
  await memory?.close();
});

async function withTurns(options: Parameters<typeof memoryInRam>[0] = {}): Promise<MemoryService> {
  memory = await memoryInRam(options);
  await memory.createSession({ id: 's1', userId: 'u1' });
  await memory.addMessages('s1', [
    { role: 'user', content: TOPICS[0] },
    { role: 'assistant', content: TOPICS[1] },
  ]);
  return memory;
}

describe('mode off', () => {
  it('accepts writes as no-ops that say so, and stores nothing', async () => {
    const m = await withTurns();
    m.setGlobalMode('off');
    const before = await snapshot(m, 's1');
    const added = await m.addMessages('s1', [{ role: 'user', content: 'not kept', clientMsgId: 'c1' }]);
    expect(added).toEqual([{ id: '', seq: 0, clientMsgId: 'c1', created: false, memoryId: null, skipped: 'mode_off' }]);
    const remembered = await m.remember({ userId: 'u1', text: 'not kept either' });
    expect(remembered).toMatchObject({ created: false, skipped: 'mode_off', memory: { id: '', text: 'not kept either' } });
    m.setGlobalMode('read_write');
    expect(await snapshot(m, 's1')).toEqual(before);
  });

  it('answers reads with nothing: used false, reason mode_off', async () => {
    const m = await withTurns();
    m.setGlobalMode('off');
    expect(await m.search(TOPICS[0], { userId: 'u1' })).toMatchObject({ results: [], used: false, reason: 'mode_off' });
    const context = await m.getContext('s1', { query: 'beagle' });
    expect(context).toMatchObject({ used: false, reason: 'mode_off', items: [], text: '' });
    // Bad input is still an error.
    await expectStrataError(m.getContext('s1', { tokenBudget: -1 }), 'INVALID_INPUT');
  });
});

describe('mode write_only', () => {
  it('stores writes; search returns no memories; getContext is the recent-turns fallback', async () => {
    const m = await withTurns();
    m.setMode('default', 'write_only');
    const [added] = await m.addMessages('s1', [{ role: 'user', content: TOPICS[2] }]);
    expect(added?.created).toBe(true);
    expect((await m.listMessages('s1')).length).toBe(3);
    expect(await m.search(TOPICS[2], { userId: 'u1' })).toMatchObject({ results: [], used: false, reason: 'mode_write_only' });
    const context = await m.getContext('s1', { query: 'harbour castle' });
    expect(context).toMatchObject({ used: false, reason: 'mode_write_only' });
    expect(context.items.map((item) => item.kind)).toEqual(['turn', 'turn', 'turn']);
    expect(context.text).toContain(TOPICS[2]);
    await expectStrataError(m.getContext('nope'), 'SESSION_NOT_FOUND');
    m.setMode('default', null);
    expect((await m.search(TOPICS[2], { userId: 'u1' })).results.length).toBeGreaterThan(0);
  });
});

describe('modes per tenant', () => {
  it('a tenant override applies to that tenant only; clearing it returns to the global mode', async () => {
    memory = await memoryInRam();
    const acme = memory.forTenant('acme');
    const globex = memory.forTenant('globex');
    memory.setMode('acme', 'write_only');
    expect(acme.mode).toBe('write_only');
    expect(globex.mode).toBe('read_write');
    memory.setGlobalMode('off');
    expect(acme.mode).toBe('write_only');
    expect(globex.mode).toBe('off');
    memory.setMode('acme', null);
    expect(acme.mode).toBe('off');
    await expectStrataError(async () => memory.setMode('acme', 'sometimes' as never), 'INVALID_INPUT');
  });

  it('an override with untilMs is a cool-down that lapses (service clock)', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    memory = await memoryInRam({ clock: () => now });
    memory.setMode('acme', 'write_only', { untilMs: now + 60_000, reason: 'upstream 401s' });
    expect(memory.forTenant('acme').mode).toBe('write_only');
    now += 60_001;
    expect(memory.forTenant('acme').mode).toBe('read_write');
    expect(memory.modes.snapshot().tenants).toEqual({});
  });

  it('the mode is on /ready and in the strata_memory_mode gauge', async () => {
    memory = await memoryInRam({ mode: 'write_only' });
    memory.setMode('acme', 'off');
    const app = await buildApp({ memory, auth: { mode: 'none' }, docs: false, rateLimit: false });
    try {
      const ready = (await app.inject({ method: 'GET', url: '/ready' })).json();
      expect(ready.status).toBe('ready');
      expect(ready.tiers.modes).toEqual({ status: 'ready', mode: 'write_only', tenantOverrides: { off: 1 } });
      const body = (await (memory.metrics as PrometheusMetrics).render()).body;
      expect(body).toContain('strata_memory_mode{tenant="*",mode="write_only"} 1');
      expect(body).toContain('strata_memory_mode{tenant="*",mode="read_write"} 0');
      expect(body).toContain('strata_memory_mode{tenant="acme",mode="off"} 1');
    } finally {
      await app.close();
    }
  });
});

describe('global mode from settings', () => {
  it('STRATA_WRITE / STRATA_READ: both read_write, write only write_only, neither off; reads without writes refused', async () => {
    const mode = (env: NodeJS.ProcessEnv) => {
      const settings = loadSettings({ env });
      return modeFromFlags(settings.write, settings.read);
    };
    expect(mode({})).toBe('read_write');
    expect(mode({ STRATA_READ: 'false' })).toBe('write_only');
    expect(mode({ STRATA_WRITE: 'false', STRATA_READ: 'false' })).toBe('off');
    expect(() => loadSettings({ env: { STRATA_WRITE: 'false' } })).toThrow(SettingsError);
    expect(() => loadSettings({ env: { STRATA_READ: 'maybe' } })).toThrow(/STRATA_READ/);
    memory = await createMemory({ path: ':memory:', mode: mode({ STRATA_READ: 'off' }) });
    expect(memory.mode).toBe('write_only');
  });
});
