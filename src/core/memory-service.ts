import { ActiveEmbedder } from '../embeddings/active-embedder.js';
import type { Embedder } from '../embeddings/embedder.js';
import { invalidInput, StrataError } from '../errors/strata-error.js';
import { type MetricsSink, NO_METRICS, type OperationOutcome } from '../observability/metrics-sink.js';
import type { TurnLogger } from '../observability/turn-log.js';
import type { RedactionCounts, RedactionPolicy } from '../privacy/pii-types.js';
import { addCounts, type Redactor } from '../privacy/redactor.js';
import type { CircuitBreakers } from '../resilience/breaker.js';
import { withDeadline } from '../resilience/deadline.js';
import { type MemoryMode, MemoryModes } from '../resilience/memory-modes.js';
import { type DrainReport, Outbox, type OutboxEntry } from '../resilience/outbox.js';
import { DEFAULT_RETRIEVAL, hybridSearch, type RetrievalSettings } from '../retrieval/hybrid-search.js';
import type { TokenCounter } from '../retrieval/tokenizer.js';
import type { ConsolidationStoreV1 } from '../spec/consolidation-store.js';
import type { ContextCacheV1 } from '../spec/context-cache.js';
import type { ExternalWrite } from '../spec/external-writes.js';
import type { AppendItem, AppendResult, EraseCounts, IndexReport, MemoryFilter, MemoryStoreV1, NewMemory } from '../spec/memory-store.js';
import type { FactRecord, FactRule, JsonValue, MemoryRecord, MessageRecord, SessionRecord } from '../spec/records.js';
import type { SummarizerV1 } from '../spec/summarizer.js';
import type { WorkingMemoryV1 } from '../spec/working-memory.js';
import { ExtractiveSummarizer } from '../summarizers/extractive-summarizer.js';
import { contentHash } from '../util/hash.js';
import { uuidV7 } from '../util/uuid-v7.js';
import {
  type ConsolidationCounts,
  Consolidator,
  type ConsolidatorOptions,
  consolidationUnsupported,
} from './consolidation/consolidator.js';
import { buildContext } from './context-builder.js';
import { CONTEXT_CACHE_TTL_MS, cachedContext } from './context-caching.js';
import { checkContextOptions, fallbackTurns, recentTurnsContext } from './context-fallback.js';
import { propagateExternalWrite } from './external-write.js';
import { checkRule, type ValidationResult, validateAgainstRule } from './fact-rules.js';
import { guardedRead, type ReadGuardDeps } from './guarded-read.js';
import {
  checkId,
  checkJsonValue,
  checkKey,
  checkKind,
  checkMetadata,
  checkPositiveInt,
  checkTags,
  checkText,
  checkTime,
  checkUnitInterval,
  optionalId,
} from './input.js';
import { asInputs, type CleanMessage, cleanMessages } from './message-input.js';
import { skippedMessages, unsavedMemory } from './mode-results.js';
import { Scratchpads } from './scratchpads.js';
import { type ChunkSettings, closedChunkMemories, DEFAULT_CHUNKS, isChunk, writeTurnChunks } from './turn-chunks.js';
import { breakerFields, errorCode, recordTurn, type TurnDetails, type TurnStart } from './turn-record.js';
import type {
  AddedMessage,
  ContextOptions,
  ContextResponse,
  FactInput,
  FactQuery,
  MemoryUpdate,
  MessageInput,
  RememberInput,
  SearchOptions,
  SearchResponse,
  SessionInput,
  SetFactResponse,
} from './types.js';

export interface MemoryServiceDeps {
  readonly store: MemoryStoreV1;
  /** The embedder of the configured model (the active one unless `activeEmbedder` says otherwise). */
  readonly embedder: Embedder;
  /**
   * The embedder of the store's active model, which a blue/green re-embedding switches
   * (src/embeddings/active-embedder.ts); default one that always answers `embedder`.
   */
  readonly activeEmbedder?: ActiveEmbedder | undefined;
  readonly tokens: TokenCounter;
  readonly retrieval?: RetrievalSettings | undefined;
  readonly clock?: (() => number) | undefined;
  /** Characters of each neighbouring turn indexed with a turn. */
  readonly neighbourChars?: number | undefined;
  /** Share of the previous turn's vector mixed into a turn's vector. Default 0: with the offline embedder it helped vector-only recall but not the fused ranking. */
  readonly neighbourVectorWeight?: number | undefined;
  readonly maxBatch?: number | undefined;
  /** Scratchpads (working memory); without one, `scratch` raises INVALID_CONFIG. Closed with the service. */
  readonly working?: WorkingMemoryV1 | undefined;
  /** Per-turn context cache consulted by getContext; none = every call builds. Closed with the service. */
  readonly contextCache?: ContextCacheV1 | undefined;
  /** Life of a cached context. Default 30 s. */
  readonly contextCacheTtlMs?: number | undefined;
  /** Masks personal data before anything is stored or embedded; none when absent (createMemory wires one). */
  readonly redactor?: Redactor | undefined;
  /** Global and per-tenant modes (default: read_write for all). */
  readonly modes?: MemoryModes | undefined;
  /** Deadline of getContext and search in ms (default 250); 0 for none. */
  readonly readDeadlineMs?: number | undefined;
  readonly metrics?: MetricsSink | undefined;
  /** One JSON line per turn and per search/remember (see observability/turn-log.ts); none when absent. */
  readonly logger?: TurnLogger | undefined;
  /** Consolidation: the store's ConsolidationStoreV1, a summarizer (default extractive) and job options. */
  readonly consolidation?: ConsolidationDeps | undefined;
  /** Called last by close() (e.g. the OTLP exporter's final push). */
  readonly closers?: ReadonlyArray<() => Promise<void>> | undefined;
  /** Turn chunks (see turn-chunks.ts); default DEFAULT_CHUNKS, `turns: 0` turns them off. */
  readonly chunks?: ChunkSettings | undefined;
  /** Durable local outbox for writes while the store is unreachable (resilience/outbox.ts); opened by createMemory. */
  readonly outbox?: Outbox | undefined;
  /** The remote tiers' circuit breakers (resilience/breaker.ts): their state goes into the turn log. */
  readonly breakers?: CircuitBreakers | undefined;
}

