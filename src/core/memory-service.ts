import { randomUUID } from 'node:crypto';
import type { Embedder } from '../embeddings/embedder.js';
import { invalidInput, StrataError } from '../errors/strata-error.js';
import { DEFAULT_RETRIEVAL, hybridSearch, type RetrievalSettings } from '../retrieval/hybrid-search.js';
import type { TokenCounter } from '../retrieval/tokenizer.js';
import type { AppendItem, EraseCounts, IndexReport, MemoryFilter, MemoryStoreV1, NewMemory } from '../spec/memory-store.js';
import type { FactRecord, FactRule, JsonValue, MemoryRecord, MessageRecord, SessionRecord } from '../spec/records.js';
import { contentHash } from '../util/hash.js';
import { buildContext } from './context-builder.js';
import { checkRule, type ValidationResult, validateAgainstRule } from './fact-rules.js';
import {
  checkId,
  checkJsonValue,
  checkKey,
  checkKind,
  checkMetadata,
  checkPositiveInt,
  checkRole,
  checkTags,
  checkText,
  checkTime,
  checkUnitInterval,
  optionalId,
} from './input.js';
import { type ChunkSettings, DEFAULT_CHUNKS, isChunk, writeTurnChunks } from './turn-chunks.js';
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
  readonly embedder: Embedder;
  readonly tokens: TokenCounter;
  readonly retrieval?: RetrievalSettings | undefined;
  readonly clock?: (() => number) | undefined;
  /** Characters of each neighbouring turn indexed with a turn. */
  readonly neighbourChars?: number | undefined;
  /** Share of the previous turn's vector mixed into a turn's vector. Default 0: with the offline embedder it helped vector-only recall but not the fused ranking. */
  readonly neighbourVectorWeight?: number | undefined;
  readonly maxBatch?: number | undefined;
  /** Turn chunks (see turn-chunks.ts); default DEFAULT_CHUNKS, `turns: 0` turns them off. */
  readonly chunks?: ChunkSettings | undefined;
}

/**
 * The memory service for one tenant: every core operation, validated, over a store and an
 * embedder. `forTenant` returns the same service for another tenant (the HTTP layer takes
 * the tenant from the API key).
 */
export class MemoryService {
  readonly retrieval: RetrievalSettings;
  private readonly clock: () => number;

  constructor(
    private readonly deps: MemoryServiceDeps,
    readonly tenantId: string = 'default',
    /** Shared by every tenant view of one service. */
    private readonly lifecycle: { closed: boolean } = { closed: false },
  ) {
    checkId('tenantId', tenantId);
    this.retrieval = deps.retrieval ?? DEFAULT_RETRIEVAL;
    this.clock = deps.clock ?? Date.now;
  }

  forTenant(tenantId: string): MemoryService {
    return new MemoryService(this.deps, tenantId, this.lifecycle);
  }

  get store(): MemoryStoreV1 {
    return this.deps.store;
  }

  get embedder(): Embedder {
    return this.deps.embedder;
  }

