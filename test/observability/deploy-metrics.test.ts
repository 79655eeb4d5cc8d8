import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type StrataServer } from '../../src/config/create-server.js';
import { loadSettings } from '../../src/config/load-settings.js';
import { tempDir } from '../helpers/memory.js';

const ROOT = join(import.meta.dirname, '..', '..');
const METRICS_TOKEN = 'scrape-token-0123456789abcdef';

/** Metric names a PromQL expression uses (`strata_...`), histogram series reduced to their metric. */
function metricNames(text: string): string[] {
  return [...new Set([...text.matchAll(/\bstrata_[a-z0-9_]+/g)].map((m) => m[0].replace(/_(bucket|sum|count)$/, '')))];
}

function dashboardExpressions(): string[] {
  const dashboard = JSON.parse(readFileSync(join(ROOT, 'deploy/grafana/strata-dashboard.json'), 'utf8')) as {
    panels: Array<{ targets: Array<{ expr: string }> }>;
  };
  return dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
}

/** Names with a `# TYPE` line in an exposition: exported, whether or not they have samples yet. */
function exported(body: string): Set<string> {
  return new Set([...body.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1] as string));
}

async function start(flags: Parameters<typeof loadSettings>[0] = {}): Promise<{ server: StrataServer; base: string; cleanup: () => void }> {
  const { dir, cleanup } = tempDir();
  const settings = loadSettings({ ...flags, flags: { data: dir, port: 0, logLevel: 'silent', docs: false, ...flags.flags } });
  const server = await createServer(settings);
  const base = await server.app.listen({ host: '127.0.0.1', port: 0 });
  return { server, base, cleanup };
}

describe('GET /metrics on a real server, and the names deploy/ queries', () => {
  let s: Awaited<ReturnType<typeof start>>;
  let admin: string;

  beforeAll(async () => {
    s = await start();
    admin = s.server.firstAdminKey as string;
    // Some traffic, so that labelled series have samples too.
    const headers = { authorization: `Bearer ${admin}`, 'content-type': 'application/json' };
    await fetch(`${s.base}/v1/sessions`, { method: 'POST', headers, body: JSON.stringify({ id: 's1', userId: 'u1' }) });
    await fetch(`${s.base}/v1/sessions/s1/messages`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ messages: [{ role: 'user', content: 'call me on +44 7911 123456' }] }),
    });
    await fetch(`${s.base}/v1/sessions/s1/context`, { method: 'POST', headers, body: JSON.stringify({ query: 'phone' }) });
  });
  afterAll(async () => {
    await s.server.close();
    s.cleanup();
  });

  it('needs an admin key of tenant default', async () => {
    expect((await fetch(`${s.base}/metrics`)).status).toBe(401);
    const reader = (await s.server.keys?.create({ tenantId: 'default', scopes: ['read'] }))?.token;
    expect((await fetch(`${s.base}/metrics`, { headers: { authorization: `Bearer ${reader}` } })).status).toBe(403);
    const otherAdmin = (await s.server.keys?.create({ tenantId: 'acme', scopes: ['admin'] }))?.token;
    const other = await fetch(`${s.base}/metrics`, { headers: { authorization: `Bearer ${otherAdmin}` } });
    expect(other.status).toBe(403);
    expect(((await other.json()) as { code: string }).code).toBe('FORBIDDEN');
  });

  it('exports every metric the Grafana dashboard and the alert rules query', async () => {
    const response = await fetch(`${s.base}/metrics`, { headers: { authorization: `Bearer ${admin}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const body = await response.text();
    const names = exported(body);
    const wanted = [
      ...metricNames(dashboardExpressions().join('\n')),
      ...metricNames(readFileSync(join(ROOT, 'deploy/prometheus/alerts.yml'), 'utf8')),
    ];
    expect(wanted.length).toBeGreaterThan(10);
    for (const name of wanted) expect(names.has(name), `${name} is queried by deploy/ but not exported`).toBe(true);
    // Served by a real process: its own process metrics, the traffic above, the record counts of the file.
    expect(names.has('strata_process_cpu_seconds_total')).toBe(true);
    expect(body).toMatch(/^strata_redactions_total\{type="phone"\} 1$/m);
    expect(body).toMatch(/^strata_records\{kind="messages"\} 1$/m);
    expect(body).toMatch(/^strata_operation_duration_seconds_count\{operation="get_context",outcome="ok"\} 1$/m);
  });
});

describe('GET /metrics with a metrics token', () => {
  it('accepts the token only (not API keys)', async () => {
    const s = await start({ env: { STRATA_METRICS_TOKEN: METRICS_TOKEN } });
    try {
      const get = (authorization?: string) => fetch(`${s.base}/metrics`, authorization ? { headers: { authorization } } : {});
      expect((await get()).status).toBe(401);
      expect((await get(`Bearer ${METRICS_TOKEN}x`)).status).toBe(401);
      expect((await get(`Bearer ${s.server.firstAdminKey}`)).status).toBe(401);
      const ok = await get(`Bearer ${METRICS_TOKEN}`);
      expect(ok.status).toBe(200);
      expect(await ok.text()).toContain('# TYPE strata_memory_mode gauge');
    } finally {
      await s.server.close();
      s.cleanup();
    }
  });
});