export interface ConsolidationDeps {
  readonly store: ConsolidationStoreV1;
  readonly summarizer?: SummarizerV1 | undefined;
  readonly options?: ConsolidatorOptions | undefined;
}

/** One consolidator per service, shared by its tenant views. */
const consolidators = new WeakMap<MemoryServiceDeps, Consolidator>();

/** Default deadline of a read (getContext, search). */
export const DEFAULT_READ_DEADLINE_MS = 250;

/**
 * The memory service for one tenant: every core operation, validated, over a store and an
 * embedder. `forTenant` returns the same service for another tenant (the HTTP layer takes
 * the tenant from the API key).
 */
export class MemoryService {
  readonly retrieval: RetrievalSettings;
  private readonly clock: () => number;
  private readonly deps: MemoryServiceDeps & {
    readonly modes: MemoryModes;
    readonly metrics: MetricsSink;
    readonly activeEmbedder: ActiveEmbedder;
  };

  constructor(
    deps: MemoryServiceDeps,
    readonly tenantId: string = 'default',
    /** Shared by every tenant view of one service. */
    private readonly lifecycle: { closed: boolean } = { closed: false },
  ) {
    checkId('tenantId', tenantId);
    // Filled once: tenant views share the same modes and metrics.
    this.deps = {
      ...deps,
      modes: deps.modes ?? new MemoryModes(),
      metrics: deps.metrics ?? NO_METRICS,
      activeEmbedder: deps.activeEmbedder ?? new ActiveEmbedder(deps.embedder),
    };
    this.retrieval = deps.retrieval ?? DEFAULT_RETRIEVAL;
    this.clock = deps.clock ?? Date.now;
  }

  forTenant(tenantId: string): MemoryService {
    return new MemoryService(this.deps, tenantId, this.lifecycle);
  }

  get store(): MemoryStoreV1 {
    return this.deps.store;
  }

  /** The embedder of the active model (an operation takes it once: see ActiveEmbedder). */
  get embedder(): Embedder {
    return this.deps.activeEmbedder.current;
  }

  /** Switches between models during a blue/green re-embedding (src/reembed/). */
  get activeEmbedder(): ActiveEmbedder {
    return this.deps.activeEmbedder;
  }

  get tokenizer(): TokenCounter {
    return this.deps.tokens;
  }

  /** This tenant's scratchpads (per-session working memory with TTL). */
  get scratch(): Scratchpads {
    const working = this.deps.working;
    if (!working) throw new StrataError('INVALID_CONFIG', 'this memory service has no working memory configured');
    return new Scratchpads(working, this.tenantId, (sessionId) => {
      this.assertOpen();
      return this.getSession(sessionId);
    });
  }

  /** After a write that may change the user's context (memories, facts). */
  private async userChanged(userId: string): Promise<void> {
    await this.deps.contextCache?.invalidateUser(this.tenantId, userId);
  }

  get metrics(): MetricsSink {
    return this.deps.metrics;
  }

  /** Global and per-tenant modes, shared by every tenant view. */
  get modes(): MemoryModes {
    return this.deps.modes;
  }

  /** This tenant's mode now. */
  get mode(): MemoryMode {
    return this.deps.modes.modeFor(this.tenantId);
  }

  /** Sets a tenant's mode (null: back to the global mode); `untilMs` makes it a cool-down. */
  setMode(tenantId: string, mode: MemoryMode | null, options: { untilMs?: number; reason?: string } = {}): void {
    this.deps.modes.setTenant(checkId('tenantId', tenantId), mode, options);
  }

  setGlobalMode(mode: MemoryMode): void {
    this.deps.modes.setGlobal(mode);
  }

  get redactor(): Redactor | null {
    return this.deps.redactor ?? null;
  }

  /** Sets a tenant's redaction policy (null: back to the default policy). Needs a redactor. */
  setRedaction(tenantId: string, policy: Partial<RedactionPolicy> | null): RedactionPolicy {
    if (!this.deps.redactor) throw new StrataError('INVALID_CONFIG', 'this memory service was created without a redactor');
    return this.deps.redactor.setTenantPolicy(checkId('tenantId', tenantId), policy);
  }

  private get maxText(): number {
    return this.deps.store.capabilities.maxTextLength;
  }

  // ---- sessions -------------------------------------------------------------------------

  /** Creates a session, or returns it when it already exists with the same scope. */
  async createSession(input: SessionInput): Promise<SessionRecord> {
    this.assertOpen();
    const now = this.clock();
    return this.deps.store.ensureSession({
      tenantId: this.tenantId,
      id: input.id === undefined ? `ses_${uuidV7()}` : checkId('sessionId', input.id),
      userId: checkId('userId', input.userId),
      agentId: optionalId('agentId', input.agentId),
      namespace: optionalId('namespace', input.namespace),
      metadata: checkMetadata('metadata', input.metadata),
      createdAt: checkTime('createdAt', input.createdAt, now),
    });
  }

  async getSession(sessionId: string): Promise<SessionRecord> {
    this.assertOpen();
    const session = await this.deps.store.getSession(this.tenantId, checkId('sessionId', sessionId));
    if (!session) throw new StrataError('SESSION_NOT_FOUND', `session ${sessionId} not found`, { details: { sessionId } });
    return session;
  }

