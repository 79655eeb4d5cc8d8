import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { decodeIdCursor, encodeCursor, pageOf } from '../cursor.js';
import { MemoryParams } from '../schemas/common.js';
import { ListMemoriesQuery, Memory, MemoryPage, RememberBody, RememberResponse, UpdateMemoryBody } from '../schemas/memories.js';
import { SearchBody, SearchResponse } from '../schemas/retrieval.js';
import { ERROR_RESPONSES, type RouteDeps, SECURITY, tenantMemory } from './route-kit.js';

/** Long-term memories (CRUD) and hybrid search over them. */
export function memoryRoutes(deps: RouteDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/v1/search',
      {
        config: { scope: 'read' },
        schema: {
          operationId: 'search',
          tags: ['retrieval'],
          summary: 'Hybrid search (BM25 + vectors, fused) with a score breakdown per result',
          security: SECURITY,
          body: SearchBody,
          response: { 200: SearchResponse, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const { query, ...options } = request.body;
        return tenantMemory(deps, request).search(query, options);
      },
    );

    app.post(
      '/v1/memories',
      {
        config: { scope: 'write' },
        schema: {
          operationId: 'remember',
          tags: ['memories'],
          summary: 'Store a memory; the same text in the same scope returns the stored one (200)',
          security: SECURITY,
          body: RememberBody,
          response: { 200: RememberResponse, 201: RememberResponse, ...ERROR_RESPONSES },
        },
      },
      async (request, reply) => {
        const result = await tenantMemory(deps, request).remember(request.body);
        return reply.code(result.created ? 201 : 200).send(result);
      },
    );

    app.get(
      '/v1/memories',
      {
        config: { scope: 'read' },
        schema: {
          operationId: 'listMemories',
          tags: ['memories'],
          summary: 'List memories, oldest first, with filters',
          security: SECURITY,
          querystring: ListMemoriesQuery,
          response: { 200: MemoryPage, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const { limit, cursor, ...filter } = request.query;
        const rows = await tenantMemory(deps, request).listMemories({ ...filter, limit: limit + 1, after: decodeIdCursor(cursor) });
        return pageOf(rows, limit, (last) => encodeCursor('id', last.id));
      },
    );

    app.get(
      '/v1/memories/:memoryId',
      {
        config: { scope: 'read' },
        schema: {
          operationId: 'getMemory',
          tags: ['memories'],
          security: SECURITY,
          params: MemoryParams,
          response: { 200: Memory, ...ERROR_RESPONSES },
        },
      },
      async (request) => tenantMemory(deps, request).getMemory(request.params.memoryId),
    );

    app.patch(
      '/v1/memories/:memoryId',
      {
        config: { scope: 'write' },
        schema: {
          operationId: 'updateMemory',
          tags: ['memories'],
          summary: 'Change text (re-embedded), tags, importance or metadata',
          security: SECURITY,
          params: MemoryParams,
          body: UpdateMemoryBody,
          response: { 200: Memory, ...ERROR_RESPONSES },
        },
      },
      async (request) => tenantMemory(deps, request).updateMemory(request.params.memoryId, request.body),
    );

    app.delete(
      '/v1/memories/:memoryId',
      {
        config: { scope: 'write' },
        schema: {
          operationId: 'forget',
          tags: ['memories'],
          summary: 'Delete a memory from the table and every index',
          security: SECURITY,
          params: MemoryParams,
          response: { 204: z.undefined().describe('deleted'), ...ERROR_RESPONSES },
        },
      },
      async (request, reply) => {
        await tenantMemory(deps, request).forget(request.params.memoryId);
        return reply.code(204).send();
      },
    );
  };
}
