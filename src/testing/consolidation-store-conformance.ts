import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConsolidationCommit, ConsolidationLease, ConsolidationStoreV1 } from '../spec/consolidation-store.js';
import type { MemoryStoreV1, NewMemory } from '../spec/memory-store.js';

export interface ConsolidationStoreFixture {
  readonly store: MemoryStoreV1;
  readonly consolidation: ConsolidationStoreV1;
  close(): Promise<void>;
}

export interface ConsolidationConformanceOptions {
  /** A fresh, opened, empty store (and its consolidation side) per test. */
  readonly create: () => Promise<ConsolidationStoreFixture>;
}

/**
 * The behaviour every ConsolidationStoreV1 must have: pending sessions, leases (exclusive,
 * expiring, fenced by token), checkpoints, and the all-or-nothing commit with its replay and
 * conflict answers. Each backend's test file calls this with its factory.
 */
export function consolidationStoreConformance(options: ConsolidationConformanceOptions): void {
  let fx: ConsolidationStoreFixture;
  let tenantId: string;
  beforeEach(async () => {
    fx = await options.create();
    tenantId = `t-${randomUUID().slice(0, 8)}`;
  });
  afterEach(async () => {
    await fx.close();
  });

  const session = async (id: string, turns: number): Promise<void> => {
    await fx.store.ensureSession({ tenantId, id, userId: 'u1', metadata: {}, createdAt: 1000 });
    const batch = Array.from({ length: turns }, (_, i) => ({
      message: {
        id: `msg_${id}_${i}_${randomUUID().slice(0, 6)}`,
        role: 'user' as const,
        name: null,
        content: `turn ${i} of ${id}`,
        metadata: {},
        createdAt: 1000 + i,
        clientMsgId: null,
        tokenCount: 4,
      },
      turn: null,
    }));
    if (turns > 0) await fx.store.appendMessages(tenantId, id, batch);
  };
  const note = (id: string, text: string, extra: Partial<NewMemory> = {}): NewMemory => ({
    id,
    tenantId,
    userId: 'u1',
    sessionId: 's1',
    kind: 'note',
    text,
    context: null,
    tags: [],
    importance: 0.5,
    source: [`msg_${id}`],
    contentHash: `hash-${text}`,
    metadata: { sourceClientMsgIds: [`c-${id}`] },
    embedding: null,
    embeddingModel: null,
    createdAt: 2000,
    validFrom: 2000,
    validTo: null,
    ...extra,
  });
  const lease = async (sessionId = 's1', worker = 'w1', ttl = 60_000, now = 10_000): Promise<ConsolidationLease> => {
    const taken = await fx.consolidation.leaseConsolidation(tenantId, sessionId, worker, ttl, now);
    expect(taken, `lease on ${sessionId} for ${worker}`).not.toBeNull();
    return taken as ConsolidationLease;
  };
  const commit = (held: ConsolidationLease, extra: Partial<ConsolidationCommit> = {}): ConsolidationCommit => ({
    lease: held,
    runId: 'run-1',
    fromSeq: 0,
    toSeq: 3,
    now: 5000,
    insert: [],
    merge: [],
    remove: [],
    summary: null,
    ...extra,
  });

  /** One run: lease, commit, release. */
  const leased = async (extra: Partial<ConsolidationCommit>) => {
    const held = await lease();
    try {
      return await fx.consolidation.commitConsolidation(commit(held, extra));
    } finally {
      await fx.consolidation.releaseConsolidation(held);
    }
  };

  describe('ConsolidationStoreV1 conformance', () => {
    it('lists sessions with turns past their checkpoint, by tenant and session', async () => {
      await session('s1', 3);
      await session('s2', 0);
      await session('s3', 2);
      const pending = await fx.consolidation.listPendingSessions({ tenantId }, 100);
      expect(pending.map((p) => [p.sessionId, p.checkpointSeq, p.lastSeq]).sort()).toEqual([
        ['s1', 0, 3],
        ['s3', 0, 2],
      ]);
      expect((await fx.consolidation.listPendingSessions({ tenantId, sessionId: 's3' }, 100)).map((p) => p.sessionId)).toEqual(['s3']);
      expect(await fx.consolidation.listPendingSessions({ tenantId: `${tenantId}-other` }, 100)).toEqual([]);
      expect(await fx.consolidation.commitConsolidation(commit(await lease()))).toMatchObject({ status: 'applied' });
      expect((await fx.consolidation.listPendingSessions({ tenantId }, 100)).map((p) => p.sessionId)).toEqual(['s3']);
    });

    it('leases are exclusive until they expire or are released, and fenced by token', async () => {
      await session('s1', 1);
      const first = await lease('s1', 'w1', 1000, 10_000);
      expect(await fx.consolidation.leaseConsolidation(tenantId, 's1', 'w2', 1000, 10_500)).toBeNull();
      expect(await fx.consolidation.leaseConsolidation(tenantId, 's1', 'w1', 1000, 10_500)).toBeNull();
      expect(await fx.consolidation.renewConsolidation(first, 1000, 10_900)).toBe(true);
      expect(await fx.consolidation.leaseConsolidation(tenantId, 's1', 'w2', 1000, 11_500)).toBeNull();
      const second = await lease('s1', 'w2', 1000, 12_000);
      expect(second.token).not.toBe(first.token);
      expect(await fx.consolidation.renewConsolidation(first, 1000, 12_100)).toBe(false);
      await fx.consolidation.releaseConsolidation(first);
      expect(await fx.consolidation.leaseConsolidation(tenantId, 's1', 'w3', 1000, 12_200)).toBeNull();
      await fx.consolidation.releaseConsolidation(second);
      await lease('s1', 'w3', 1000, 12_300);
    });

    it('commits outputs, summary and checkpoint together; a replay writes nothing; a moved checkpoint or lost lease conflicts', async () => {
      await session('s1', 3);
      const held = await lease();
      const run = commit(held, {
        insert: [note('mem_a', 'alpha beta'), note('mem_b', 'gamma delta')],
        summary: { text: 'the rolling summary', memoryId: 'mem_a' },
      });
      expect(await fx.consolidation.commitConsolidation(run)).toEqual({ status: 'applied', inserted: 2, folded: 0 });
      expect((await fx.store.getMemories(tenantId, ['mem_a', 'mem_b'])).map((m) => m.text)).toEqual(['alpha beta', 'gamma delta']);
      expect(await fx.store.getSession(tenantId, 's1')).toMatchObject({ summary: 'the rolling summary', summarizedUpToSeq: 3 });
      expect(await fx.consolidation.getCheckpoint(tenantId, 's1')).toMatchObject({ upToSeq: 3, runId: 'run-1', summaryMemoryId: 'mem_a' });
      expect(await fx.consolidation.commitConsolidation(run)).toEqual({ status: 'replay', inserted: 0, folded: 0 });
      expect(await fx.store.countMemories({ tenantId, includeSuperseded: true })).toBe(2);
      expect((await fx.consolidation.commitConsolidation(commit(held, { runId: 'run-2', insert: [note('mem_c', 'x')] }))).status).toBe(
        'conflict',
      );
      const stolen = await lease('s1', 'w2', 60_000, 100_000);
      expect((await fx.consolidation.commitConsolidation(commit(held, { runId: 'run-3', fromSeq: 3, toSeq: 3 }))).status).toBe('conflict');
      expect((await fx.consolidation.commitConsolidation(commit(stolen, { runId: 'run-3', fromSeq: 3, toSeq: 3 }))).status).toBe('applied');
      expect(await fx.store.getMemories(tenantId, ['mem_c'])).toEqual([]);
    });

    it('removes replaced memories, merges provenance, supersedes, and folds a note whose content hash exists', async () => {
      await session('s1', 3);
      await leased({ insert: [note('mem_old', 'old text'), note('mem_sum', 'summary v1', { kind: 'summary' })] });
      await fx.store.appendMessages(tenantId, 's1', [
        {
          message: {
            id: `msg_more_${randomUUID()}`,
            role: 'user',
            name: null,
            content: 'more',
            metadata: {},
            createdAt: 3000,
            clientMsgId: null,
            tokenCount: 1,
          },
          turn: null,
        },
      ]);
      const outcome = await leased({
        runId: 'run-2',
        fromSeq: 3,
        toSeq: 4,
        insert: [note('mem_new', 'new text')],
        merge: [
          {
            id: 'mem_old',
            source: ['msg_mem_old'],
            metadata: { sourceClientMsgIds: ['c-mem_old'] },
            importance: 0.7,
            supersededBy: 'mem_new',
            validTo: 3000,
          },
        ],
        remove: ['mem_sum'],
      });
      expect(outcome).toEqual({ status: 'applied', inserted: 1, folded: 0 });
      const [old] = await fx.store.getMemories(tenantId, ['mem_old']);
      expect(old).toMatchObject({ supersededBy: 'mem_new', validTo: 3000, importance: 0.7 });
      expect(await fx.store.getMemories(tenantId, ['mem_sum'])).toEqual([]);
      // Indexes follow the commit: the removed memory is not found, the inserted one is.
      expect((await fx.store.keywordSearch({ tenantId }, ['summary'], 10)).map((h) => h.id)).not.toContain('mem_sum');
      expect((await fx.store.keywordSearch({ tenantId }, ['new'], 10)).map((h) => h.id)).toContain('mem_new');
      await fx.store.appendMessages(tenantId, 's1', [
        {
          message: {
            id: `msg_last_${randomUUID()}`,
            role: 'user',
            name: null,
            content: 'last',
            metadata: {},
            createdAt: 4000,
            clientMsgId: null,
            tokenCount: 1,
          },
          turn: null,
        },
      ]);
      const folded = await leased({
        runId: 'run-3',
        fromSeq: 4,
        toSeq: 5,
        insert: [note('mem_again', 'new text', { source: ['msg_again'], metadata: { sourceClientMsgIds: ['c-again'] } })],
      });
      expect(folded).toEqual({ status: 'applied', inserted: 0, folded: 1 });
      const [survivor] = await fx.store.getMemories(tenantId, ['mem_new']);
      expect(survivor?.source).toEqual(['msg_mem_new', 'msg_again']);
      expect(survivor?.metadata.sourceClientMsgIds).toEqual(['c-mem_new', 'c-again']);
    });
  });
}
