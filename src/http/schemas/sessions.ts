import { z } from 'zod';
import { Cursor, EpochMs, Id, Limit, Metadata, Page, Role, Text, TimeInput } from './common.js';

export const CreateSessionBody = z
  .strictObject({
    id: Id.optional().describe('session id; generated when omitted'),
    userId: Id,
    agentId: Id.optional(),
    namespace: Id.optional(),
    metadata: Metadata.optional(),
    createdAt: TimeInput.optional(),
  })
  .meta({ id: 'CreateSession' });

export const Session = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    userId: z.string(),
    agentId: z.string().optional(),
    namespace: z.string().optional(),
    metadata: Metadata,
    createdAt: EpochMs,
    updatedAt: EpochMs,
    summary: z.string().nullable(),
    summarizedUpToSeq: z.int(),
    lastSeq: z.int(),
  })
  .meta({ id: 'Session' });

export const ListSessionsQuery = z.strictObject({ userId: Id.optional(), limit: Limit(50, 500), cursor: Cursor.optional() });
export const SessionPage = Page(Session).meta({ id: 'SessionPage' });

export const MessageInput = z
  .strictObject({
    role: Role,
    content: Text,
    name: z.string().min(1).max(128).optional().describe('speaker name, as in chat APIs'),
    metadata: Metadata.optional(),
    clientMsgId: Id.optional().describe('idempotency key, unique per session: the same write twice stores one message'),
    createdAt: TimeInput.optional(),
  })
  .meta({ id: 'NewMessage' });

export const AddMessagesBody = z.strictObject({ messages: z.array(MessageInput).min(1).max(1000) }).meta({ id: 'AddMessages' });

export const AddedMessage = z
  .object({
    id: z.string(),
    seq: z.int(),
    clientMsgId: z.string().nullable(),
    created: z.boolean().describe('false when the clientMsgId was already stored: this is the first write'),
    memoryId: z.string().nullable(),
    skipped: z.literal('mode_off').optional().describe('nothing was stored: memory is off for the tenant (id is empty)'),
    queued: z
      .boolean()
      .optional()
      .describe('the store was unreachable: the write waits in the local outbox and is stored when it is back (id is empty)'),
  })
  .meta({ id: 'AddedMessage' });

export const AddMessagesResponse = z.object({ messages: z.array(AddedMessage) }).meta({ id: 'AddMessagesResponse' });

export const Message = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    sessionId: z.string(),
    seq: z.int(),
    role: Role,
    name: z.string().nullable(),
    content: z.string(),
    metadata: Metadata,
    createdAt: EpochMs,
    clientMsgId: z.string().nullable(),
    tokenCount: z.int(),
  })
  .meta({ id: 'Message' });

export const ListMessagesQuery = z.strictObject({ limit: Limit(100, 500), cursor: Cursor.optional() });
export const MessagePage = Page(Message).meta({ id: 'MessagePage' });