  get tokenizer(): TokenCounter {
    return this.deps.tokens;
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
      id: input.id === undefined ? `ses_${randomUUID()}` : checkId('sessionId', input.id),
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
   * Appends messages to a session. Idempotent on clientMsgId. Each message is indexed as a
   * `turn` memory (with its speaker and the previous turn as context) in the same
   * transaction, so it is searchable as soon as this returns.
   */
  async addMessages(sessionId: string, messages: readonly MessageInput[]): Promise<AddedMessage[]> {
    this.assertOpen();
    checkId('sessionId', sessionId);
    if (!Array.isArray(messages) || messages.length === 0) throw invalidInput('messages', 'messages must be a non-empty array');
    const maxBatch = this.deps.maxBatch ?? 1000;
    if (messages.length > maxBatch) throw invalidInput('messages', `at most ${maxBatch} messages per call`, { limit: maxBatch });
    const now = this.clock();
    const clean = messages.map((message, i) => {
      if (typeof message !== 'object' || message === null) throw invalidInput(`messages[${i}]`, 'a message must be an object');
      const name = message.name === undefined || message.name === null ? null : checkText(`messages[${i}].name`, message.name, 128);
      return {
        role: checkRole(`messages[${i}].role`, message.role),
        content: checkText(`messages[${i}].content`, message.content, this.maxText),
        name,
        metadata: checkMetadata(`messages[${i}].metadata`, message.metadata),
        clientMsgId: message.clientMsgId === undefined ? null : checkId(`messages[${i}].clientMsgId`, message.clientMsgId),
        createdAt: checkTime(`messages[${i}].createdAt`, message.createdAt, now),
      };
    });
    const session = await this.getSession(sessionId);
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
      fresh.push({ index, uuid: randomUUID(), text, line: own, previous: before, previousText: beforeText });
      before = own;
      beforeText = text;
    });
    const vectors = await this.turnVectors(fresh);
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
        embeddingModel: this.deps.embedder.modelId,
        createdAt: message.createdAt,
        validFrom: message.createdAt,
        validTo: null,
      });
    });
    const batch: AppendItem[] = clean.map((message, index) => {
      const turn = turns.get(index) ?? null;
      return {
        message: {
          id: turn ? (turn.source[0] as string) : `msg_${randomUUID()}`,
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
    const results = await this.deps.store.appendMessages(this.tenantId, sessionId, batch);
    const first = fresh[0];
    if (previous && first) await this.addNextTurnContext(previous, first.line, `mem_${first.uuid}`);
    if (chunks.turns >= 2) {
      const created = results.flatMap((result) => (result.created ? [result.message] : []));
      const known = [...earlier, ...results.map((result) => result.message)];
      await writeTurnChunks(this.deps.store, this.deps.embedder, session, created, chunks, known);
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
  private async turnVectors(items: ReadonlyArray<{ text: string; previousText: string | null }>): Promise<Float32Array[]> {
    const weight = this.deps.neighbourVectorWeight ?? 0;
    const previous = items.flatMap((item) => (item.previousText !== null && weight > 0 ? [item.previousText] : []));
    const all = await this.deps.embedder.embed([...items.map((item) => item.text), ...previous]);
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

  /** Appends the next turn to the neighbourhood of the previous message's turn memory. */
  private async addNextTurnContext(previous: MessageRecord, next: string, nextTurn: string): Promise<void> {
    const memoryId = previous.id.startsWith('msg_') ? `mem_${previous.id.slice(4)}` : null;
    if (memoryId === null) return;
    const [memory] = await this.deps.store.getMemories(this.tenantId, [memoryId]);
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

  async search(query: string, options: SearchOptions = {}): Promise<SearchResponse> {
    this.assertOpen();
    const started = performance.now();
    checkText('query', query, 4_000);
    const filter = this.filterFrom(options);
    const mode = options.mode ?? 'hybrid';
    if (!['hybrid', 'keyword', 'vector'].includes(mode)) throw invalidInput('mode', 'mode must be hybrid, keyword or vector');
    const mmr = options.mmr === true ? 0.7 : options.mmr === false ? undefined : options.mmr;
    if (mmr !== undefined) checkUnitInterval('mmr', mmr, 0.7);
    const outcome = await hybridSearch(
      this.deps.store,
      this.deps.embedder,
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
    };
  }

  async getContext(sessionId: string, options: ContextOptions = {}): Promise<ContextResponse> {
    this.assertOpen();
    const session = await this.getSession(sessionId);
    return buildContext(this, session, options, this.clock());
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

  /** Stores a memory; the same text in the same scope returns the existing one. */
  async remember(input: RememberInput): Promise<{ memory: MemoryRecord; created: boolean }> {
    this.assertOpen();
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
    const embedding = await this.deps.embedder.embedOne(text);
    const memory = await this.deps.store.insertMemory({
      id: `mem_${randomUUID()}`,
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
      embeddingModel: this.deps.embedder.modelId,
      createdAt,
      validFrom: createdAt,
      validTo: null,
    });
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
    const text = update.text === undefined ? undefined : checkText('text', update.text, this.maxText);
    const patch = {
      text,
      tags: update.tags === undefined ? undefined : checkTags('tags', update.tags),
      importance: update.importance === undefined ? undefined : checkUnitInterval('importance', update.importance, 0.5),
      metadata: update.metadata === undefined ? undefined : checkMetadata('metadata', update.metadata),
      contentHash: text === undefined ? undefined : contentHash(text),
      embedding: text === undefined ? undefined : await this.deps.embedder.embedOne(text),
      embeddingModel: text === undefined ? undefined : this.deps.embedder.modelId,
      updatedAt: this.clock(),
    };
    const updated = await this.deps.store.updateMemory(this.tenantId, id, patch);
    if (!updated) throw new StrataError('MEMORY_NOT_FOUND', `memory ${id} not found`, { details: { id } });
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
    return this.deps.store.forgetUser(this.tenantId, checkId('userId', userId));
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
    const value = checkJsonValue('value', input.value);
    const now = this.clock();
    const result = await this.deps.store.setFact({
      ...scope,
      id: `fact_${randomUUID()}`,
      subject,
      key,
      value,
      validFrom: checkTime('validFrom', input.validFrom, now),
      recordedAt: now,
      source: input.source === undefined ? null : checkText('source', input.source, 256),
    });
    const validation = validateAgainstRule(await this.deps.store.getFactRule(scope, subject, key), value);
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
    return validateAgainstRule(rule, checkJsonValue('value', value));
  }

  private factScope(input: { userId: string; agentId?: string | undefined; namespace?: string | undefined }) {
    return {
      tenantId: this.tenantId,
      userId: checkId('userId', input.userId),
      agentId: optionalId('agentId', input.agentId),
      namespace: optionalId('namespace', input.namespace),
    };
  }

  /** Closes the store (persisting indexes). Later calls on this service or its tenant views raise CLOSED. */
  async close(): Promise<void> {
    if (this.lifecycle.closed) return;
    this.lifecycle.closed = true;
    await this.deps.store.close();
  }

  private assertOpen(): void {
    if (this.lifecycle.closed) throw new StrataError('CLOSED', 'the memory service was closed');
  }
}

function clip(text: string, chars: number): string {
  return text.length <= chars ? text : `${text.slice(0, chars)}…`;
}
