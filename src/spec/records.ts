/**
 * The records every store holds. One scope model everywhere: a tenant (from the API key,
 * never from a request body), a user, and optionally an agent, a session and a namespace.
 */
export interface Scope {
  readonly tenantId: string;
  readonly userId: string;
  readonly agentId?: string | undefined;
  readonly namespace?: string | undefined;
}

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type Metadata = Record<string, JsonValue>;

export interface SessionRecord extends Scope {
  readonly id: string;
  readonly metadata: Metadata;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly summary: string | null;
  readonly summarizedUpToSeq: number;
  readonly lastSeq: number;
}

export type Role = 'user' | 'assistant' | 'system' | 'tool';

export interface MessageRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly sessionId: string;
  readonly seq: number;
  readonly role: Role;
  /** Speaker name, as in chat APIs ("Caroline"); indexed with the message. */
  readonly name: string | null;
  readonly content: string;
  readonly metadata: Metadata;
  /** Epoch milliseconds. */
  readonly createdAt: number;
  readonly clientMsgId: string | null;
  readonly tokenCount: number;
}

export type MemoryKind = 'turn' | 'summary' | 'note' | 'fact' | 'episode';
export const MEMORY_KINDS: readonly MemoryKind[] = ['turn', 'summary', 'note', 'fact', 'episode'];

export interface MemoryRecord extends Scope {
  readonly id: string;
  readonly sessionId: string | null;
  readonly kind: MemoryKind;
  readonly text: string;
  /** Neighbourhood indexed with the memory at a lower weight (e.g. the previous turn); never shown as the memory text. */
  readonly context: string | null;
  readonly tags: readonly string[];
  readonly importance: number;
  /** Message ids this memory came from (provenance). */
  readonly source: readonly string[];
  readonly contentHash: string;
  readonly metadata: Metadata;
  readonly embeddingModel: string | null;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly validFrom: number;
  readonly validTo: number | null;
  readonly supersededBy: string | null;
}

export interface FactRule {
  readonly type?: 'string' | 'number' | 'integer' | 'boolean' | undefined;
  readonly min?: number | undefined;
  readonly max?: number | undefined;
  readonly enum?: readonly JsonValue[] | undefined;
  readonly pattern?: string | undefined;
  readonly severity?: 'info' | 'warning' | 'error' | undefined;
}

export interface FactRecord extends Scope {
  readonly id: string;
  readonly subject: string;
  readonly key: string;
  readonly value: JsonValue;
  readonly validFrom: number;
  readonly validTo: number | null;
  /** When Strata learned it (transaction time). */
  readonly recordedAt: number;
  readonly source: string | null;
  readonly rule: FactRule | null;
}
