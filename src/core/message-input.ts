import { invalidInput } from '../errors/strata-error.js';
import type { Metadata, Role } from '../spec/records.js';
import { checkId, checkMetadata, checkRole, checkText, checkTime } from './input.js';
import type { MessageInput } from './types.js';

/** A message of addMessages, checked (nothing is stored unless every message of the call is). */
export interface CleanMessage {
  readonly role: Role;
  readonly content: string;
  readonly name: string | null;
  readonly metadata: Metadata;
  readonly clientMsgId: string | null;
  readonly createdAt: number;
}

/** Checks an addMessages batch: a non-empty array of at most `maxBatch` valid messages. */
export function cleanMessages(
  messages: readonly MessageInput[],
  limits: { maxBatch: number; maxText: number; now: number },
): CleanMessage[] {
  if (!Array.isArray(messages) || messages.length === 0) throw invalidInput('messages', 'messages must be a non-empty array');
  if (messages.length > limits.maxBatch) {
    throw invalidInput('messages', `at most ${limits.maxBatch} messages per call`, { limit: limits.maxBatch });
  }
  return messages.map((message, i) => {
    if (typeof message !== 'object' || message === null) throw invalidInput(`messages[${i}]`, 'a message must be an object');
    const name = message.name === undefined || message.name === null ? null : checkText(`messages[${i}].name`, message.name, 128);
    return {
      role: checkRole(`messages[${i}].role`, message.role),
      content: checkText(`messages[${i}].content`, message.content, limits.maxText),
      name,
      metadata: checkMetadata(`messages[${i}].metadata`, message.metadata),
      clientMsgId: message.clientMsgId === undefined ? null : checkId(`messages[${i}].clientMsgId`, message.clientMsgId),
      createdAt: checkTime(`messages[${i}].createdAt`, message.createdAt, limits.now),
    };
  });
}

/** Checked messages back as addMessages input (null fields left out). */
export function asInputs(messages: readonly CleanMessage[]): MessageInput[] {
  return messages.map((message) => ({
    role: message.role,
    content: message.content,
    metadata: message.metadata,
    createdAt: message.createdAt,
    ...(message.name === null ? {} : { name: message.name }),
    ...(message.clientMsgId === null ? {} : { clientMsgId: message.clientMsgId }),
  }));
}
