import type { StoreCapabilities } from './capabilities.js';
import type {
  FactRecord,
  FactRule,
  JsonValue,
  MemoryKind,
  MemoryRecord,
  MessageRecord,
  Metadata,
  Role,
  Scope,
  SessionRecord,
} from './records.js';

/**
 * The contract every episodic/semantic/facts backend implements, in memory operations.
 * Core validates input and computes embeddings; a store persists atomically and answers
 * scoped queries. No driver, pool or transaction appears here: each backend owns its own.
 */
export interface MemoryStoreV1 {
  readonly specificationVersion: 'v1';
  readonly capabilities: StoreCapabilities;

  /** Applies migrations and loads indexes. Called once before any other method. */
  open(): Promise<void>;
  /** Persists indexes and releases resources. */
  close(): Promise<void>;

  ensureSession(input: NewSession): Promise<SessionRecord>;
  getSession(tenantId: string, sessionId: string): Promise<SessionRecord | null>;
  listSessions(filter: SessionFilter, page: Page): Promise<SessionRecord[]>;

  /**
   * Appends messages to a session in one transaction, each with its optional `turn`
   * memory. A message whose clientMsgId already exists in the session is not stored
   * again: the first stored record comes back with `created: false`.
   */
  appendMessages(tenantId: string, sessionId: string, batch: readonly AppendItem[]): Promise<AppendResult[]>;
  /**
   * Optional: appendMessages and the writes core makes after it, in the same transaction (one
   * commit per addMessages instead of three): `previousTurn` as appendTurnContext, then
   * `chunks.memories` as insertMemories, but only if every message of the batch is new and
   * they take seqs `chunks.afterSeq + 1`, `+ 2`... (core derives the turn chunks from the seqs
   * it expects; `chunksStored` false: it derives them again from the results). Without it core
   * makes the three writes.
   */
  appendMessagesWith?(tenantId: string, sessionId: string, batch: readonly AppendItem[], also: AppendAlso): Promise<AppendOutcome>;
  listMessages(tenantId: string, sessionId: string, query: MessageQuery): Promise<MessageRecord[]>;
  /** Message ids already taken by these clientMsgIds in the session. */
  findByClientMsgIds(tenantId: string, sessionId: string, clientMsgIds: readonly string[]): Promise<Map<string, MessageRecord>>;

  insertMemory(memory: NewMemory): Promise<MemoryRecord>;
  /**
   * Optional: stores several new memories in one write without reading them back (core's turn
   * chunks of a batch). All or none are stored. Without it core calls insertMemory for each.
   */
  insertMemories?(memories: readonly NewMemory[]): Promise<void>;
  updateMemory(tenantId: string, id: string, patch: MemoryPatch): Promise<MemoryRecord | null>;
  /**
   * Optional: appends `line` to a turn memory's context and sets its metadata's `nextTurn`, in
   * one write, leaving updatedAt alone (what core does when the next turn arrives). False when
   * the tenant has no turn memory of that id. Without it core reads the memory and updates it.
   */
  appendTurnContext?(tenantId: string, memoryId: string, line: string, nextTurn: string): Promise<boolean>;
  getMemories(tenantId: string, ids: readonly string[]): Promise<MemoryRecord[]>;
  /**
   * Each memory's vector. With `model`, its vector in that model (a re-embedding keeps several:
   * src/spec/reembed-store.ts) and none for a memory without one; without, the main vector.
   */
  getEmbeddings(tenantId: string, ids: readonly string[], model?: string): Promise<Map<string, Float32Array>>;
  listMemories(filter: MemoryFilter, page: Page): Promise<MemoryRecord[]>;
  countMemories(filter: MemoryFilter): Promise<number>;
  /** Removes memories from the table and from every index. Returns how many went. */
  deleteMemories(tenantId: string, ids: readonly string[]): Promise<number>;

  /** BM25 over memory text (weight 1) and context (lower weight); terms are plain words. */
  keywordSearch(filter: MemoryFilter, terms: readonly string[], k: number): Promise<ScoredId[]>;
  /**
   * Optional: the scores keywordSearch gives those of `ids` that the filter keeps and some term
   * matches, best first (core rescores its candidates for feedback terms with it). Without it
   * core takes keywordSearch's top candidates for the terms, which may miss some of `ids`.
   */
  keywordScores?(filter: MemoryFilter, terms: readonly string[], ids: readonly string[]): Promise<ScoredId[]>;
  /**
   * Optional: the content words a store keeps with each of these records (SoftMatcher.encode of
   * its text and context), in order; undefined for a record without them. `memories` are records
   * this store returned. Core's soft match scores from them instead of scanning the texts; without
   * it (or for a record without them), it scans.
   */
  storedWords?(memories: readonly MemoryRecord[]): Array<StoredWords | undefined>;
  /** Cosine similarity against vectors of one embedding model; exact or ANN as the store sees fit. */
  vectorSearch(filter: MemoryFilter, vector: Float32Array, model: string, k: number, options?: VectorSearchOptions): Promise<ScoredId[]>;
  /** Rebuilds every derived index (keyword and vector) from the tables. */
  rebuildIndexes(): Promise<IndexReport>;

  setFact(fact: NewFact): Promise<SetFactResult>;
  getFacts(filter: FactFilter): Promise<FactRecord[]>;
  setFactRule(scope: Scope, subject: string, key: string, rule: FactRule): Promise<void>;
  getFactRule(scope: Scope, subject: string, key: string): Promise<FactRule | null>;

  getCachedEmbeddings(model: string, hashes: readonly string[]): Promise<Map<string, Float32Array>>;
  putCachedEmbeddings(model: string, entries: ReadonlyMap<string, Float32Array>): Promise<void>;

