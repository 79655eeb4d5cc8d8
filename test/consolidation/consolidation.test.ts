import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import type { MessageInput } from '../../src/core/types.js';
import type { ConsolidationLease } from '../../src/spec/consolidation-store.js';
import { durableStoreOf } from '../../src/spec/external-writes.js';
import type { MemoryStoreV1 } from '../../src/spec/memory-store.js';
import { SqliteConsolidation } from '../../src/stores/sqlite/sqlite-consolidation.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { expectStrataError, memoryInRam, tempDir } from '../helpers/memory.js';

/** The store seen through MemoryStoreV1 only (no consolidation side): every method bound to it. */
function wrap(store: SqliteStore): MemoryStoreV1 {
  const proto = Object.getOwnPropertyNames(SqliteStore.prototype).filter((name) => name !== 'constructor' && name !== 'internals');
  const view: Record<string, unknown> = { specificationVersion: store.specificationVersion, capabilities: store.capabilities };
  for (const name of proto) {
    const value = (store as unknown as Record<string, unknown>)[name];
    if (typeof value === 'function') view[name] = value.bind(store);
  }
  return view as unknown as MemoryStoreV1;
}

const TRIP: MessageInput[] = [
  { role: 'user', content: 'Hi there! I am planning a trip to Norway in July with my two kids.', clientMsgId: 'c1' },
  {
    role: 'assistant',
    content: 'That sounds great. The fjords are beautiful in summer. Do you want ferry suggestions?',
    clientMsgId: 'c2',
  },
  { role: 'user', content: 'Yes please. I prefer ferries over flights because I get airsick.', clientMsgId: 'c3' },
  { role: 'user', content: 'ok thanks', clientMsgId: 'c4' },
  { role: 'user', content: 'My budget is 4000 euros for the whole trip.', clientMsgId: 'c5' },
];

const open: MemoryService[] = [];
const cleanups: Array<() => void> = [];
afterEach(async () => {
  for (const memory of open.splice(0)) await memory.close();
  for (const cleanup of cleanups.splice(0)) cleanup();
});

async function ram(options: Parameters<typeof memoryInRam>[0] = {}): Promise<MemoryService> {
  const memory = await memoryInRam(options);
  open.push(memory);
  return memory;
}

async function withTrip(memory: MemoryService, sessionId = 's1', userId = 'u1'): Promise<void> {
  await memory.createSession({ id: sessionId, userId });
  await memory.addMessages(sessionId, TRIP);
}

/** Every consolidation output of the tenant, superseded ones included: what a duplicate or a loss would change. */
async function outputs(memory: MemoryService): Promise<Array<{ kind: string; text: string; source: readonly string[] }>> {
  const rows = await memory.store.listMemories(
    { tenantId: memory.tenantId, kinds: ['summary', 'note'], includeSuperseded: true },
    { limit: 1000 },
  );
  return rows.map((m) => ({ kind: m.kind, text: m.text, source: m.source })).sort((a, b) => a.text.localeCompare(b.text));
}

