import type { FastifyRequest } from 'fastify';
import type { MemoryService } from '../../core/memory-service.js';
import { authOf, type HttpAuth } from '../auth-hook.js';
import { Problem } from '../schemas/common.js';

/** What every route module receives. */
export interface RouteDeps {
  readonly memory: MemoryService;
  readonly auth: HttpAuth;
}

/** Error responses every /v1 route may give (documented once, serialised as problem+json). */
const problem = (description: string) => ({ description, content: { 'application/problem+json': { schema: Problem } } });
export const ERROR_RESPONSES = {
  '4xx': problem('problem details: the request was refused (see `code`)'),
  '5xx': problem('problem details: the server or a backing store failed (see `code`)'),
} as const;

/** OpenAPI security requirement of every /v1 route: either header carries the key. */
export const SECURITY: Array<Record<string, string[]>> = [{ bearerAuth: [] }, { apiKeyHeader: [] }];

/** The memory service of the caller's tenant: the tenant comes from the API key, never from the request. */
export function tenantMemory(deps: RouteDeps, request: FastifyRequest): MemoryService {
  return deps.memory.forTenant(authOf(request).tenantId);
}
