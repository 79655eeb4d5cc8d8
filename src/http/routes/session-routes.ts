import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { StrataError } from '../../errors/strata-error.js';
import { decodeIdCursor, decodeSeqCursor, encodeCursor, pageOf } from '../cursor.js';
import { SessionParams } from '../schemas/common.js';
import { ContextBody, ContextResponse } from '../schemas/retrieval.js';
import {
  AddMessagesBody,
  AddMessagesResponse,
  CreateSessionBody,
  ListMessagesQuery,
  ListSessionsQuery,
  MessagePage,
  Session,
  SessionPage,
} from '../schemas/sessions.js';
import { ERROR_RESPONSES, type RouteDeps, SECURITY, tenantMemory } from './route-kit.js';

/** Sessions, their messages, and the context for the next model call. */
export function sessionRoutes(deps: RouteDeps): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/v1/sessions',
      {
        config: { scope: 'write' },
        schema: {
          operationId: 'createSession',
          tags: ['sessions'],
          summary: 'Create a session (or return it when it exists with the same scope)',
          security: SECURITY,
          body: CreateSessionBody,
          response: { 200: Session, 201: Session, ...ERROR_RESPONSES },
        },
      },
      async (request, reply) => {
        const memory = tenantMemory(deps, request);
        const existed =
          request.body.id !== undefined &&
          (await memory.getSession(request.body.id).then(
            () => true,
            (error: unknown) => {
              if (StrataError.is(error, 'SESSION_NOT_FOUND')) return false;
              throw error;
            },
          ));
        const session = await memory.createSession(request.body);
        return reply.code(existed ? 200 : 201).send(session);
      },
    );

    app.get(
      '/v1/sessions',
      {
        config: { scope: 'read' },
        schema: {
          operationId: 'listSessions',
          tags: ['sessions'],
          summary: 'List sessions, oldest first',
          security: SECURITY,
          querystring: ListSessionsQuery,
          response: { 200: SessionPage, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const { userId, limit, cursor } = request.query;
        const rows = await tenantMemory(deps, request).listSessions({ userId, limit: limit + 1, after: decodeIdCursor(cursor) });
        return pageOf(rows, limit, (last) => encodeCursor('id', last.id));
      },
    );

    app.get(
      '/v1/sessions/:sessionId',
      {
        config: { scope: 'read' },
        schema: {
          operationId: 'getSession',
          tags: ['sessions'],
          security: SECURITY,
          params: SessionParams,
          response: { 200: Session, ...ERROR_RESPONSES },
        },
      },
      async (request) => tenantMemory(deps, request).getSession(request.params.sessionId),
    );

    app.post(
      '/v1/sessions/:sessionId/messages',
      {
        config: { scope: 'write' },
        schema: {
          operationId: 'addMessages',
          tags: ['messages'],
          summary: 'Append messages (idempotent on clientMsgId); searchable as soon as this answers',
          description: '201 when at least one message was stored, 200 when every message was a replay of a stored clientMsgId.',
          security: SECURITY,
          params: SessionParams,
          body: AddMessagesBody,
          response: { 200: AddMessagesResponse, 201: AddMessagesResponse, ...ERROR_RESPONSES },
        },
      },
      async (request, reply) => {
        const added = await tenantMemory(deps, request).addMessages(request.params.sessionId, request.body.messages);
        return reply.code(added.some((message) => message.created) ? 201 : 200).send({ messages: added });
      },
    );

    app.get(
      '/v1/sessions/:sessionId/messages',
      {
        config: { scope: 'read' },
        schema: {
          operationId: 'listMessages',
          tags: ['messages'],
          summary: 'List messages in order (seq ascending)',
          security: SECURITY,
          params: SessionParams,
          querystring: ListMessagesQuery,
          response: { 200: MessagePage, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const { limit, cursor } = request.query;
        const rows = await tenantMemory(deps, request).listMessages(request.params.sessionId, {
          afterSeq: decodeSeqCursor(cursor),
          limit: limit + 1,
        });
        return pageOf(rows, limit, (last) => encodeCursor('seq', last.seq));
      },
    );

    app.post(
      '/v1/sessions/:sessionId/context',
      {
        config: { scope: 'read' },
        schema: {
          operationId: 'getContext',
          tags: ['retrieval'],
          summary: 'The packed context for the next model call: facts, summary, relevant memories, recent turns',
          security: SECURITY,
          params: SessionParams,
          body: ContextBody.nullish(),
          response: { 200: ContextResponse, ...ERROR_RESPONSES },
        },
      },
      async (request) => tenantMemory(deps, request).getContext(request.params.sessionId, request.body ?? {}),
    );
  };
}