  async listSessions(options: { userId?: string; limit?: number; after?: string } = {}): Promise<SessionRecord[]> {
    this.assertOpen();
    return this.deps.store.listSessions(
      { tenantId: this.tenantId, userId: optionalId('userId', options.userId) },
      { limit: checkPositiveInt('limit', options.limit, 50, 1000), after: optionalId('after', options.after) },
    );
  }

  // ---- messages -------------------------------------------------------------------------

  /**
   * Appends messages to a session. Idempotent on clientMsgId. Personal data in the content is
   * masked first (the tenant's redaction policy). Each message is indexed as a `turn` memory
   * (with its speaker and the previous turn as context) in the same transaction, so it is
   * searchable as soon as this returns. In mode `off` nothing is stored: every message comes
   * back with `skipped: 'mode_off'`, `created: false` and an empty id.
   */
  async addMessages(sessionId: string, messages: readonly MessageInput[]): Promise<AddedMessage[]> {
    this.assertOpen();
    const started = performance.now();
    const mode = this.mode;
    const line = { op: 'add_messages' as const, session: sessionId, mode };
    if (mode === 'off') {
      if (!Array.isArray(messages) || messages.length === 0) throw invalidInput('messages', 'messages must be a non-empty array');
      const skipped = skippedMessages(messages);
      this.finish(line, started, 'skipped', { used: false, reason: 'mode_off', messages: { count: messages.length, created: 0 } });
      return skipped;
    }
    const counts: RedactionCounts = {};
    const redacted = Array.isArray(messages)
      ? messages.map((message) =>
          typeof message === 'object' && message !== null && typeof message.content === 'string'
            ? { ...message, content: this.redactText(message.content, counts) }
            : message,
        )
      : messages;
    const seen = { userId: null as string | null };
    try {
      const added = await this.appendOrQueue(sessionId, redacted, seen);
      const created = added.filter((message) => message.created);
      this.deps.metrics.messagesWritten(created.length);
      this.deps.metrics.memoriesWritten('turn', created.filter((message) => message.memoryId !== null).length);
      const queued = added.some((message) => message.queued === true);
      this.finish(line, started, queued ? 'degraded' : 'ok', {
        used: !queued,
        reason: queued ? 'outbox_queued' : null,
        user: seen.userId,
        messages: { count: added.length, created: created.length },
        redactions: counts,
      });
      return added;
    } catch (error) {
      this.finish(line, started, 'error', { used: false, reason: 'error', user: seen.userId, error: errorCode(error) });
      throw error;
    }
  }

  /** With an outbox (resilience/outbox.ts): a write the durable store cannot take now is queued (`queued: true`). */
  private appendOrQueue(sessionId: string, messages: readonly MessageInput[], seen: { userId: string | null }): Promise<AddedMessage[]> {
    const outbox = this.deps.outbox;
    if (!outbox) return this.appendMessagesNow(sessionId, messages, seen);
    checkId('sessionId', sessionId);
    const clean = asInputs(Outbox.withIds(this.cleanInput(messages)));
    return outbox.write(this.tenantId, sessionId, this.cleanInput(clean), () => this.appendMessagesNow(sessionId, clean, seen));
  }

  /** Stores one queued outbox entry (the outbox's replayer calls this on the entry's tenant view). */
  async replayQueued(entry: OutboxEntry): Promise<void> {
    this.assertOpen();
    const added = await this.appendMessagesNow(entry.sessionId, asInputs(entry.messages), { userId: null });
    this.deps.metrics.messagesWritten(added.filter((message) => message.created).length);
  }

  /** Replays the outbox's waiting writes now (they are retried in the background too). */
  async drainOutbox(): Promise<DrainReport> {
    this.assertOpen();
    if (!this.deps.outbox) throw new StrataError('INVALID_CONFIG', 'this memory service has no outbox configured');
    return this.deps.outbox.drain();
  }

  private cleanInput(messages: readonly MessageInput[]): CleanMessage[] {
    return cleanMessages(messages, { maxBatch: this.deps.maxBatch ?? 1000, maxText: this.maxText, now: this.clock() });
  }