describe('consolidate', () => {
  it('writes a rolling summary with provenance and promotes user statements into notes, once', async () => {
    const memory = await ram();
    await withTrip(memory);
    const messages = await memory.listMessages('s1');
    const first = await memory.consolidate();
    expect(first).toMatchObject({ sessions: 1, skipped: 0, turns: 5, summaries: 1, conflicts: 0 });

    const session = await memory.getSession('s1');
    expect(session.summarizedUpToSeq).toBe(5);
    expect(session.summary).toContain('4000 euros');
    expect(session.summary).not.toContain('ok thanks');

    const [summary, ...moreSummaries] = await memory.listMemories({ kinds: ['summary'] });
    expect(moreSummaries).toEqual([]);
    expect(summary?.text).toBe(session.summary);
    expect(summary?.sessionId).toBe('s1');
    expect(summary?.metadata.sourceClientMsgIds).toEqual(expect.arrayContaining(['c1', 'c3', 'c5']));
    const ids = new Set(messages.map((m) => m.id));
    expect(summary?.source.length).toBeGreaterThan(0);
    for (const id of summary?.source ?? []) expect(ids.has(id)).toBe(true);

    const notes = await memory.listMemories({ kinds: ['note'] });
    const texts = notes.map((n) => n.text);
    expect(texts).toEqual(
      expect.arrayContaining([
        'I am planning a trip to Norway in July with my two kids.',
        'I prefer ferries over flights because I get airsick.',
        'My budget is 4000 euros for the whole trip.',
      ]),
    );
    expect(texts.some((t) => t.includes('fjords') || t.includes('ok thanks'))).toBe(false);
    const budget = notes.find((n) => n.text.startsWith('My budget')) as (typeof notes)[number];
    const source = messages.find((m) => m.clientMsgId === 'c5');
    expect(budget.source).toEqual([source?.id]);
    expect(budget.metadata.sourceClientMsgIds).toEqual(['c5']);
    expect(first.notes).toBe(notes.length);

    const before = await outputs(memory);
    expect(await memory.consolidate()).toMatchObject({ sessions: 0, turns: 0, summaries: 0, notes: 0 });
    expect(await outputs(memory)).toEqual(before);
  });

  it('rolls the summary forward: the new summary memory replaces the previous one', async () => {
    const memory = await ram();
    await withTrip(memory);
    await memory.consolidate();
    const [old] = await memory.listMemories({ kinds: ['summary'] });
    await memory.addMessages('s1', [
      { role: 'user', content: 'We will stay three nights in Bergen at a small hotel by the harbour.', clientMsgId: 'c6' },
    ]);
    const counts = await memory.consolidate({ sessionId: 's1' });
    expect(counts).toMatchObject({ sessions: 1, turns: 1, summaries: 1 });
    const summaries = await memory.store.listMemories({ tenantId: 'default', kinds: ['summary'], includeSuperseded: true }, { limit: 10 });
    expect(summaries).toHaveLength(1);
    expect(summaries[0]?.id).not.toBe(old?.id);
    expect(summaries[0]?.text).toContain('Bergen');
    expect(summaries[0]?.text).toContain('Norway');
    expect((await memory.getSession('s1')).summarizedUpToSeq).toBe(6);
    // Provenance stays consistent across runs: the clientMsgIds are those of the source messages.
    const byId = new Map((await memory.listMessages('s1')).map((m) => [m.id, m.clientMsgId]));
    const summary = summaries[0] as (typeof summaries)[number];
    expect(summary.source.every((id) => byId.has(id))).toBe(true);
    expect([...(summary.metadata.sourceClientMsgIds as string[])].sort()).toEqual(
      summary.source
        .map((id) => byId.get(id))
        .filter((c): c is string => typeof c === 'string')
        .sort(),
    );
    expect(summary?.metadata.sourceClientMsgIds).toContain('c6');
    expect(summary?.metadata.sourceClientMsgIds).toContain('c1');
  });

  it('shows the rolling summary in getContext', async () => {
    const memory = await ram();
    await withTrip(memory);
    const before = await memory.getContext('s1', { query: 'trip budget' });
    expect(before.items.some((item) => item.kind === 'summary')).toBe(false);
    await memory.consolidate();
    const context = await memory.getContext('s1', { query: 'trip budget' });
    const summary = context.items.find((item) => item.kind === 'summary');
    expect(summary?.text).toBe((await memory.getSession('s1')).summary);
    expect(context.text).toContain('## Conversation summary');
    // The same summary is not repeated among the memories.
    expect(context.items.filter((item) => item.kind === 'memory' && item.text.includes('summary:'))).toEqual([]);
  });

  it('a summary longer than its share of the context budget loses its oldest sentences, not its place', async () => {
    const memory = await ram({ consolidation: { options: { summaryTokens: 2000 } } });
    await memory.createSession({ id: 's1', userId: 'u1' });
    const topics = [
      'Lisbon',
      'Porto',
      'Madrid',
      'Seville',
      'Granada',
      'Valencia',
      'Bilbao',
      'Toulouse',
      'Lyon',
      'Marseille',
      'Nice',
      'Genoa',
    ];
    await memory.addMessages(
      's1',
      topics.map((city, i) => ({
        role: 'user' as const,
        content: `We will spend ${i + 2} nights in ${city} and visit the old town museums there.`,
      })),
    );
    await memory.consolidate();
    const full = (await memory.getSession('s1')).summary as string;
    expect(memory.tokenizer.count(full)).toBeGreaterThan(100);
    const context = await memory.getContext('s1', { tokenBudget: 400 });
    const summary = context.items.find((item) => item.kind === 'summary');
    expect(summary?.tokens).toBeLessThanOrEqual(80);
    expect(summary?.why.reason).toContain('trimmed');
    expect(full.endsWith(summary?.text as string)).toBe(true);
    expect(context.tokens).toBeLessThanOrEqual(400);
  });

  it('crash before the commit, then rerun: nothing duplicated, nothing lost', async () => {
    let fail = true;
    const hooks = {
      beforeCommit: () => {
        if (fail) throw new Error('injected crash before commit');
      },
    };
    const crashed = await ram({ consolidation: { options: { hooks } } });
    await withTrip(crashed);
    await expect(crashed.consolidate()).rejects.toThrow('injected crash');
    // Nothing of the run was written, and the lease was given back.
    expect(await outputs(crashed)).toEqual([]);
    const session = await crashed.getSession('s1');
    expect(session.summary).toBeNull();
    const consolidation = new SqliteConsolidation(durableStoreOf(crashed.store) as SqliteStore);
    expect(await consolidation.getCheckpoint('default', 's1')).toBeNull();
    const free = await consolidation.leaseConsolidation('default', 's1', 'other-worker', 1000, Date.now());
    expect(free).not.toBeNull();
    await consolidation.releaseConsolidation(free as ConsolidationLease);

    fail = false;
    expect(await crashed.consolidate()).toMatchObject({ sessions: 1, turns: 5, summaries: 1 });
    expect(await crashed.consolidate()).toMatchObject({ sessions: 0, turns: 0 });

    // Same outputs as a run that never crashed (message ids differ: compare text and source count).
    const clean = await ram();
    await withTrip(clean);
    await clean.consolidate();
    const shape = (rows: Awaited<ReturnType<typeof outputs>>) => rows.map((r) => ({ kind: r.kind, text: r.text, n: r.source.length }));
    expect(shape(await outputs(crashed))).toEqual(shape(await outputs(clean)));
  });

  it('a commit replayed after it was applied writes nothing (crash between commit and release)', async () => {
    const memory = await ram();
    await withTrip(memory);
    const consolidation = new SqliteConsolidation(durableStoreOf(memory.store) as SqliteStore);
    const lease = await consolidation.leaseConsolidation('default', 's1', 'w1', 60_000, Date.now());
    expect(lease).not.toBeNull();
    const note = {
      id: 'mem_note_test',
      tenantId: 'default',
      userId: 'u1',
      sessionId: 's1',
      kind: 'note' as const,
      text: 'a note',
      context: null,
      tags: [],
      importance: 0.5,
      source: [],
      contentHash: 'h',
      metadata: {},
      embedding: null,
      embeddingModel: null,
      createdAt: 1,
      validFrom: 1,
      validTo: null,
    };
    const commit = {
      lease: lease as ConsolidationLease,
      runId: 'run_x',
      fromSeq: 0,
      toSeq: 5,
      now: 1,
      insert: [note],
      merge: [],
      remove: [],
      summary: null,
    };
    expect(await consolidation.commitConsolidation(commit)).toEqual({ status: 'applied', inserted: 1, folded: 0 });
    expect(await consolidation.commitConsolidation(commit)).toEqual({ status: 'replay', inserted: 0, folded: 0 });
    // A different run from the old checkpoint is refused: the checkpoint moved.
    expect((await consolidation.commitConsolidation({ ...commit, runId: 'run_y' })).status).toBe('conflict');
    expect(await memory.countMemories({ kinds: ['note'] })).toBe(1);
    expect(await consolidation.getCheckpoint('default', 's1')).toMatchObject({ upToSeq: 5, runId: 'run_x' });
  });

  it('skips a session leased by another worker, and takes it once the lease expired', async () => {
    const memory = await ram();
    await withTrip(memory);
    const consolidation = new SqliteConsolidation(durableStoreOf(memory.store) as SqliteStore);
    const lease = await consolidation.leaseConsolidation('default', 's1', 'elsewhere', 60_000, Date.now());
    expect(lease).not.toBeNull();
    expect(await memory.consolidate()).toMatchObject({ sessions: 0, skipped: 1 });
    // A commit under a lease another worker took since is refused.
    // Later on (the first lease has expired by then) 'elsewhere' takes it again, and that lease expires too.
    const expired = await consolidation.leaseConsolidation('default', 's1', 'elsewhere', -200_000, Date.now() + 120_000);
    expect(expired).not.toBeNull();
    expect(await memory.consolidate()).toMatchObject({ sessions: 1, skipped: 0 });
    const stale = {
      lease: expired as ConsolidationLease,
      runId: 'r',
      fromSeq: 5,
      toSeq: 5,
      now: 1,
      insert: [],
      merge: [],
      remove: [],
      summary: null,
    };
    expect((await consolidation.commitConsolidation(stale)).status).toBe('conflict');
  });

  it('two services on the same SQLite file consolidating at once: every session exactly once', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const path = join(dir, 'strata.db');
    const a = await createMemory({ path });
    open.push(a);
    const b = await createMemory({ path });
    open.push(b);
    const sessions = 24;
    for (let i = 0; i < sessions; i++) await withTrip(i % 2 === 0 ? a : b, `s${i}`, `u${i % 5}`);
    const [ca, cb] = await Promise.all([a.consolidate(), b.consolidate()]);
    expect(ca.sessions + cb.sessions).toBe(sessions);
    expect(ca.turns + cb.turns).toBe(sessions * TRIP.length);
    expect(ca.conflicts + cb.conflicts).toBe(0);
    for (let i = 0; i < sessions; i++) {
      const summaries = await a.store.listMemories(
        { tenantId: 'default', sessionId: `s${i}`, kinds: ['summary'], includeSuperseded: true },
        { limit: 10 },
      );
      expect(summaries, `session s${i}`).toHaveLength(1);
      expect((await a.getSession(`s${i}`)).summarizedUpToSeq).toBe(TRIP.length);
    }
    // The same statement in several sessions of one user is one note, whichever worker got there first.
    for (let u = 0; u < 5; u++) {
      const notes = await a.listMemories({ kinds: ['note'], userId: `u${u}` });
      const texts = notes.map((n) => n.text);
      expect(new Set(texts).size, `user u${u}`).toBe(texts.length);
      const budget = notes.find((n) => n.text.startsWith('My budget'));
      const userSessions = Array.from({ length: sessions }, (_, i) => i).filter((i) => i % 5 === u).length;
      expect(budget?.source).toHaveLength(userSessions);
    }
    expect(await a.consolidate()).toMatchObject({ sessions: 0 });
    expect(await b.consolidate()).toMatchObject({ sessions: 0 });
  });

  it('merges exact duplicates into one note whose source lists both turns', async () => {
    const memory = await ram();
    const line = 'I am allergic to peanuts and cashews, so please avoid nut sauces.';
    await memory.createSession({ id: 'a', userId: 'u1' });
    await memory.createSession({ id: 'b', userId: 'u1' });
    await memory.createSession({ id: 'c', userId: 'u2' });
    const [first] = await memory.addMessages('a', [{ role: 'user', content: line, clientMsgId: 'x1' }]);
    await memory.consolidate();
    const [second] = await memory.addMessages('b', [{ role: 'user', content: line, clientMsgId: 'x2' }]);
    await memory.addMessages('c', [{ role: 'user', content: line }]);
    const counts = await memory.consolidate();
    expect(counts.merged).toBe(1);
    const notes = await memory.listMemories({ kinds: ['note'], userId: 'u1' });
    expect(notes).toHaveLength(1);
    expect(notes[0]?.source).toEqual([first?.id, second?.id]);
    expect(notes[0]?.metadata.sourceClientMsgIds).toEqual(['x1', 'x2']);
    // Another user's identical statement is theirs: never merged across users.
    expect(await memory.listMemories({ kinds: ['note'], userId: 'u2' })).toHaveLength(1);
  });

  it('a near-duplicate supersedes the older note and carries both sources', async () => {
    const memory = await ram({ consolidation: { options: { dedupeThreshold: 0.85 } } });
    await memory.createSession({ id: 'a', userId: 'u1' });
    const [first] = await memory.addMessages('a', [{ role: 'user', content: 'My favourite food is spicy Thai green curry with rice.' }]);
    await memory.consolidate();
    const [second] = await memory.addMessages('a', [
      { role: 'user', content: 'My favourite food is really spicy Thai green curry with rice.' },
    ]);
    expect((await memory.consolidate()).merged).toBe(1);
    const active = await memory.listMemories({ kinds: ['note'] });
    expect(active).toHaveLength(1);
    expect(active[0]?.text).toContain('really spicy');
    expect(active[0]?.source).toEqual([first?.id, second?.id]);
    const all = await memory.store.listMemories({ tenantId: 'default', kinds: ['note'], includeSuperseded: true }, { limit: 10 });
    const old = all.find((m) => m.id !== active[0]?.id);
    expect(old?.supersededBy).toBe(active[0]?.id);
    expect(active[0]?.metadata.supersedes).toEqual([old?.id]);
  });

  it('an older near-duplicate (history imported late) merges into the newer note instead of replacing it', async () => {
    const memory = await ram({ consolidation: { options: { dedupeThreshold: 0.85 } } });
    await memory.createSession({ id: 'new', userId: 'u1' });
    const [recent] = await memory.addMessages('new', [
      { role: 'user', content: 'My favourite food is really spicy Thai green curry with rice.', createdAt: '2026-05-01T10:00:00Z' },
    ]);
    await memory.consolidate();
    await memory.createSession({ id: 'old', userId: 'u1' });
    const [older] = await memory.addMessages('old', [
      { role: 'user', content: 'My favourite food is spicy Thai green curry with rice.', createdAt: '2025-01-01T10:00:00Z' },
    ]);
    expect((await memory.consolidate()).merged).toBe(1);
    const notes = await memory.store.listMemories({ tenantId: 'default', kinds: ['note'], includeSuperseded: true }, { limit: 10 });
    expect(notes).toHaveLength(1);
    expect(notes[0]?.text).toContain('really spicy');
    expect(notes[0]?.source).toEqual([recent?.id, older?.id]);
  });

  it('forgetUser removes the summaries, notes and checkpoints', async () => {
    const memory = await ram();
    await withTrip(memory, 's1', 'u1');
    await withTrip(memory, 's2', 'u2');
    await memory.consolidate();
    expect(await memory.countMemories({ kinds: ['summary', 'note'], userId: 'u1' })).toBeGreaterThan(1);
    await memory.forgetUser('u1');
    expect(await memory.store.countMemories({ tenantId: 'default', userId: 'u1', includeSuperseded: true })).toBe(0);
    const consolidation = new SqliteConsolidation(durableStoreOf(memory.store) as SqliteStore);
    expect(await consolidation.getCheckpoint('default', 's1')).toBeNull();
    expect(await consolidation.getCheckpoint('default', 's2')).not.toBeNull();
    expect(await memory.countMemories({ kinds: ['summary'], userId: 'u2' })).toBe(1);
  });

  it('consolidates in batches when the backlog is longer than one run', async () => {
    const memory = await ram({ consolidation: { options: { batchTurns: 2 } } });
    await withTrip(memory);
    const counts = await memory.consolidate();
    expect(counts).toMatchObject({ sessions: 1, turns: 5, summaries: 3 });
    expect(await memory.countMemories({ kinds: ['summary'] })).toBe(1);
    expect((await memory.getSession('s1')).summarizedUpToSeq).toBe(5);
  });

  it('an unknown session is SESSION_NOT_FOUND; a store without consolidation support is INVALID_CONFIG', async () => {
    const memory = await ram();
    await expectStrataError(memory.consolidate({ sessionId: 'nope' }), 'SESSION_NOT_FOUND');
    await expectStrataError(memory.consolidate({ sessionId: 'bad id!' }), 'INVALID_ID');
    const store = new SqliteStore({ path: ':memory:' });
    const bare = await createMemory({ store: wrap(store) });
    open.push(bare);
    await expectStrataError(bare.consolidate(), 'INVALID_CONFIG');
  });

  it('two concurrent calls on one service: the second skips what the first holds, nothing is done twice', async () => {
    const memory = await ram();
    for (let i = 0; i < 6; i++) await withTrip(memory, `s${i}`, `u${i}`);
    const [a, b] = await Promise.all([memory.consolidate(), memory.consolidate()]);
    expect(a.sessions + b.sessions).toBe(6);
    expect(a.conflicts + b.conflicts).toBe(0);
    expect(await memory.store.countMemories({ tenantId: 'default', kinds: ['summary'], includeSuperseded: true })).toBe(6);
  });

  it('tenants are consolidated apart', async () => {
    const memory = await ram();
    const other = memory.forTenant('t2');
    await withTrip(memory);
    await withTrip(other);
    expect((await other.consolidate()).sessions).toBe(1);
    expect(await memory.countMemories({ kinds: ['summary'] })).toBe(0);
    expect((await memory.consolidateAllTenants()).sessions).toBe(1);
    expect(await memory.countMemories({ kinds: ['summary'] })).toBe(1);
  });
});
