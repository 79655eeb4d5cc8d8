import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ApiKeys } from '../auth/api-keys.js';
import { StrataError } from '../errors/strata-error.js';
import { API_KEY_SCOPES } from '../spec/api-key-store.js';
import type { AuthContext } from './fastify-augment.js';

/** How requests are authenticated: API keys, or none (`--no-auth`: tenant `default`, every scope; loopback only). */
export type HttpAuth = { readonly mode: 'keys'; readonly keys: ApiKeys } | { readonly mode: 'none' };

export const NO_AUTH_CONTEXT: AuthContext = { keyId: 'no-auth', tenantId: 'default', scopes: API_KEY_SCOPES };

/**
 * Every /v1 route declares the scope it needs (checked when the route is added). Before
 * anything else runs, the key is read from `Authorization: Bearer` or `x-api-key`, checked,
 * and its tenant and scopes set on the request. The tenant never comes from the request body.
 */
export function installAuth(app: FastifyInstance, auth: HttpAuth): void {
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith('/v1') && route.config?.scope === undefined) {
      throw new Error(`route ${route.method} ${route.url} declares no scope`);
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    const scope = request.routeOptions.config.scope;
    if (request.is404 || scope === undefined || scope === 'public') return;
    const context = auth.mode === 'none' ? NO_AUTH_CONTEXT : await authenticate(auth.keys, request);
    if (!context) {
      reply.header('www-authenticate', 'Bearer realm="strata"');
      throw new StrataError(
        'UNAUTHENTICATED',
        presentedKey(request) === null
          ? 'send an API key: "Authorization: Bearer strata_..." or "x-api-key: strata_..."'
          : 'the API key is not valid (malformed, unknown or revoked)',
      );
    }
    request.auth = context;
    if (!context.scopes.includes(scope)) {
      throw new StrataError('FORBIDDEN', `this route needs the "${scope}" scope; the API key has ${context.scopes.join(', ')}`, {
        details: { required: scope, scopes: context.scopes },
      });
    }
  });
}

async function authenticate(keys: ApiKeys, request: FastifyRequest): Promise<AuthContext | null> {
  const token = presentedKey(request);
  if (!token) return null;
  const key = await keys.authenticate(token);
  return key ? { keyId: key.id, tenantId: key.tenantId, scopes: key.scopes } : null;
}

/** The key from `Authorization: Bearer <key>` or `x-api-key: <key>`; '' when a header is there but malformed, null when none is. */
function presentedKey(request: FastifyRequest): string | null {
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') return /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] ?? '';
  const header = request.headers['x-api-key'];
  if (typeof header === 'string') return header.trim();
  return null;
}

/** The caller's auth context; routes that are not public always have one (the hook ran). */
export function authOf(request: FastifyRequest): AuthContext {
  if (!request.auth) throw new StrataError('UNAUTHENTICATED', 'no API key was checked for this request');
  return request.auth;
}