  /** `seen.userId` is set to the session's user (for the turn log line). */
  private async appendMessagesNow(
    sessionId: string,
    messages: readonly MessageInput[],
    seen: { userId: string | null },
  ): Promise<AddedMessage[]> {
    checkId('sessionId', sessionId);
    const clean = this.cleanInput(messages);
    const session = await this.getSession(sessionId);
    seen.userId = session.userId;
    const embedder = await this.deps.activeEmbedder.refresh();
    const known = await this.deps.store.findByClientMsgIds(
      this.tenantId,
      sessionId,
      clean.flatMap((m) => (m.clientMsgId === null ? [] : [m.clientMsgId])),
    );
    const chunks = this.deps.chunks ?? DEFAULT_CHUNKS;
    // The last turns before this batch: the previous turn's neighbourhood, and the start of the next chunk.
    const earlier = await this.deps.store.listMessages(this.tenantId, sessionId, {
      limit: Math.max(1, chunks.turns - 1),
      order: 'desc',
    });
    const previous = earlier[0];
    const clipChars = this.deps.neighbourChars ?? 300;
    const line = (speaker: string, content: string): string => `${speaker}: ${clip(content, clipChars)}`;
    const textOf = (name: string | null, content: string): string => (name ? `${name}: ${content}` : content);
    let before: string | null = previous ? line(previous.name ?? previous.role, previous.content) : null;
    let beforeText: string | null = previous ? textOf(previous.name, previous.content) : null;
    const fresh: Array<{ index: number; uuid: string; text: string; line: string; previous: string | null; previousText: string | null }> =
      [];
    clean.forEach((message, index) => {
      if (message.clientMsgId !== null && known.has(message.clientMsgId)) return;
      const text = textOf(message.name, message.content);
      const own = line(message.name ?? message.role, message.content);
      fresh.push({ index, uuid: uuidV7(), text, line: own, previous: before, previousText: beforeText });
      before = own;
      beforeText = text;
    });
    const vectors = await this.turnVectors(embedder, fresh);
    const previousTurnId = previous?.id.startsWith('msg_') ? `mem_${previous.id.slice(4)}` : null;
    const turns = new Map<number, NewMemory>();
    fresh.forEach((item, j) => {
      const message = clean[item.index] as (typeof clean)[number];
      // A turn's neighbourhood is the turn before it and the turn after it (added when it arrives).
      const context = [item.previous, fresh[j + 1]?.line].filter((part): part is string => typeof part === 'string').join('\n');
      turns.set(item.index, {
        id: `mem_${item.uuid}`,
        tenantId: this.tenantId,
        userId: session.userId,
        agentId: session.agentId,
        namespace: session.namespace,
        sessionId,
        kind: 'turn',
        text: item.text,
        context: context.length > 0 ? context : null,
        tags: [],
        importance: 0.5,
        source: [`msg_${item.uuid}`],
        contentHash: contentHash(item.text),
        metadata: {
          role: message.role,
          ...(message.clientMsgId ? { clientMsgId: message.clientMsgId } : {}),
          // Links to the neighbouring turns' memories, for neighbour expansion at search time.
          ...(j > 0
            ? { previousTurn: `mem_${(fresh[j - 1] as (typeof fresh)[number]).uuid}` }
            : previousTurnId
              ? { previousTurn: previousTurnId }
              : {}),
          ...(fresh[j + 1] ? { nextTurn: `mem_${(fresh[j + 1] as (typeof fresh)[number]).uuid}` } : {}),
        },
        embedding: vectors[j] as Float32Array,
        embeddingModel: embedder.modelId,
        createdAt: message.createdAt,
        validFrom: message.createdAt,
        validTo: null,
      });
    });
    const batch: AppendItem[] = clean.map((message, index) => {
      const turn = turns.get(index) ?? null;
      return {
        message: {
          id: turn ? (turn.source[0] as string) : `msg_${uuidV7()}`,
          role: message.role,
          name: message.name,
          content: message.content,
          metadata: message.metadata,
          createdAt: message.createdAt,
          clientMsgId: message.clientMsgId,
          tokenCount: this.deps.tokens.count(message.content),
        },
        turn,
      };
    });
    const store = this.deps.store;
    const first = fresh[0];
    let results: AppendResult[];
    let chunksStored = false;
    if (store.appendMessagesWith) {
      // One transaction for the messages, the previous turn's context and the chunks the batch
      // closes, derived from the seqs the batch should take (the store checks them).
      const previousTurn =
        previousTurnId && first ? { memoryId: previousTurnId, line: first.line, nextTurn: `mem_${first.uuid}` } : undefined;
      // Expected seqs hold only if every message is new (none known, no clientMsgId twice).
      const allNew = fresh.length === clean.length && new Set(clean.map((m) => m.clientMsgId ?? m)).size === clean.length;
      let predicted: NewMemory[] | null = null;
      if (chunks.turns >= 2 && allNew) {
        const expected = batch.map(
          (item, i): MessageRecord => ({ ...item.message, tenantId: this.tenantId, sessionId, seq: session.lastSeq + 1 + i }),
        );
        predicted = await closedChunkMemories(embedder, session, expected, chunks, earlier);
      }
      const outcome = await store.appendMessagesWith(this.tenantId, sessionId, batch, {
        previousTurn,
        chunks: predicted === null ? undefined : { afterSeq: session.lastSeq, memories: predicted },
      });
      results = outcome.results;
      chunksStored = outcome.chunksStored;
    } else {
      results = await store.appendMessages(this.tenantId, sessionId, batch);
      if (previousTurnId && first) await this.addNextTurnContext(previousTurnId, first.line, `mem_${first.uuid}`);
    }
    await this.deps.contextCache?.invalidateSession(this.tenantId, sessionId);
    if (chunks.turns >= 2 && !chunksStored) {
      const created = results.flatMap((result) => (result.created ? [result.message] : []));
      const known = [...earlier, ...results.map((result) => result.message)];
      await writeTurnChunks(store, embedder, session, created, chunks, known);
    }
    return results.map((result) => ({
      id: result.message.id,
      seq: result.message.seq,
      clientMsgId: result.message.clientMsgId,
      created: result.created,
      memoryId: result.memoryId,
    }));
  }

  /**
   * A turn's vector: its own text's embedding plus a share of the previous turn's (normalised),
   * so that "I tried one and my stomach was in knots" carries the question it answers.
   * The previous turn's embedding is usually a cache hit.
   */
  private async turnVectors(
    embedder: Embedder,
    items: ReadonlyArray<{ text: string; previousText: string | null }>,
  ): Promise<Float32Array[]> {
    const weight = this.deps.neighbourVectorWeight ?? 0;
    const previous = items.flatMap((item) => (item.previousText !== null && weight > 0 ? [item.previousText] : []));
    const all = await embedder.embed([...items.map((item) => item.text), ...previous]);
    let p = items.length;
    return items.map((item, i) => {
      const own = all[i] as Float32Array;
      if (item.previousText === null || weight <= 0) return own;
      const before = all[p++] as Float32Array;
      const mixed = new Float32Array(own.length);
      let norm = 0;
      for (let d = 0; d < own.length; d++) {
        const value = (own[d] as number) + weight * (before[d] as number);
        mixed[d] = value;
        norm += value * value;
      }
      const inverse = norm > 0 ? 1 / Math.sqrt(norm) : 0;
      for (let d = 0; d < own.length; d++) mixed[d] = (mixed[d] as number) * inverse;
      return mixed;
    });
  }

