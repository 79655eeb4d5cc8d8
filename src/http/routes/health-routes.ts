import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { checkReadiness, type ReadinessProbes } from '../readiness.js';
import { Health, Readiness } from '../schemas/admin.js';

/** Liveness, readiness per tier, and the OpenAPI document: public, not rate limited. */
export function healthRoutes(probes: ReadinessProbes): FastifyPluginAsyncZod {
  const started = Date.now();
  return async (app) => {
    app.get(
      '/health',
      {
        config: { scope: 'public', rateLimit: false },
        schema: { operationId: 'health', tags: ['health'], summary: 'Liveness: the process answers', response: { 200: Health } },
      },
      async () => ({ status: 'ok' as const, uptimeMs: Date.now() - started, pid: process.pid }),
    );

    app.get(
      '/ready',
      {
        config: { scope: 'public', rateLimit: false },
        schema: {
          operationId: 'ready',
          tags: ['health'],
          summary: 'Readiness of each tier (store: reachable, migrated; embedder: loaded, model)',
          response: { 200: Readiness, 503: Readiness },
        },
      },
      async (_request, reply) => {
        const readiness = await checkReadiness(probes);
        return reply.code(readiness.status === 'ready' ? 200 : 503).send(readiness);
      },
    );

    app.get('/openapi.json', { config: { scope: 'public', rateLimit: false }, schema: { hide: true } }, async () => app.swagger());
  };
}