  /** Erases a user's sessions, messages, memories, facts from every table and index. */
  forgetUser(tenantId: string, userId: string): Promise<EraseCounts>;
}

export interface NewSession extends Scope {
  readonly id: string;
  readonly metadata: Metadata;
  readonly createdAt: number;
}

export interface SessionFilter {
  readonly tenantId: string;
  readonly userId?: string | undefined;
  readonly agentId?: string | undefined;
}

export interface Page {
  readonly limit: number;
  /** Opaque cursor returned as the last record's id; results start after it. */
  readonly after?: string | undefined;
}

export interface NewMessage {
  readonly id: string;
  readonly role: Role;
  readonly name: string | null;
  readonly content: string;
  readonly metadata: Metadata;
  readonly createdAt: number;
  readonly clientMsgId: string | null;
  readonly tokenCount: number;
}

export interface AppendItem {
  readonly message: NewMessage;
  readonly turn: NewMemory | null;
}

export interface AppendResult {
  readonly message: MessageRecord;
  readonly created: boolean;
  readonly memoryId: string | null;
}

/** What appendMessagesWith writes with the messages. */
export interface AppendAlso {
  /** The turn memory of the message before the batch gains `line` (the batch's first turn) as appendTurnContext does. */
  readonly previousTurn?: { readonly memoryId: string; readonly line: string; readonly nextTurn: string } | undefined;
  /** Memories that hold only if the batch's messages are all new and numbered from `afterSeq + 1`. */
  readonly chunks?: { readonly afterSeq: number; readonly memories: readonly NewMemory[] } | undefined;
}

export interface AppendOutcome {
  readonly results: AppendResult[];
  /** False when `chunks` was given but not stored (a message was already stored, or the seqs moved). */
  readonly chunksStored: boolean;
}

export interface MessageQuery {
  readonly afterSeq?: number | undefined;
  readonly beforeSeq?: number | undefined;
  readonly limit: number;
  /** `desc` returns the newest first. */
  readonly order: 'asc' | 'desc';
}

/**
 * A memory's content words as the soft matcher encodes them (src/retrieval/soft-match.ts,
 * SoftMatcher.encode), for its text and its context; null: not stored, the text is scanned.
 * Which encoding wrote them is the store's to check (SoftMatcher.encodingFingerprint).
 */
export interface StoredWords {
  readonly text: Uint8Array | null;
  readonly context: Uint8Array | null;
}

export interface NewMemory extends Scope {
  readonly id: string;
  readonly sessionId: string | null;
  readonly kind: MemoryKind;
  readonly text: string;
  readonly context: string | null;
  readonly tags: readonly string[];
  readonly importance: number;
  readonly source: readonly string[];
  readonly contentHash: string;
  readonly metadata: Metadata;
  readonly embedding: Float32Array | null;
  readonly embeddingModel: string | null;
  readonly createdAt: number;
  readonly validFrom: number;
  readonly validTo: number | null;
}

export interface MemoryPatch {
  readonly text?: string | undefined;
  /** Neighbourhood text indexed beside the memory (e.g. when the next turn arrives). */
  readonly context?: string | null | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly importance?: number | undefined;
  readonly metadata?: Metadata | undefined;
  readonly contentHash?: string | undefined;
  readonly embedding?: Float32Array | undefined;
  readonly embeddingModel?: string | undefined;
  readonly validTo?: number | null | undefined;
  readonly supersededBy?: string | null | undefined;
  readonly updatedAt: number;
}

export interface MemoryFilter {
  readonly tenantId: string;
  readonly userId?: string | undefined;
  /** Omit for any agent; `''` matches memories stored without an agent (likewise namespace). */
  readonly agentId?: string | undefined;
  readonly sessionId?: string | undefined;
  readonly namespace?: string | undefined;
  readonly kinds?: readonly MemoryKind[] | undefined;
  /** Every listed tag must be present. */
  readonly tags?: readonly string[] | undefined;
  /** createdAt >= since (epoch ms). */
  readonly since?: number | undefined;
  /** createdAt < until (epoch ms). */
  readonly until?: number | undefined;
  /** Only memories with this content hash (dedupe). */
  readonly contentHash?: string | undefined;
  /** Include memories whose validTo has passed or that were superseded. Default false. */
  readonly includeSuperseded?: boolean | undefined;
}

export interface ScoredId {
  readonly id: string;
  readonly score: number;
}

export interface VectorSearchOptions {
  /** Force exact (brute-force) scoring; used as the ANN baseline. */
  readonly exact?: boolean | undefined;
}

export interface IndexReport {
  readonly keywordRows: number;
  readonly vectorIndexes: ReadonlyArray<{ model: string; vectors: number }>;
}

export interface NewFact extends Scope {
  readonly id: string;
  readonly subject: string;
  readonly key: string;
  readonly value: JsonValue;
  readonly validFrom: number;
  readonly recordedAt: number;
  readonly source: string | null;
}

export interface SetFactResult {
  readonly fact: FactRecord;
  /** The fact whose validity this one ended, if any. */
  readonly closed: FactRecord | null;
  /** False when the same value was already current: nothing was written. */
  readonly created: boolean;
}

export interface FactFilter extends Scope {
  readonly subject?: string | undefined;
  readonly key?: string | undefined;
  /** Valid-time instant (epoch ms); omit for now. */
  readonly asOf?: number | undefined;
  /** Every version, closed ones included (for history). */
  readonly allVersions?: boolean | undefined;
}

export interface EraseCounts {
  readonly sessions: number;
  readonly messages: number;
  readonly memories: number;
  readonly facts: number;
}