  /** Appends the next turn to the neighbourhood of the previous message's turn memory (`memoryId`). */
  private async addNextTurnContext(memoryId: string, next: string, nextTurn: string): Promise<void> {
    const store = this.deps.store;
    if (store.appendTurnContext) {
      await store.appendTurnContext(this.tenantId, memoryId, next, nextTurn);
      return;
    }
    const [memory] = await store.getMemories(this.tenantId, [memoryId]);
    if (memory?.kind !== 'turn') return;
    const context = memory.context ? `${memory.context}\n${next}` : next;
    await this.deps.store.updateMemory(this.tenantId, memoryId, {
      context,
      metadata: { ...memory.metadata, nextTurn },
      updatedAt: memory.updatedAt,
    });
  }

  async listMessages(
    sessionId: string,
    options: { afterSeq?: number; limit?: number; order?: 'asc' | 'desc' } = {},
  ): Promise<MessageRecord[]> {
    this.assertOpen();
    await this.getSession(sessionId);
    if (options.afterSeq !== undefined && (!Number.isInteger(options.afterSeq) || options.afterSeq < 0)) {
      throw invalidInput('afterSeq', 'afterSeq must be a non-negative integer');
    }
    return this.deps.store.listMessages(this.tenantId, sessionId, {
      afterSeq: options.afterSeq,
      limit: checkPositiveInt('limit', options.limit, 100, 1000),
      order: options.order === 'desc' ? 'desc' : 'asc',
    });
  }

  // ---- retrieval ------------------------------------------------------------------------

  /**
   * Hybrid search. Personal data in the query is masked as it would be in stored text. In modes
   * `off` and `write_only`, and past the read deadline, the answer is empty with `used: false`
   * and the reason (`mode_off`, `mode_write_only`, `timeout`) rather than an error: memory never
   * takes the agent down.
   */
  async search(query: string, options: SearchOptions = {}): Promise<SearchResponse> {
    this.assertOpen();
    const started = performance.now();
    return guardedRead(this.readGuard, started, {
      start: { op: 'search', session: options.sessionId ?? null, mode: this.mode, user: options.userId ?? null },
      seen: { userId: null },
      slowMessage: 'search_slow',
      work: () => this.searchNow(typeof query === 'string' ? this.redactText(query, {}, false) : query, options),
      fallback: async (reason) => ({
        results: [],
        threshold: this.retrieval.relevanceThreshold,
        tookMs: performance.now() - started,
        used: false,
        reason,
      }),
    });
  }

  private get readGuard(): ReadGuardDeps {
    const { metrics, logger, breakers } = this.deps;
    return { metrics, logger, breakers, tenant: this.tenantId, deadlineMs: this.readDeadlineMs };
  }

  private get readDeadlineMs(): number {
    return this.deps.readDeadlineMs ?? DEFAULT_READ_DEADLINE_MS;
  }

  private async searchNow(query: string, options: SearchOptions): Promise<SearchResponse> {
    const started = performance.now();
    checkText('query', query, 4_000);
    const filter = this.filterFrom(options);
    const mode = options.mode ?? 'hybrid';
    if (!['hybrid', 'keyword', 'vector'].includes(mode)) throw invalidInput('mode', 'mode must be hybrid, keyword or vector');
    const mmr = options.mmr === true ? 0.7 : options.mmr === false ? undefined : (options.mmr ?? this.retrieval.searchMmr ?? undefined);
    if (mmr !== undefined) checkUnitInterval('mmr', mmr, 0.7);
    const outcome = await hybridSearch(
      this.deps.store,
      await this.deps.activeEmbedder.refresh(),
      {
        query,
        filter,
        k: checkPositiveInt('k', options.k, 10, 200),
        mode,
        mmrLambda: mmr,
        now: checkTime('now', options.now, this.clock()),
      },
      this.retrieval,
    );
    return {
      results: outcome.hits.map((hit) => ({ ...hit, relevant: hit.scores.relevance >= outcome.threshold })),
      threshold: outcome.threshold,
      tookMs: performance.now() - started,
      used: true,
      reason: null,
    };
  }

  /**
   * The context for the next model call (see context-builder.ts). It never fails for slowness
   * or mode: in `write_only` it is the recent-turns fallback (`used: false, reason:
   * 'mode_write_only'`); in `off` it is empty (`reason: 'mode_off'`, the store is not read);
   * past the read deadline it is the recent-turns fallback (`reason: 'timeout'`, logged as
   * `context_slow`), or empty when even those do not come within a second deadline.
   */
  async getContext(sessionId: string, options: ContextOptions = {}): Promise<ContextResponse> {
    this.assertOpen();
    const started = performance.now();
    checkId('sessionId', sessionId);
    checkContextOptions(options);
    const seen = { userId: null as string | null };
    return guardedRead(this.readGuard, started, {
      start: { op: 'get_context', session: sessionId, mode: this.mode },
      seen,
      slowMessage: 'context_slow',
      work: async () => {
        const session = await this.getSession(sessionId);
        seen.userId = session.userId;
        await this.deps.activeEmbedder.refresh();
        const query = typeof options.query === 'string' ? this.redactText(options.query, {}, false) : options.query;
        const asked = query === options.query ? options : { ...options, query };
        const cache = this.deps.contextCache;
        if (!cache) return buildContext(this, session, asked, this.clock());
        return cachedContext(cache, this.deps.contextCacheTtlMs ?? CONTEXT_CACHE_TTL_MS, session, asked, () =>
          buildContext(this, session, asked, this.clock()),
        );
      },
      fallback: async (reason) => {
        // Off: the store is not read. write_only: the session must exist, as for a full read.
        if (reason === 'mode_off') return recentTurnsContext(this, [], options, reason);
        if (reason === 'mode_write_only') seen.userId = (await this.getSession(sessionId)).userId;
        // The recent turns, themselves under the deadline: empty when the store is too slow (or down) even for them.
        const recent = await withDeadline(this.readDeadlineMs, () =>
          this.deps.store
            .listMessages(this.tenantId, sessionId, { limit: fallbackTurns(options), order: 'desc' })
            .catch((error: unknown) => (StrataError.is(error, 'STORE_UNAVAILABLE') ? [] : Promise.reject(error))),
        );
        return recentTurnsContext(this, recent.ok ? recent.value : [], options, reason);
      },
    });
  }

