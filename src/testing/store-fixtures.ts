import { randomUUID } from 'node:crypto';
import type { AppendItem, NewMemory, NewMessage } from '../spec/memory-store.js';
import type { Scope } from '../spec/records.js';

/** Builders for the store conformance suite: valid records with every field set, overridable. */

export const MODEL = 'test-model@1:4';
export const OTHER_MODEL = 'other-model@1:3';

export function newId(prefix = 'id'): string {
  return `${prefix}-${randomUUID()}`;
}

/** A unit vector in the direction given (4 dims unless more are given). */
export function unit(...components: number[]): Float32Array {
  const norm = Math.hypot(...components) || 1;
  return Float32Array.from(components.map((value) => value / norm));
}

export function memoryOf(scope: Scope, overrides: Partial<NewMemory> = {}): NewMemory {
  const text = overrides.text ?? `memory ${randomUUID()}`;
  const createdAt = overrides.createdAt ?? 1_700_000_000_000;
  return {
    id: newId('mem'),
    tenantId: scope.tenantId,
    userId: scope.userId,
    agentId: scope.agentId,
    namespace: scope.namespace,
    sessionId: null,
    kind: 'note',
    text,
    context: null,
    tags: [],
    importance: 0.5,
    source: [],
    contentHash: `hash-${text}`,
    metadata: {},
    embedding: null,
    embeddingModel: null,
    createdAt,
    validFrom: createdAt,
    validTo: null,
    ...overrides,
  };
}

export function messageOf(overrides: Partial<NewMessage> = {}): NewMessage {
  return {
    id: newId('msg'),
    role: 'user',
    name: null,
    content: `hello ${randomUUID()}`,
    metadata: {},
    createdAt: 1_700_000_000_000,
    clientMsgId: null,
    tokenCount: 3,
    ...overrides,
  };
}

export function item(message: Partial<NewMessage> = {}, turn: NewMemory | null = null): AppendItem {
  return { message: messageOf(message), turn };
}
