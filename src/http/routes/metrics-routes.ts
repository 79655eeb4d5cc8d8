import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync } from 'fastify';
import { StrataError } from '../../errors/strata-error.js';
import type { PrometheusMetrics } from '../../observability/prometheus-metrics.js';
import { authOf } from '../auth-hook.js';

/** The tenant whose admin keys may read /metrics (metrics are process-wide: the operator's tenant). */
export const OPERATOR_TENANT = 'default';

/**
 * GET /metrics in the Prometheus text format. Who may scrape:
 * - with a `metricsToken`: `Authorization: Bearer <metricsToken>` (a scraper's credentials file), nothing else;
 * - otherwise an admin API key of the operator tenant `default` (metrics span every tenant);
 * - with auth off (loopback only): anyone who can reach the port.
 * Not rate limited, like /health and /ready.
 */
export function metricsRoutes(metrics: PrometheusMetrics, metricsToken: string | undefined): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/metrics',
      {
        config: { scope: metricsToken === undefined ? 'admin' : 'public', rateLimit: false },
        schema: { hide: true },
      },
      async (request, reply) => {
        if (metricsToken === undefined) {
          if (authOf(request).tenantId !== OPERATOR_TENANT) {
            throw new StrataError(
              'FORBIDDEN',
              `metrics span every tenant: use an admin key of tenant "${OPERATOR_TENANT}" or the metrics token`,
            );
          }
        } else if (!tokenMatches(request.headers.authorization, metricsToken)) {
          reply.header('www-authenticate', 'Bearer realm="strata-metrics"');
          throw new StrataError('UNAUTHENTICATED', 'send the metrics token: "Authorization: Bearer <metricsToken>"');
        }
        const { contentType, body } = await metrics.render();
        return reply.type(contentType).send(body);
      },
    );
  };
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const presented = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1] : undefined;
  if (presented === undefined) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}