  private filterFrom(options: SearchOptions): MemoryFilter {
    return {
      tenantId: this.tenantId,
      userId: optionalId('userId', options.userId),
      agentId: optionalId('agentId', options.agentId),
      sessionId: optionalId('sessionId', options.sessionId),
      namespace: optionalId('namespace', options.namespace),
      kinds: options.kinds?.map((kind, i) => checkKind(`kinds[${i}]`, kind)),
      tags: options.tags === undefined ? undefined : checkTags('tags', options.tags),
      since: options.since === undefined ? undefined : checkTime('since', options.since, 0),
      until: options.until === undefined ? undefined : checkTime('until', options.until, 0),
    };
  }

  // ---- memories -------------------------------------------------------------------------

  /**
   * Stores a memory (personal data in the text masked first); the same text in the same scope
   * returns the existing one. In mode `off` nothing is stored: the memory that would have been
   * stored comes back with `created: false, skipped: 'mode_off'`.
   */
  async remember(input: RememberInput): Promise<{ memory: MemoryRecord; created: boolean; skipped?: 'mode_off' }> {
    this.assertOpen();
    const started = performance.now();
    const mode = this.mode;
    const line = { op: 'remember' as const, session: input?.sessionId ?? null, mode, user: input?.userId ?? null };
    const counts: RedactionCounts = {};
    const clean = typeof input?.text === 'string' ? { ...input, text: this.redactText(input.text, counts) } : input;
    try {
      if (mode === 'off') {
        const memory = unsavedMemory(clean, this.tenantId, this.clock(), this.maxText);
        this.finish(line, started, 'skipped', { used: false, reason: 'mode_off', redactions: counts });
        return { memory, created: false, skipped: 'mode_off' };
      }
      const result = await this.rememberNow(clean);
      if (result.created) this.deps.metrics.memoriesWritten(result.memory.kind, 1);
      this.finish(line, started, 'ok', { used: true, reason: null, redactions: counts });
      return result;
    } catch (error) {
      this.finish(line, started, 'error', { used: false, reason: 'error', error: errorCode(error) });
      throw error;
    }
  }

  private async rememberNow(input: RememberInput): Promise<{ memory: MemoryRecord; created: boolean }> {
    const userId = checkId('userId', input.userId);
    const text = checkText('text', input.text, this.maxText);
    const hash = contentHash(text);
    const scope = { agentId: optionalId('agentId', input.agentId), namespace: optionalId('namespace', input.namespace) };
    const kind = input.kind === undefined ? 'note' : checkKind('kind', input.kind);
    const [existing] = await this.deps.store.listMemories(
      // '' matches memories stored without an agent / namespace: dedupe never crosses scopes.
      { tenantId: this.tenantId, userId, agentId: scope.agentId ?? '', namespace: scope.namespace ?? '', contentHash: hash, kinds: [kind] },
      { limit: 1 },
    );
    if (existing) return { memory: existing, created: false };
    if (input.sessionId !== undefined) {
      const session = await this.getSession(input.sessionId);
      if (session.userId !== userId) {
        throw new StrataError('SCOPE_CONFLICT', `session ${input.sessionId} belongs to another user`, {
          details: { sessionId: input.sessionId },
        });
      }
    }
    const createdAt = checkTime('createdAt', input.createdAt, this.clock());
    const embedder = await this.deps.activeEmbedder.refresh();
    const embedding = await embedder.embedOne(text);
    const memory = await this.deps.store.insertMemory({
      id: `mem_${uuidV7()}`,
      tenantId: this.tenantId,
      userId,
      ...scope,
      sessionId: input.sessionId ?? null,
      kind,
      text,
      context: null,
      tags: checkTags('tags', input.tags),
      importance: checkUnitInterval('importance', input.importance, 0.5),
      source: (input.source ?? []).map((id, i) => checkId(`source[${i}]`, id)),
      contentHash: hash,
      metadata: checkMetadata('metadata', input.metadata),
      embedding,
      embeddingModel: embedder.modelId,
      createdAt,
      validFrom: createdAt,
      validTo: null,
    });
    await this.userChanged(userId);
    return { memory, created: true };
  }

  async getMemory(id: string): Promise<MemoryRecord> {
    this.assertOpen();
    const [memory] = await this.deps.store.getMemories(this.tenantId, [checkId('id', id)]);
    if (!memory) throw new StrataError('MEMORY_NOT_FOUND', `memory ${id} not found`, { details: { id } });
    return memory;
  }

  async listMemories(options: SearchOptions & { limit?: number; after?: string } = {}): Promise<MemoryRecord[]> {
    this.assertOpen();
    return this.deps.store.listMemories(this.filterFrom(options), {
      limit: checkPositiveInt('limit', options.limit, 50, 1000),
      after: optionalId('after', options.after),
    });
  }

  async countMemories(options: SearchOptions = {}): Promise<number> {
    this.assertOpen();
    return this.deps.store.countMemories(this.filterFrom(options));
  }

