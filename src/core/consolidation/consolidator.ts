import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Embedder } from '../../embeddings/embedder.js';
import { StrataError } from '../../errors/strata-error.js';
import type { ConsolidationLease, ConsolidationStoreV1, PendingSession } from '../../spec/consolidation-store.js';
import type { ExternalWrite } from '../../spec/external-writes.js';
import type { MemoryStoreV1 } from '../../spec/memory-store.js';
import type { MemoryRecord } from '../../spec/records.js';
import type { SummarizerV1, SummarySentence } from '../../spec/summarizer.js';
import { contentHash as contentHashOf } from '../../util/hash.js';
import { runIdOf, summaryIdOf } from './ids.js';
import { planNotes, stringList } from './plan-notes.js';

export interface ConsolidationHooks {
  /** Called after the outputs are computed, before they are committed (tests inject failures here). */
  readonly beforeCommit?: ((run: { tenantId: string; sessionId: string; runId: string }) => void | Promise<void>) | undefined;
}

export interface ConsolidatorOptions {
  /** Identifies this worker in leases. Default host:pid:random. */
  readonly workerId?: string | undefined;
  /** How long a lease lasts without renewal. Default 60 s. */
  readonly leaseTtlMs?: number | undefined;
  /** Turns consolidated per run (a longer backlog takes several runs). Default 500. */
  readonly batchTurns?: number | undefined;
  /** Largest rolling summary, in tokens. Default 300 (the context's summary share of a 1,500-token budget). */
  readonly summaryTokens?: number | undefined;
  /** Cosine at or above which a new note supersedes an existing note of the same user. Default 0.92. */
  readonly dedupeThreshold?: number | undefined;
  /** Promotion score at or above which a user turn becomes a note. Default 0.45. */
  readonly promoteThreshold?: number | undefined;
  readonly hooks?: ConsolidationHooks | undefined;
}

export interface ConsolidateRequest {
  /** Omit for every tenant (a worker). */
  readonly tenantId?: string | undefined;
  readonly sessionId?: string | undefined;
  /** Sessions looked at per call. Default 1000. */
  readonly limit?: number | undefined;
}

export interface ConsolidationCounts {
  /** Sessions whose new turns were consolidated by this call. */
  sessions: number;
  /** Sessions another worker held (leased): left to it. */
  skipped: number;
  /** Turns consolidated. */
  turns: number;
  summaries: number;
  notes: number;
  /** Notes that merged into (or superseded) an existing or sibling note. */
  merged: number;
  /** Runs whose commit was refused (lease lost or checkpoint moved): redone by the next call. */
  conflicts: number;
  /** Sessions whose run failed (nothing of it was written); the call then raises the first failure. */
  failed: number;
}

export interface ConsolidatorDeps {
  readonly store: MemoryStoreV1;
  readonly consolidation: ConsolidationStoreV1;
  readonly embedder: Embedder;
  readonly summarizer: SummarizerV1;
  readonly clock: () => number;
  /**
   * Told after each applied commit what it wrote beside the store's decorators (the session, its
   * user, the memories inserted, merged or removed), so that a Qdrant mirror and a Redis tier follow.
   */
  readonly afterCommit?: ((write: ExternalWrite) => Promise<void>) | undefined;
}

/**
 * The consolidation job: for each session with turns past its checkpoint, a rolling summary
 * (replacing the previous summary memory) and notes promoted from user turns, deduplicated
 * against the user's notes. The outputs have ids derived from session + seq range and are
 * committed with the checkpoint in one transaction under a lease: a crash before the commit
 * leaves nothing, a rerun computes the same outputs, a second worker skips a leased session.
 */
export class Consolidator {
  readonly workerId: string;
  private readonly ttl: number;
  /** Sessions pending when the last run started (its backlog). */
  lastBacklog = 0;

  constructor(
    private readonly deps: ConsolidatorDeps,
    private readonly options: ConsolidatorOptions = {},
  ) {
    this.workerId = options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
    this.ttl = options.leaseTtlMs ?? 60_000;
  }

  async run(request: ConsolidateRequest = {}): Promise<ConsolidationCounts> {
    const counts: ConsolidationCounts = { sessions: 0, skipped: 0, turns: 0, summaries: 0, notes: 0, merged: 0, conflicts: 0, failed: 0 };
    const pending = await this.deps.consolidation.listPendingSessions(
      { tenantId: request.tenantId, sessionId: request.sessionId },
      request.limit ?? 1000,
    );
    this.lastBacklog = pending.length;
    // One failing session (e.g. the summarizer endpoint refuses it) does not hold the others
    // back; the first failure is raised once every session was tried.
    let failure: unknown = null;
    for (const session of pending) {
      try {
        await this.session(session, counts);
      } catch (error) {
        counts.failed++;
        failure ??= error;
      }
    }
    if (failure !== null) throw failure;
    return counts;
  }

  private async session(pending: PendingSession, counts: ConsolidationCounts): Promise<void> {
    const { consolidation } = this.deps;
    const lease = await consolidation.leaseConsolidation(pending.tenantId, pending.sessionId, this.workerId, this.ttl, this.deps.clock());
    if (!lease) {
      counts.skipped++;
      return;
    }
    let applied = 0;
    try {
      // A long backlog is consolidated in batches, each committed on its own.
      for (;;) {
        const step = await this.batch(lease, counts);
        if (step.status === 'applied') applied++;
        if (step.status !== 'applied' || !step.more) break;
      }
      // Another worker may have finished the session between the listing and the lease.
      if (applied > 0) counts.sessions++;
    } finally {
      await consolidation.releaseConsolidation(lease);
    }
  }

