import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authOf } from '../auth-hook.js';
import { SetModeBody, TenantMode } from '../schemas/admin.js';
import { ERROR_RESPONSES, type RouteDeps, SECURITY } from './route-kit.js';

/** The memory mode of the caller's tenant: read it, set it (a kill switch or a cool-down), clear it. The global mode is the operator's (settings). */
export function modeRoutes(deps: RouteDeps): FastifyPluginAsyncZod {
  const view = (tenantId: string) => ({
    tenantId,
    mode: deps.memory.modes.modeFor(tenantId),
    global: deps.memory.modes.global,
    override: deps.memory.modes.override(tenantId),
  });
  return async (app) => {
    app.get(
      '/v1/mode',
      {
        config: { scope: 'admin' },
        schema: {
          operationId: 'getMode',
          tags: ['admin'],
          summary: "The memory mode of the caller's tenant",
          security: SECURITY,
          response: { 200: TenantMode, ...ERROR_RESPONSES },
        },
      },
      async (request) => view(authOf(request).tenantId),
    );

    app.put(
      '/v1/mode',
      {
        config: { scope: 'admin' },
        schema: {
          operationId: 'setMode',
          tags: ['admin'],
          summary: "Set the memory mode of the caller's tenant (off, write_only, read_write; null for the global mode)",
          security: SECURITY,
          body: SetModeBody,
          response: { 200: TenantMode, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const tenantId = authOf(request).tenantId;
        deps.memory.setMode(tenantId, request.body.mode, request.body.untilMs === undefined ? {} : { untilMs: request.body.untilMs });
        return view(tenantId);
      },
    );
  };
}
