import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ROOT } from '../helpers/cli.js';
import { type QdrantStandIn, startQdrantStandIn } from '../helpers/qdrant-stand-in.js';

// No Docker engine runs here: the stack is checked by parsing deploy/docker-compose.yml and
// deploy/Dockerfile, and the Qdrant health check's bash command runs against the loopback
// Qdrant stand-in (test/helpers/qdrant-stand-in.ts).

interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  environment?: Record<string, string>;
  volumes?: string[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] | string; interval?: string };
}

const compose = parse(readFileSync(join(ROOT, 'deploy', 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
};
const dockerfile = readFileSync(join(ROOT, 'deploy', 'Dockerfile'), 'utf8');

/** Every TypeScript source under src/, concatenated (to find the environment variables Strata reads). */
function sources(dir = join(ROOT, 'src')): string {
  return readdirSync(dir)
    .map((entry) => join(dir, entry))
    .map((path) => (statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? readFileSync(path, 'utf8') : ''))
    .join('\n');
}

describe('deploy/docker-compose.yml', () => {
  it('runs Strata beside PostgreSQL with pgvector, Redis 7 and Qdrant', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['grafana', 'postgres', 'prometheus', 'qdrant', 'redis', 'strata']);
    expect(compose.services.postgres?.image).toBe('pgvector/pgvector:pg16');
    expect(compose.services.redis?.image).toMatch(/^redis:7(\.|-|$)/);
    expect(compose.services.qdrant?.image).toMatch(/^qdrant\/qdrant:v\d+\.\d+\.\d+$/);
    expect(compose.services.strata?.build).toEqual({ context: '..', dockerfile: 'deploy/Dockerfile' });
  });

  it('gives every service a health check, and Strata waits for the others to be healthy', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      const test = service.healthcheck?.test;
      expect(Array.isArray(test) ? test[0] : test, `${name} has a healthcheck`).toMatch(/^CMD(-SHELL)?$/);
    }
    expect(compose.services.strata?.depends_on).toEqual({
      postgres: { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
      qdrant: { condition: 'service_healthy' },
    });
  });

  it('keeps state in named volumes, each declared', () => {
    const used = Object.values(compose.services).flatMap((service) => (service.volumes ?? []).map((volume) => volume.split(':')[0]));
    const named = used.filter((volume) => !volume?.startsWith('.'));
    expect(named.sort()).toEqual(['grafana-data', 'postgres-data', 'prometheus-data', 'qdrant-data', 'redis-data', 'strata-data']);
    expect(Object.keys(compose.volumes).sort()).toEqual(named.sort());
    // The files mounted from deploy/ exist.
    for (const file of used.filter((volume) => volume?.startsWith('.'))) {
      expect(
        statSync(join(ROOT, 'deploy', file as string)).isFile() || statSync(join(ROOT, 'deploy', file as string)).isDirectory(),
        file,
      ).toBe(true);
    }
  });

  it('has Prometheus scrape Strata /metrics with the token Strata is given, and Grafana load the dashboard', () => {
    const config = parse(readFileSync(join(ROOT, 'deploy', 'prometheus', 'prometheus.yml'), 'utf8')) as {
      rule_files: string[];
      scrape_configs: Array<{
        metrics_path: string;
        authorization: { type: string; credentials_file: string };
        static_configs: Array<{ targets: string[] }>;
      }>;
    };
    const [job] = config.scrape_configs;
    expect(job?.metrics_path).toBe('/metrics');
    expect(job?.static_configs[0]?.targets).toEqual([`strata:${compose.services.strata?.environment?.STRATA_PORT}`]);
    expect(config.rule_files).toEqual(['alerts.yml']);
    const token = readFileSync(join(ROOT, 'deploy', 'prometheus', job?.authorization.credentials_file as string), 'utf8').trim();
    expect(compose.services.strata?.environment?.STRATA_METRICS_TOKEN).toBe(`\${STRATA_METRICS_TOKEN:-${token}}`);
    const grafana = compose.services.grafana?.volumes ?? [];
    expect(grafana).toContain('./grafana/strata-dashboard.json:/var/lib/grafana/dashboards/strata-dashboard.json:ro');
  });

  it('wires Strata to the other services through the environment variables Strata reads', () => {
    const env = compose.services.strata?.environment ?? {};
    expect(env).toMatchObject({ STRATA_STORE: 'postgres', REDIS_URL: 'redis://redis:6379/0', QDRANT_URL: 'http://qdrant:6333' });
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/strata:.+@postgres:5432\/strata$/);
    const code = sources();
    for (const name of Object.keys(env)) {
      const read = new RegExp(`(env\\.${name}\\b|name: '${name}')`).test(code);
      expect(read, `src/ reads ${name}`).toBe(true);
    }
  });

  describe('the Qdrant health check (bash, no curl in the image)', () => {
    let standIn: QdrantStandIn;
    beforeAll(async () => {
      standIn = await startQdrantStandIn();
    });
    afterAll(async () => {
      await standIn.close();
    });

    /** The check as compose runs it: `$$` unescaped, the port moved to the stand-in's. */
    // Asynchronous: the stand-in answers from this process's event loop.
    async function runCheck(): Promise<number> {
      const [cmd, shell, flag, script] = (compose.services.qdrant?.healthcheck?.test ?? []) as string[];
      expect([cmd, shell, flag]).toEqual(['CMD', 'bash', '-c']);
      const port = new URL(standIn.url).port;
      const local = (script as string).replaceAll('$$', '$').replace('/dev/tcp/127.0.0.1/6333', `/dev/tcp/127.0.0.1/${port}`);
      return new Promise((resolve, reject) => {
        const child = spawn('bash', ['-c', local], { stdio: 'ignore', timeout: 10_000 });
        child.on('error', reject);
        child.on('close', (code) => resolve(code ?? -1));
      });
    }

    it('passes when /readyz answers 200 and fails when it does not', async () => {
      expect(await runCheck()).toBe(0);
      standIn.failing = true;
      try {
        expect(await runCheck()).not.toBe(0);
      } finally {
        standIn.failing = false;
      }
      expect(standIn.requests.filter((request) => request.path === '/readyz').length).toBe(2);
    });
  });
});

describe('deploy/Dockerfile', () => {
  it('builds on node:20-bookworm with the native toolchain, npm ci and npm run build, and runs serve', () => {
    expect(dockerfile).toMatch(/^FROM node:20-bookworm AS build$/m);
    expect(dockerfile).toMatch(/apt-get install [^\n]*python3 make g\+\+/);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/^RUN npm run build\b/m);
    expect(dockerfile).toMatch(/^CMD \["node", "bin\/strata\.js", "serve"\]$/m);
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});