  /** One run over the next batch of turns; `more` when the batch was full (a backlog remains). */
  private async batch(
    lease: ConsolidationLease,
    counts: ConsolidationCounts,
  ): Promise<{ status: 'applied' | 'idle' | 'conflict'; more: boolean }> {
    const { store, consolidation, embedder } = this.deps;
    const { tenantId, sessionId } = lease;
    const session = await store.getSession(tenantId, sessionId);
    if (!session) return IDLE;
    const checkpoint = await consolidation.getCheckpoint(tenantId, sessionId);
    const fromSeq = checkpoint?.upToSeq ?? 0;
    const limit = this.options.batchTurns ?? 500;
    const turns = await store.listMessages(tenantId, sessionId, { afterSeq: fromSeq, limit, order: 'asc' });
    const last = turns.at(-1);
    if (!last) return IDLE;
    const toSeq = last.seq;
    const runId = runIdOf(tenantId, sessionId, fromSeq, toSeq);
    const now = this.deps.clock();

    const previous = checkpoint?.summaryMemoryId ? ((await store.getMemories(tenantId, [checkpoint.summaryMemoryId]))[0] ?? null) : null;
    const summary = await this.deps.summarizer.summarize({
      previous: previous ? { text: previous.text, sentences: sentencesOf(previous) } : null,
      turns: turns.map((t) => ({ id: t.id, seq: t.seq, role: t.role, name: t.name, content: t.content, createdAt: t.createdAt })),
      tokenBudget: this.options.summaryTokens ?? 300,
      tenantId,
    });
    // message id -> clientMsgId, for the new turns and for the sources the previous summary kept.
    const clientIds = new Map<string, string>(Object.entries(stringRecord(previous?.metadata.clientMsgIdBySource)));
    for (const t of turns) if (t.clientMsgId) clientIds.set(t.id, t.clientMsgId);
    let summaryMemory = null;
    if (summary.text.trim() !== '') {
      const [vector] = await embedder.embed([summary.text]);
      const bySource = Object.fromEntries(summary.source.flatMap((id) => (clientIds.has(id) ? [[id, clientIds.get(id) as string]] : [])));
      const sourceClientMsgIds = [...new Set(Object.values(bySource))];
      summaryMemory = {
        id: summaryIdOf(tenantId, sessionId, fromSeq, toSeq),
        tenantId,
        userId: session.userId,
        agentId: session.agentId,
        namespace: session.namespace,
        sessionId,
        kind: 'summary' as const,
        text: summary.text,
        context: null,
        tags: [],
        importance: 0.6,
        source: summary.source,
        contentHash: contentHashOf(summary.text),
        metadata: {
          summarizer: this.deps.summarizer.name,
          upToSeq: toSeq,
          sourceClientMsgIds,
          clientMsgIdBySource: bySource,
          sentences: summary.sentences.map((s) => ({ text: s.text, source: [...s.source] })),
        },
        embedding: vector as Float32Array,
        embeddingModel: embedder.modelId,
        createdAt: last.createdAt,
        validFrom: last.createdAt,
        validTo: null,
      };
    }
    const notes = await planNotes({ store, embedder, session, turns, now, options: this.options });
    if (!(await consolidation.renewConsolidation(lease, this.ttl, this.deps.clock()))) {
      counts.conflicts++;
      return CONFLICT;
    }
    await this.options.hooks?.beforeCommit?.({ tenantId, sessionId, runId });
    const commit = {
      lease,
      runId,
      fromSeq,
      toSeq,
      now,
      insert: [...(summaryMemory ? [summaryMemory] : []), ...notes.insert],
      merge: notes.merge,
      remove: summaryMemory && previous && previous.id !== summaryMemory.id ? [previous.id] : [],
      summary: summaryMemory ? { text: summaryMemory.text, memoryId: summaryMemory.id } : null,
    };
    const outcome = await consolidation.commitConsolidation(commit);
    if (outcome.status === 'conflict') {
      counts.conflicts++;
      return CONFLICT;
    }
    // A replay is told again: the crash that left it may have come before the first telling.
    await this.deps.afterCommit?.({
      tenantId,
      sessions: [sessionId],
      users: [session.userId],
      // A folded note insert names an id that was not written: the decorators find it absent.
      memories: [...commit.insert.map((m) => m.id), ...commit.merge.map((m) => m.id), ...commit.remove],
    });
    if (outcome.status === 'replay') return IDLE;
    counts.turns += turns.length;
    counts.summaries += summaryMemory ? 1 : 0;
    counts.notes += notes.insert.filter((m) => m.kind === 'note').length - outcome.folded;
    counts.merged += notes.merged + outcome.folded;
    return { status: 'applied', more: turns.length === limit };
  }
}

function stringRecord(value: unknown): Record<string, string> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  return Object.fromEntries(Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

const IDLE = { status: 'idle', more: false } as const;
const CONFLICT = { status: 'conflict', more: false } as const;

function sentencesOf(memory: MemoryRecord): SummarySentence[] {
  const raw = memory.metadata.sentences;
  if (!Array.isArray(raw)) return [{ text: memory.text, source: memory.source }];
  return raw.flatMap((entry) =>
    typeof entry === 'object' && entry !== null && !Array.isArray(entry) && typeof entry.text === 'string'
      ? [{ text: entry.text, source: stringList(entry.source) }]
      : [],
  );
}

/** The store has no consolidation support (no ConsolidationStoreV1 was wired). */
export function consolidationUnsupported(): StrataError {
  return new StrataError('INVALID_CONFIG', 'this store has no consolidation support (no ConsolidationStoreV1 configured)');
}
