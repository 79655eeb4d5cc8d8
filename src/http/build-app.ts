import { randomUUID } from 'node:crypto';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { createJsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { MemoryService } from '../core/memory-service.js';
import { StrataError } from '../errors/strata-error.js';
import { PrometheusMetrics } from '../observability/prometheus-metrics.js';
import { AccessLogController } from './access-log.js';
import { type HttpAuth, installAuth } from './auth-hook.js';
import { clientErrorHandler, frameworkErrorHandler, installErrorHandlers } from './error-handler.js';
import './fastify-augment.js';
import { installJsonBodyParser } from './json-body-parser.js';
import { MetricsHistory } from './metrics-history.js';
import { pruneUnusedComponents } from './openapi-document.js';
import { defaultProbes, type ReadinessProbes } from './readiness.js';
import { adminRoutes } from './routes/admin-routes.js';
import { factRoutes } from './routes/fact-routes.js';
import { healthRoutes } from './routes/health-routes.js';
import { inspectorRoutes } from './routes/inspector-routes.js';
import { mcpRoutes } from './routes/mcp-routes.js';
import { memoryRoutes } from './routes/memory-routes.js';
import { metricsRoutes } from './routes/metrics-routes.js';
import { modeRoutes } from './routes/mode-routes.js';
import { sessionRoutes } from './routes/session-routes.js';
import { defaultUiDir, uiRoutes } from './routes/ui-routes.js';

export interface RateLimitSettings {
  /** Requests per API key per window. */
  readonly max: number;
  readonly windowMs: number;
}

export interface BuildAppDeps {
  readonly memory: MemoryService;
  readonly auth: HttpAuth;
  /** Largest request body in bytes (default 1 MiB). */
  readonly bodyLimit?: number | undefined;
  /** Per-key rate limit; false for none. Default 600 requests a minute. */
  readonly rateLimit?: RateLimitSettings | false | undefined;
  /** Fastify's logger option (pino); default off. */
  readonly logger?: FastifyServerOptions['logger'] | undefined;
  /** Readiness checks per tier; default: the store answers, the embedder embeds. */
  readonly probes?: ReadinessProbes | undefined;
  /** Serve the API reference at /docs (default true). */
  readonly docs?: boolean | undefined;
  /** Longest a request may take to arrive, in ms (default 30 s). */
  readonly requestTimeoutMs?: number | undefined;
  /** Served at GET /metrics; default the memory service's own when it has Prometheus metrics. */
  readonly metrics?: PrometheusMetrics | undefined;
  /** Bearer token for /metrics; without it /metrics needs an admin key of tenant `default` (see routes/metrics-routes.ts). */
  readonly metricsToken?: string | undefined;
  /** The memory inspector's bundle served at /ui: default dist/ui when built; false for none. */
  readonly ui?: { readonly dir: string } | false | undefined;
  /** How often /v1/stats samples the process's metrics, in ms (default 10 s). */
  readonly statsIntervalMs?: number | undefined;
}

const DOCS_PREFIX = '/docs';

/**
 * The HTTP API over one MemoryService, built apart from `listen` (tests use `app.inject()`).
 * Every /v1 route takes its tenant from the API key and needs a scope; request and response
 * schemas come from ./schemas (zod) and make the OpenAPI 3.1 document at /openapi.json.
 * MCP (Streamable HTTP) is served at /mcp behind the same keys (see routes/mcp-routes.ts).
 */
export async function buildApp(deps: BuildAppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    requestTimeout: deps.requestTimeoutMs ?? 30_000,
    genReqId: () => randomUUID(),
    logController: new AccessLogController(),
    routerOptions: { maxParamLength: 256 },
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler,
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  installJsonBodyParser(app);
  installErrorHandlers(app);
  installAuth(app, deps.auth);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Strata',
        version: '1',
        description:
          'Tiered memory for AI agents. Every /v1 route needs an API key (`Authorization: Bearer strata_...` or `x-api-key`); ' +
          'the tenant comes from the key. Errors are application/problem+json (RFC 9457) with a stable `code`.',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'strata_<id>_<secret>' },
          apiKeyHeader: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
      tags: ['sessions', 'messages', 'retrieval', 'memories', 'facts', 'inspector', 'admin', 'mcp', 'health'].map((name) => ({ name })),
    },
    transform: createJsonSchemaTransform({ skipList: [`${DOCS_PREFIX}/*`, DOCS_PREFIX, '/openapi.json'] }),
    transformObject: pruneUnusedComponents,
  });
  if (deps.docs !== false) {
    // Swagger UI from the package's own files: no CDN.
    await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, uiConfig: { deepLinking: true } });
  }
  if (deps.rateLimit !== false) {
    const limit = deps.rateLimit ?? { max: 600, windowMs: 60_000 };
    await app.register(rateLimit, {
      global: true,
      max: limit.max,
      timeWindow: limit.windowMs,
      // Runs after the auth hook: limited per API key; requests without one (public routes) per address.
      keyGenerator: (request) => (request.auth ? `key:${request.auth.keyId}` : `ip:${request.ip}`),
      errorResponseBuilder: (_request, context) =>
        new StrataError(
          'RATE_LIMITED',
          `rate limit of ${context.max} requests per ${context.after} reached; retry after ${context.after}`,
          {
            details: { limit: context.max, retryAfterSeconds: Math.ceil(context.ttl / 1000) },
          },
        ),
    });
  }

  const routeDeps = { memory: deps.memory, auth: deps.auth };
  await app.register(healthRoutes(deps.probes ?? defaultProbes(deps.memory)));
  await app.register(sessionRoutes(routeDeps));
  await app.register(memoryRoutes(routeDeps));
  await app.register(factRoutes(routeDeps));
  await app.register(adminRoutes(routeDeps));
  await app.register(mcpRoutes(routeDeps));
  await app.register(modeRoutes(routeDeps));
  const metrics = deps.metrics ?? (deps.memory.metrics instanceof PrometheusMetrics ? deps.memory.metrics : undefined);
  if (metrics) await app.register(metricsRoutes(metrics, deps.metricsToken));
  const history = metrics ? new MetricsHistory(metrics, deps.statsIntervalMs) : null;
  await app.register(inspectorRoutes({ ...routeDeps, history }));
  if (history) app.addHook('onClose', async () => history.stop());
  if (deps.ui !== false) await app.register(uiRoutes(deps.ui?.dir ?? defaultUiDir()));
  await app.ready();
  history?.start();
  return app;
}
