import { invalidInput } from '../errors/strata-error.js';
import type { MemoryRecord } from '../spec/records.js';
import { contentHash } from '../util/hash.js';
import { checkId, checkKind, checkMetadata, checkTags, checkText, checkTime, checkUnitInterval, optionalId } from './input.js';
import type { AddedMessage, MessageInput, RememberInput } from './types.js';

/** What addMessages answers in mode `off`: one entry per message, nothing stored (empty id, seq 0). */
export function skippedMessages(messages: readonly MessageInput[]): AddedMessage[] {
  if (!Array.isArray(messages) || messages.length === 0) throw invalidInput('messages', 'messages must be a non-empty array');
  return messages.map((message) => ({
    id: '',
    seq: 0,
    clientMsgId: typeof message?.clientMsgId === 'string' ? message.clientMsgId : null,
    created: false,
    memoryId: null,
    skipped: 'mode_off' as const,
  }));
}

/** What `remember` would store, validated, without touching the store or the embedder (mode `off`): its id is empty. */
export function unsavedMemory(input: RememberInput, tenantId: string, now: number, maxText: number): MemoryRecord {
  const createdAt = checkTime('createdAt', input.createdAt, now);
  const text = checkText('text', input.text, maxText);
  return {
    id: '',
    tenantId,
    userId: checkId('userId', input.userId),
    agentId: optionalId('agentId', input.agentId),
    namespace: optionalId('namespace', input.namespace),
    sessionId: optionalId('sessionId', input.sessionId) ?? null,
    kind: input.kind === undefined ? 'note' : checkKind('kind', input.kind),
    text,
    context: null,
    tags: checkTags('tags', input.tags),
    importance: checkUnitInterval('importance', input.importance, 0.5),
    source: (input.source ?? []).map((id, i) => checkId(`source[${i}]`, id)),
    contentHash: contentHash(text),
    metadata: checkMetadata('metadata', input.metadata),
    embeddingModel: null,
    createdAt,
    updatedAt: createdAt,
    validFrom: createdAt,
    validTo: null,
    supersededBy: null,
  };
}