  async updateMemory(id: string, update: MemoryUpdate): Promise<MemoryRecord> {
    this.assertOpen();
    const current = await this.getMemory(id);
    const text = update.text === undefined ? undefined : checkText('text', this.redactUpdate(update.text), this.maxText);
    const embedder = text === undefined ? null : await this.deps.activeEmbedder.refresh();
    const patch = {
      text,
      tags: update.tags === undefined ? undefined : checkTags('tags', update.tags),
      importance: update.importance === undefined ? undefined : checkUnitInterval('importance', update.importance, 0.5),
      metadata: update.metadata === undefined ? undefined : checkMetadata('metadata', update.metadata),
      contentHash: text === undefined ? undefined : contentHash(text),
      embedding: text === undefined || embedder === null ? undefined : await embedder.embedOne(text),
      embeddingModel: embedder?.modelId,
      updatedAt: this.clock(),
    };
    const updated = await this.deps.store.updateMemory(this.tenantId, id, patch);
    if (!updated) throw new StrataError('MEMORY_NOT_FOUND', `memory ${id} not found`, { details: { id } });
    await this.userChanged(updated.userId);
    // A rewritten turn: the chunks quoting its old text go.
    if (text !== undefined && text !== current.text && current.kind === 'turn' && current.sessionId !== null) {
      const stale = await this.chunksQuoting(current.sessionId, current.source);
      if (stale.length > 0) await this.deps.store.deleteMemories(this.tenantId, stale);
    }
    return updated;
  }

  /** Deletes a memory from the table and every index. */
  async forget(id: string): Promise<void> {
    this.assertOpen();
    checkId('id', id);
    const [memory] = await this.deps.store.getMemories(this.tenantId, [id]);
    // A forgotten turn must not live on inside the chunks that quote it.
    const chunks = memory?.kind === 'turn' && memory.sessionId !== null ? await this.chunksQuoting(memory.sessionId, memory.source) : [];
    const removed = await this.deps.store.deleteMemories(this.tenantId, [id, ...chunks]);
    if (removed === 0) throw new StrataError('MEMORY_NOT_FOUND', `memory ${id} not found`, { details: { id } });
    if (memory) await this.userChanged(memory.userId);
  }

