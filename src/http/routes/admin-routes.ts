import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ApiKeys } from '../../auth/api-keys.js';
import { StrataError } from '../../errors/strata-error.js';
import { authOf } from '../auth-hook.js';
import { ApiKeyList, CreatedKey, CreateKeyBody, EraseCounts, KeyParams } from '../schemas/admin.js';
import { UserParams } from '../schemas/common.js';
import { ERROR_RESPONSES, type RouteDeps, SECURITY, tenantMemory } from './route-kit.js';

/** Erasing a user, and (with API keys) managing the keys of the caller's tenant. */
export function adminRoutes(deps: RouteDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.delete(
      '/v1/users/:userId',
      {
        config: { scope: 'admin' },
        schema: {
          operationId: 'forgetUser',
          tags: ['admin'],
          summary: "Erase everything of one user in the caller's tenant: sessions, messages, memories, facts, indexes",
          security: SECURITY,
          params: UserParams,
          response: { 200: EraseCounts, ...ERROR_RESPONSES },
        },
      },
      async (request) => tenantMemory(deps, request).forgetUser(request.params.userId),
    );

    if (deps.auth.mode !== 'keys') return;
    const keys: ApiKeys = deps.auth.keys;

    app.post(
      '/v1/keys',
      {
        config: { scope: 'admin' },
        schema: {
          operationId: 'createKey',
          tags: ['admin'],
          summary: "Create an API key in the caller's tenant; the key is in this response only",
          security: SECURITY,
          body: CreateKeyBody,
          response: { 201: CreatedKey, ...ERROR_RESPONSES },
        },
      },
      async (request, reply) => {
        const created = await keys.create({ tenantId: authOf(request).tenantId, scopes: request.body.scopes, name: request.body.name });
        return reply.code(201).send({ key: created.token, apiKey: created.key });
      },
    );

    app.get(
      '/v1/keys',
      {
        config: { scope: 'admin' },
        schema: {
          operationId: 'listKeys',
          tags: ['admin'],
          summary: "The caller's tenant's active keys (never their secrets)",
          security: SECURITY,
          response: { 200: ApiKeyList, ...ERROR_RESPONSES },
        },
      },
      async (request) => ({ data: await keys.list(authOf(request).tenantId) }),
    );

    app.delete(
      '/v1/keys/:keyId',
      {
        config: { scope: 'admin' },
        schema: {
          operationId: 'revokeKey',
          tags: ['admin'],
          summary: "Revoke a key of the caller's tenant (takes effect on the next request)",
          security: SECURITY,
          params: KeyParams,
          response: { 200: CreatedKey.shape.apiKey, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const revoked = await keys.revoke(request.params.keyId, authOf(request).tenantId);
        if (!revoked)
          throw new StrataError('API_KEY_NOT_FOUND', 'no such API key in this tenant', { details: { keyId: request.params.keyId } });
        return revoked;
      },
    );
  };
}
