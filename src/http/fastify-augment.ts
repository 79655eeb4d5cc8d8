import type { ApiKeyScope } from '../spec/api-key-store.js';

/** Who is calling: the tenant and scopes of the API key (or of --no-auth mode). */
export interface AuthContext {
  readonly keyId: string;
  readonly tenantId: string;
  readonly scopes: readonly ApiKeyScope[];
}

/** What a route needs: a scope, or nothing (`public`: health, readiness, docs). */
export type RouteScope = ApiKeyScope | 'public';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Required on every /v1 route (checked when the route is added). */
    scope?: RouteScope;
  }
  interface FastifyRequest {
    /** Set by the auth hook on every route whose scope is not `public`. */
    auth?: AuthContext;
  }
}
