import type { ScoreBreakdown, SearchMode } from '../retrieval/hybrid-search.js';
import type { FactRecord, FactRule, JsonValue, MemoryKind, MemoryRecord, Metadata, Role } from '../spec/records.js';

export type TimeInput = number | string | Date;

export interface MessageInput {
  readonly role: Role;
  readonly content: string;
  /** Speaker name (as in chat APIs); indexed with the message. */
  readonly name?: string | undefined;
  readonly metadata?: Metadata | undefined;
  /** Idempotency key, unique per session: the same write twice stores one message. */
  readonly clientMsgId?: string | undefined;
  readonly createdAt?: TimeInput | undefined;
}

export interface AddedMessage {
  readonly id: string;
  readonly seq: number;
  readonly clientMsgId: string | null;
  /** False when the clientMsgId was already stored: this is the first write's result. */
  readonly created: boolean;
  readonly memoryId: string | null;
  /** Set when nothing was stored because memory is off for the tenant (then `id` is empty). */
  readonly skipped?: 'mode_off';
  /** Set when the durable store was unreachable and the write waits in the local outbox (then `id` is empty, `seq` 0). */
  readonly queued?: boolean;
}

export interface SessionInput {
  readonly id?: string | undefined;
  readonly userId: string;
  readonly agentId?: string | undefined;
  readonly namespace?: string | undefined;
  readonly metadata?: Metadata | undefined;
  readonly createdAt?: TimeInput | undefined;
}

export interface SearchOptions {
  readonly userId?: string | undefined;
  readonly agentId?: string | undefined;
  readonly sessionId?: string | undefined;
  readonly namespace?: string | undefined;
  readonly k?: number | undefined;
  readonly kinds?: readonly MemoryKind[] | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly since?: TimeInput | undefined;
  readonly until?: TimeInput | undefined;
  readonly mode?: SearchMode | undefined;
  /** MMR diversity: true for lambda 0.7, a lambda in [0, 1], false for none; default the service's `searchMmr` (0.8). */
  readonly mmr?: boolean | number | undefined;
  /** Reference time for recency; default now. */
  readonly now?: TimeInput | undefined;
}

export interface SearchResult {
  readonly memory: MemoryRecord;
  readonly score: number;
  readonly scores: ScoreBreakdown;
  /** True when relevance is at or above the service's threshold. */
  readonly relevant: boolean;
}

export interface SearchResponse {
  readonly results: SearchResult[];
  readonly threshold: number;
  readonly tookMs: number;
  /** False when memory was not searched: `reason` says why (`mode_off`, `mode_write_only`, `timeout`). */
  readonly used: boolean;
  readonly reason: string | null;
}

export type ContextDepth = 'rapid' | 'standard' | 'deep';

export interface ContextOptions {
  readonly query?: string | undefined;
  readonly tokenBudget?: number | undefined;
  readonly depth?: ContextDepth | undefined;
  readonly now?: TimeInput | undefined;
}

export type ContextItemKind = 'fact' | 'summary' | 'memory' | 'turn';

export interface ContextItem {
  readonly kind: ContextItemKind;
  readonly id: string;
  readonly text: string;
  readonly tokens: number;
  readonly createdAt: number | null;
  /** Why the item is here: the rule that picked it and, for memories, the scores per signal. */
  readonly why: { readonly reason: string; readonly rank?: number; readonly scores?: ScoreBreakdown };
  /** Message ids this item came from. */
  readonly source: readonly string[];
}

export interface ContextResponse {
  readonly text: string;
  readonly tokens: number;
  readonly tokenBudget: number;
  readonly tokenizer: string;
  readonly depth: ContextDepth;
  readonly items: ContextItem[];
  /** Items left out for the budget. */
  readonly dropped: number;
  readonly used: boolean;
  readonly reason: string | null;
  readonly threshold: number;
}

export interface RememberInput {
  readonly userId: string;
  readonly text: string;
  readonly kind?: MemoryKind | undefined;
  readonly agentId?: string | undefined;
  readonly namespace?: string | undefined;
  readonly sessionId?: string | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly importance?: number | undefined;
  readonly metadata?: Metadata | undefined;
  readonly source?: readonly string[] | undefined;
  readonly createdAt?: TimeInput | undefined;
}

export interface MemoryUpdate {
  readonly text?: string | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly importance?: number | undefined;
  readonly metadata?: Metadata | undefined;
}

export interface FactInput {
  readonly userId: string;
  readonly subject: string;
  readonly key: string;
  readonly value: JsonValue;
  readonly agentId?: string | undefined;
  readonly namespace?: string | undefined;
  readonly validFrom?: TimeInput | undefined;
  readonly source?: string | undefined;
}

export interface FactQuery {
  readonly userId: string;
  readonly agentId?: string | undefined;
  readonly namespace?: string | undefined;
  readonly subject?: string | undefined;
  readonly key?: string | undefined;
  readonly asOf?: TimeInput | undefined;
}

export interface SetFactResponse {
  readonly fact: FactRecord;
  readonly closed: FactRecord | null;
  readonly created: boolean;
  readonly validation: { valid: boolean; severity: string; expected: string | null };
}

export type { FactRule };
