import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GroupCommit, type Settled } from '../../src/stores/sqlite/group-commit.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { item, MODEL, memoryOf, unit } from '../../src/testing/store-fixtures.js';
import { tempDir } from '../helpers/memory.js';

describe('GroupCommit', () => {
  it('runs the jobs submitted in one turn as one group, in order, and later ones in the next', async () => {
    const groups: number[][] = [];
    const commit = new GroupCommit<number, number>(async (jobs) => {
      groups.push([...jobs]);
      return jobs.map((job): Settled<number> => ({ ok: true, value: job * 10 }));
    });
    const first = await Promise.all([commit.submit(1), commit.submit(2), commit.submit(3)]);
    const later = await commit.submit(4);
    expect(first).toEqual([10, 20, 30]);
    expect(later).toBe(40);
    expect(groups).toEqual([[1, 2, 3], [4]]);
  });

  it('fails a job alone on its own error, and every job of the group when the run fails', async () => {
    const failing = new GroupCommit<number, number>(async (jobs) =>
      jobs.map((job): Settled<number> => (job === 2 ? { ok: false, error: new Error(`job ${job}`) } : { ok: true, value: job })),
    );
    const settled = await Promise.allSettled([failing.submit(1), failing.submit(2), failing.submit(3)]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const broken = new GroupCommit<number, number>(async () => {
      throw new Error('commit failed');
    });
    const short = new GroupCommit<number, number>(async () => [{ ok: true, value: 1 }]);
    const answered = await Promise.allSettled([short.submit(1), short.submit(2)]);
    // A run that settles fewer jobs than it was given fails the rest rather than leaving them waiting.
    expect(answered.map((s) => s.status)).toEqual(['fulfilled', 'rejected']);
    const all = await Promise.allSettled([broken.submit(1), broken.submit(2)]);
    expect(all.map((s) => (s.status === 'rejected' ? (s.reason as Error).message : 'fulfilled'))).toEqual([
      'commit failed',
      'commit failed',
    ]);
  });

  it('flush runs the waiting jobs at once and waits for a group still settling', async () => {
    let release = (): void => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const groups: number[][] = [];
    const commit = new GroupCommit<number, number>(async (jobs) => {
      groups.push([...jobs]);
      if (jobs.includes(1)) await gate;
      return jobs.map((job): Settled<number> => ({ ok: true, value: job }));
    });
    const one = commit.submit(1);
    const firstFlush = commit.flush();
    expect(groups).toEqual([[1]]);
    const two = commit.submit(2);
    let secondDone = false;
    const secondFlush = commit.flush().then(() => {
      secondDone = true;
    });
    expect(groups).toEqual([[1], [2]]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Group [2] has settled, but flush also waits for group [1], still at its gate.
    expect(secondDone).toBe(false);
    release();
    await Promise.all([firstFlush, secondFlush]);
    expect(secondDone).toBe(true);
    await expect(Promise.all([one, two])).resolves.toEqual([1, 2]);
  }, 10_000);
});

// The SQLite store's appends go through a group commit: appends submitted together share a
// transaction, each in its own savepoint; each must read as if it had been alone.
const T = 'default';
const T0 = Date.parse('2026-04-01T08:00:00Z');
const scope = { tenantId: T, userId: 'u', agentId: undefined, namespace: undefined };

describe('SQLite appends in one group', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  const path = () => join(dir.dir, 'group.db');
  const turnOf = (session: string, text: string, messageId: string) =>
    memoryOf(scope, { kind: 'turn', sessionId: session, text, source: [messageId], embedding: unit(1, 0, 0, 0), embeddingModel: MODEL });
  const ids = async (terms: string[]) => (await store.keywordSearch({ tenantId: T, userId: 'u' }, terms, 10)).map((hit) => hit.id);

  beforeEach(async () => {
    dir = tempDir();
    store = new SqliteStore({ path: path() });
    await store.open();
    for (const id of ['a', 'b']) await store.ensureSession({ id, tenantId: T, userId: 'u', metadata: {}, createdAt: T0 });
  });
  afterEach(async () => {
    await store.close();
    dir.cleanup();
  });

  it('stores concurrent appends with their own seqs, searchable when each returns', async () => {
    const harbour = turnOf('a', 'the harbour cafe opens at eight', 'msg_a1');
    const ferry = turnOf('b', 'the ferry leaves at nine', 'msg_b1');
    const [a1, b1, a2] = await Promise.all([
      store.appendMessages(T, 'a', [item({ id: 'msg_a1', clientMsgId: 'a1' }, harbour)]),
      store.appendMessages(T, 'b', [item({ id: 'msg_b1', clientMsgId: 'b1' }, ferry)]),
      store.appendMessages(T, 'a', [item({ id: 'msg_a2', clientMsgId: 'a2', content: 'second in a' })]),
    ]);
    expect([a1, b1, a2].map((results) => results.map((r) => [r.message.seq, r.created]))).toEqual([[[1, true]], [[1, true]], [[2, true]]]);
    expect(await ids(['harbour'])).toEqual([harbour.id]);
    expect(await ids(['ferry'])).toEqual([ferry.id]);
    expect((await store.listMessages(T, 'a', { limit: 10, order: 'desc' })).map((m) => m.seq)).toEqual([2, 1]);
    expect((await store.getSession(T, 'a'))?.lastSeq).toBe(2);
  });

  it('fails a bad append alone: the others of its group commit, and it writes nothing', async () => {
    await store.appendMessages(T, 'a', [item({ id: 'msg_a1', clientMsgId: 'a1', content: 'first' })]);
    const kept = turnOf('b', 'the lighthouse is closed on mondays', 'msg_b1');
    const lost = turnOf('a', 'a conflicting rewrite of the tide table', 'msg_a9');
    const settled = await Promise.allSettled([
      // The same clientMsgId with other content: IDEMPOTENCY_CONFLICT, after its turn row was written in the savepoint.
      store.appendMessages(T, 'a', [
        item({ id: 'msg_a9', clientMsgId: 'a9', content: 'fine' }, lost),
        item({ clientMsgId: 'a1', content: 'other' }),
      ]),
      store.appendMessages(T, 'nowhere', [item({ clientMsgId: 'x1' })]),
      store.appendMessages(T, 'b', [item({ id: 'msg_b1', clientMsgId: 'b1' }, kept)]),
    ]);
    expect(settled.map((s) => (s.status === 'rejected' ? (s.reason as { code?: string }).code : 'ok'))).toEqual([
      'IDEMPOTENCY_CONFLICT',
      'SESSION_NOT_FOUND',
      'ok',
    ]);
    expect((await store.listMessages(T, 'a', { limit: 10, order: 'desc' })).map((m) => m.content)).toEqual(['first']);
    expect((await store.getSession(T, 'a'))?.lastSeq).toBe(1);
    expect(await store.getMemories(T, [lost.id])).toEqual([]);
    expect(await ids(['tide'])).toEqual([]);
    expect(await ids(['lighthouse'])).toEqual([kept.id]);
  });

  it('close commits the appends still waiting for their group', async () => {
    const pending = store.appendMessages(T, 'a', [item({ id: 'msg_a1', clientMsgId: 'a1', content: 'written just before close' })]);
    await store.close();
    await expect(pending).resolves.toHaveLength(1);
    store = new SqliteStore({ path: path() });
    await store.open();
    expect((await store.listMessages(T, 'a', { limit: 10, order: 'desc' })).map((m) => m.content)).toEqual(['written just before close']);
    await expect(store.appendMessages(T, 'a', [item({ clientMsgId: 'a2' })])).resolves.toHaveLength(1);
  });
});