  /** Ids of the session's chunk memories whose source includes one of these messages. */
  private async chunksQuoting(sessionId: string, messageIds: readonly string[]): Promise<string[]> {
    const wanted = new Set(messageIds);
    const out: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await this.deps.store.listMemories({ tenantId: this.tenantId, sessionId, kinds: ['episode'] }, { limit: 500, after });
      for (const memory of page) if (isChunk(memory) && memory.source.some((source) => wanted.has(source))) out.push(memory.id);
      if (page.length < 500) return out;
      after = page[page.length - 1]?.id;
    }
  }

  /** Erases everything of one user in this tenant: sessions, messages, memories, facts. */
  async forgetUser(userId: string): Promise<EraseCounts> {
    this.assertOpen();
    checkId('userId', userId);
    const sessionIds: string[] = [];
    if (this.deps.working) {
      for (let after: string | undefined; ; ) {
        const page = await this.deps.store.listSessions({ tenantId: this.tenantId, userId }, { limit: 1000, after });
        sessionIds.push(...page.map((session) => session.id));
        if (page.length < 1000) break;
        after = page.at(-1)?.id;
      }
    }
    const counts = await this.deps.store.forgetUser(this.tenantId, userId);
    // The erase stands even when the scratchpads cannot be cleared now: they expire, and the Redis
    // tier (when it is the store) deletes the same keys on its next successful call.
    await this.deps.working?.clearSessions(this.tenantId, sessionIds).catch(() => 0);
    await this.userChanged(userId);
    return counts;
  }

  async rebuildIndexes(): Promise<IndexReport> {
    this.assertOpen();
    return this.deps.store.rebuildIndexes();
  }

  // ---- facts ----------------------------------------------------------------------------

  /** Sets subject.key = value from validFrom on; the previous value's validity ends there. */
  async setFact(input: FactInput): Promise<SetFactResponse> {
    this.assertOpen();
    const scope = this.factScope(input);
    const subject = checkKey('subject', input.subject);
    const key = checkKey('key', input.key);
    const value = this.redactValue(checkJsonValue('value', input.value));
    const now = this.clock();
    const result = await this.deps.store.setFact({
      ...scope,
      id: `fact_${uuidV7()}`,
      subject,
      key,
      value,
      validFrom: checkTime('validFrom', input.validFrom, now),
      recordedAt: now,
      source: input.source === undefined ? null : checkText('source', input.source, 256),
    });
    if (result.created) await this.userChanged(scope.userId);
    const validation = validateAgainstRule(await this.deps.store.getFactRule(scope, subject, key), value);
    this.deps.metrics.factValidation(validation.valid, validation.severity);
    return { ...result, validation: { valid: validation.valid, severity: validation.severity, expected: validation.expected } };
  }

  /** Facts valid at `asOf` (default now). */
  async getFacts(query: FactQuery): Promise<FactRecord[]> {
    this.assertOpen();
    return this.deps.store.getFacts({
      ...this.factScope(query),
      subject: query.subject === undefined ? undefined : checkKey('subject', query.subject),
      key: query.key === undefined ? undefined : checkKey('key', query.key),
      asOf: query.asOf === undefined ? undefined : checkTime('asOf', query.asOf, 0),
    });
  }

  /** Every version of subject.key, oldest first. */
  async factHistory(query: FactQuery & { subject: string; key: string }): Promise<FactRecord[]> {
    this.assertOpen();
    return this.deps.store.getFacts({
      ...this.factScope(query),
      subject: checkKey('subject', query.subject),
      key: checkKey('key', query.key),
      allVersions: true,
    });
  }

  async setFactRule(query: FactQuery & { subject: string; key: string }, rule: FactRule): Promise<void> {
    this.assertOpen();
    await this.deps.store.setFactRule(
      this.factScope(query),
      checkKey('subject', query.subject),
      checkKey('key', query.key),
      checkRule(rule),
    );
  }

  async validate(query: FactQuery & { subject: string; key: string }, value: JsonValue): Promise<ValidationResult> {
    this.assertOpen();
    const rule = await this.deps.store.getFactRule(this.factScope(query), checkKey('subject', query.subject), checkKey('key', query.key));
    const result = validateAgainstRule(rule, checkJsonValue('value', value));
    this.deps.metrics.factValidation(result.valid, result.severity);
    return result;
  }

  private factScope(input: { userId: string; agentId?: string | undefined; namespace?: string | undefined }) {
    return {
      tenantId: this.tenantId,
      userId: checkId('userId', input.userId),
      agentId: optionalId('agentId', input.agentId),
      namespace: optionalId('namespace', input.namespace),
    };
  }

  // ---- consolidation --------------------------------------------------------------------

  /**
   * Summarises and promotes this tenant's sessions with new turns (or one session): a rolling
   * summary per session, notes from user turns, near-duplicates merged. Idempotent and safe
   * with several workers; returns what was done.
   */
  async consolidate(options: { sessionId?: string | undefined } = {}): Promise<ConsolidationCounts> {
    this.assertOpen();
    const sessionId = optionalId('sessionId', options.sessionId);
    if (sessionId !== undefined) await this.getSession(sessionId);
    return this.measuredConsolidation({ tenantId: this.tenantId, sessionId });
  }

  /** Consolidates every tenant's sessions (the worker and the server's schedule). */
  async consolidateAllTenants(): Promise<ConsolidationCounts> {
    this.assertOpen();
    return this.measuredConsolidation({});
  }

  /** A consolidation run, reported to the metrics (throughput, backlog, duration, last success). */
  private async measuredConsolidation(request: { tenantId?: string; sessionId?: string | undefined }): Promise<ConsolidationCounts> {
    const consolidator = this.consolidator();
    const started = performance.now();
    const report = (counts: ConsolidationCounts | null): void =>
      this.deps.metrics.consolidationRun({
        seconds: (performance.now() - started) / 1000,
        ok: counts !== null && counts.failed === 0,
        backlog: consolidator.lastBacklog,
        sessions: counts?.sessions ?? 0,
        turns: counts?.turns ?? 0,
        summaries: counts?.summaries ?? 0,
        notes: counts?.notes ?? 0,
        merged: counts?.merged ?? 0,
        failed: counts?.failed ?? 1,
      });
    try {
      const counts = await consolidator.run(request);
      report(counts);
      return counts;
    } catch (error) {
      report(null);
      throw error;
    }
  }

  private consolidator(): Consolidator {
    let consolidator = consolidators.get(this.deps);
    if (!consolidator) {
      const wiring = this.deps.consolidation;
      if (!wiring) throw consolidationUnsupported();
      const active = this.deps.activeEmbedder;
      consolidator = new Consolidator(
        {
          store: this.deps.store,
          consolidation: wiring.store,
          // Read once per run by the consolidator: the active model's embedder at that time.
          get embedder() {
            return active.current;
          },
          summarizer: wiring.summarizer ?? new ExtractiveSummarizer({ embed: (texts) => active.current.embed(texts) }, this.deps.tokens),
          clock: this.clock,
          afterCommit: (write) => this.afterExternalWrite(write),
        },
        wiring.options,
      );
      consolidators.set(this.deps, consolidator);
    }
    return consolidator;
  }

  /**
   * After a write committed in the durable store beside the decorators (consolidation, restore,
   * prune): the Qdrant mirror re-reads the memories, the Redis tier drops the sessions it cached,
   * the context cache drops the sessions' and users' contexts. See src/spec/external-writes.ts.
   */
  afterExternalWrite(write: ExternalWrite): Promise<void> {
    return propagateExternalWrite(this.deps.store, this.deps.contextCache, write);
  }

  /** Closes the store (persisting indexes). Later calls on this service or its tenant views raise CLOSED. */
  async close(): Promise<void> {
    if (this.lifecycle.closed) return;
    this.lifecycle.closed = true;
    await this.deps.outbox?.close();
    await this.deps.contextCache?.close();
    await this.deps.working?.close();
    await this.deps.store.close();
    for (const close of this.deps.closers ?? []) await close();
  }

  // ---- redaction, metrics, turn log ---------------------------------------------------------

  /** Masks personal data per the tenant's policy; counts go to `counts` and (for stored text) to the metrics. */
  private redactText(text: string, counts: RedactionCounts, stored = true): string {
    if (!this.deps.redactor) return text;
    const result = this.deps.redactor.redact(this.tenantId, text);
    addCounts(counts, result.counts);
    if (stored) this.deps.metrics.redactions(result.counts);
    return result.text;
  }

  private redactUpdate(text: unknown): string {
    return typeof text === 'string' ? this.redactText(text, {}) : (text as string);
  }

  private redactValue(value: JsonValue): JsonValue {
    if (!this.deps.redactor) return value;
    const result = this.deps.redactor.redactJson(this.tenantId, value);
    this.deps.metrics.redactions(result.counts);
    return result.value;
  }

  /** Records the call's latency and writes its turn log line (ids and numbers only, never text). */
  private finish(line: TurnStart, started: number, outcome: OperationOutcome, details: TurnDetails): void {
    recordTurn(this.deps.metrics, this.deps.logger, this.tenantId, line, started, outcome, {
      ...breakerFields(this.deps.breakers),
      ...details,
    });
  }

  private assertOpen(): void {
    if (this.lifecycle.closed) throw new StrataError('CLOSED', 'the memory service was closed');
  }
}

function clip(text: string, chars: number): string {
  return text.length <= chars ? text : `${text.slice(0, chars)}…`;
}
