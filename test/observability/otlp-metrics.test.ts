import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/config/load-settings.js';
import { memoryInRam, TOPICS } from '../helpers/memory.js';

// A real HTTP server on loopback stands in for an OpenTelemetry collector: it records what the
// OTLP/HTTP exporter posts (no collector can be installed here). The payload is OTLP JSON.
let server: Server;
let url: string;
const posts: Array<{ path: string; type: string; body: string }> = [];

beforeAll(async () => {
  server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.setEncoding('utf8').on('data', (chunk: string) => {
      body += chunk;
    });
    request.on('end', () => {
      posts.push({ path: request.url ?? '', type: String(request.headers['content-type']), body });
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/metrics`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

describe('OTLP metrics export', () => {
  it('pushes the same metrics as /metrics to the collector, and the last ones when the service closes', async () => {
    const memory = await memoryInRam({ otlp: { url, intervalMs: 60_000 } });
    await memory.createSession({ id: 's', userId: 'u' });
    await memory.addMessages('s', [{ role: 'user', content: TOPICS[0] as string }]);
    await memory.search('dog', { userId: 'u' });
    expect(posts).toHaveLength(0);
    await memory.close();
    const metrics = posts.filter((post) => post.path === '/v1/metrics');
    expect(metrics.length).toBeGreaterThan(0);
    expect(metrics[0]?.type).toContain('application/json');
    const names = new Set(
      metrics.flatMap((post) => {
        const payload = JSON.parse(post.body) as {
          resourceMetrics: Array<{ scopeMetrics: Array<{ metrics: Array<{ name: string }> }> }>;
        };
        return payload.resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.name)));
      }),
    );
    for (const name of ['strata_messages_written_total', 'strata_operation_duration_seconds', 'strata_store_operation_duration_seconds']) {
      expect(names, name).toContain(name);
    }
    // No message text in what is pushed.
    expect(metrics.some((post) => post.body.includes('beagle'))).toBe(false);
  });

  it('STRATA_OTLP_METRICS_URL configures it for strata serve; a non-http URL is refused', () => {
    expect(loadSettings({ env: { STRATA_OTLP_METRICS_URL: url } }).otlpMetricsUrl).toBe(url);
    expect(() => loadSettings({ env: { STRATA_OTLP_METRICS_URL: 'ftp://x/y' } })).toThrow(/STRATA_OTLP_METRICS_URL/);
  });
});
