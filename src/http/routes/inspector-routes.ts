import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { auditUserFacts, listTenantUsers, memoryKindCounts, scanTenantUsers } from '../../core/tenant-inspection.js';
import { authOf } from '../auth-hook.js';
import type { MetricsHistory } from '../metrics-history.js';
import { FactAudit, FactAuditQuery, TenantStats, UserList, Whoami } from '../schemas/inspector.js';
import { ERROR_RESPONSES, type RouteDeps, SECURITY, tenantMemory } from './route-kit.js';

/**
 * Read-only views for the memory inspector (/ui): the tenant's users, a user's fact rules and
 * violations, and the tenant's counts with the process's recent latency and hit rates. The
 * tenant comes from the key, as on every /v1 route.
 */
export function inspectorRoutes(deps: RouteDeps & { readonly history: MetricsHistory | null }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      '/v1/whoami',
      {
        config: { scope: 'read' },
        schema: {
          operationId: 'whoami',
          tags: ['inspector'],
          summary: "The request's API key: its tenant, id and scopes (what a client may offer its user)",
          security: SECURITY,
          response: { 200: Whoami, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const { tenantId, keyId, scopes } = authOf(request);
        return { tenantId, keyId, scopes };
      },
    );

    app.get(
      '/v1/users',
      {
        config: { scope: 'read' },
        schema: {
          operationId: 'listUsers',
          tags: ['inspector'],
          summary: "The tenant's users (from its sessions and memories) with their counts, by user id",
          security: SECURITY,
          response: { 200: UserList, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const directory = await listTenantUsers(tenantMemory(deps, request));
        return { data: directory.users, partial: directory.partial };
      },
    );

    app.get(
      '/v1/facts/audit',
      {
        config: { scope: 'read' },
        schema: {
          operationId: 'factAudit',
          tags: ['facts'],
          summary: "A user's fact rules and the stored versions that break them (checked against the current rule)",
          security: SECURITY,
          querystring: FactAuditQuery,
          response: { 200: FactAudit, ...ERROR_RESPONSES },
        },
      },
      async (request) => auditUserFacts(tenantMemory(deps, request), request.query),
    );

    app.get(
      '/v1/stats',
      {
        config: { scope: 'read' },
        schema: {
          operationId: 'stats',
          tags: ['inspector'],
          summary: "The tenant's record counts, and the process's recent latency and cache hit rates",
          security: SECURITY,
          response: { 200: TenantStats, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const memory = tenantMemory(deps, request);
        const [scan, memoriesByKind] = await Promise.all([scanTenantUsers(memory), memoryKindCounts(memory)]);
        return {
          tenantId: memory.tenantId,
          mode: memory.mode,
          counts: {
            users: scan.users.size,
            sessions: [...scan.users.values()].reduce((n, user) => n + user.sessions, 0),
            memories: Object.values(memoriesByKind).reduce((n, count) => n + count, 0),
            memoriesByKind,
            partial: scan.partial,
          },
          process: deps.history ? { intervalMs: deps.history.intervalMs, points: [...deps.history.recent()] } : null,
        };
      },
    );
  };
}
