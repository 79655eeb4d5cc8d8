import { expect } from 'vitest';
import type { Scope } from '../spec/records.js';
import { sessionIn } from './conformance-sessions.js';
import type { ConformanceContext } from './store-conformance.js';
import { MODEL, memoryOf, OTHER_MODEL, unit } from './store-fixtures.js';

export function searchConformance(c: ConformanceContext): void {
  const note = async (scope: Scope, text: string, overrides: Parameters<typeof memoryOf>[1] = {}): Promise<string> =>
    (await c.store().insertMemory(memoryOf(scope, { text, ...overrides }))).id;

  c.test('keywordSearch matches stemmed words and ranks closer matches first', async () => {
    const store = c.store();
    const scope = c.scope();
    const both = await note(scope, 'The violin teacher said my violin scales are improving');
    const once = await note(
      scope,
      'I bought a violin case, a music stand, a metronome, strings, rosin and a new shoulder rest for practice',
    );
    const stemmed = await note(scope, 'She was running along the river every morning');
    await note(scope, 'Nothing about music or sport here at all');
    const violin = await store.keywordSearch({ tenantId: scope.tenantId }, ['violin'], 10);
    expect(violin.map((hit) => hit.id)).toEqual([both, once]);
    expect(violin[0]?.score).toBeGreaterThan(violin[1]?.score ?? Number.POSITIVE_INFINITY);
    expect((await store.keywordSearch({ tenantId: scope.tenantId }, ['runs'], 10)).map((hit) => hit.id)).toEqual([stemmed]);
    expect(await store.keywordSearch({ tenantId: scope.tenantId }, ['saxophone'], 10)).toEqual([]);
    expect(await store.keywordSearch({ tenantId: scope.tenantId }, [], 10)).toEqual([]);
  });

  c.test('keywordSearch: a memory matching more of the terms ranks first; the text outweighs the context', async () => {
    const store = c.store();
    const scope = c.scope();
    const two = await note(scope, 'Ferry tickets to the fjords are booked');
    const one = await note(scope, 'The ferry leaves from the harbour at noon');
    const inContext = await note(scope, 'We leave at noon tomorrow', { context: 'fjords trip planning' });
    const inText = await note(scope, 'Pictures of the fjords at noon tomorrow');
    const hits = await store.keywordSearch({ tenantId: scope.tenantId }, ['ferry', 'fjords'], 10);
    expect(hits[0]?.id).toBe(two);
    expect(new Set(hits.map((hit) => hit.id))).toEqual(new Set([two, one, inContext, inText]));
    const fjords = (await store.keywordSearch({ tenantId: scope.tenantId }, ['fjords'], 10)).map((hit) => hit.id);
    expect(fjords.indexOf(inText)).toBeLessThan(fjords.indexOf(inContext));
    expect(await store.keywordSearch({ tenantId: scope.tenantId }, ['ferry', 'fjords'], 1)).toHaveLength(1);
  });

  c.test('keywordSearch respects the filter and sees updates and deletes at once', async () => {
    const store = c.store();
    const scope = c.scope();
    const session = await sessionIn(store, scope);
    const mine = await note(scope, 'espresso machine descaling', { sessionId: session, kind: 'turn', tags: ['kitchen'] });
    const theirs = await note({ ...scope, userId: 'u2' }, 'espresso machine warranty');
    const old = await note(scope, 'espresso beans from the old shop', { validTo: Date.now() - 1000 });
    const ids = async (filter: Record<string, unknown>): Promise<string[]> =>
      (await store.keywordSearch({ tenantId: scope.tenantId, ...filter }, ['espresso'], 10)).map((hit) => hit.id).sort();
    expect(await ids({})).toEqual([mine, theirs].sort());
    expect(await ids({ userId: 'u1' })).toEqual([mine]);
    expect(await ids({ sessionId: session, kinds: ['turn'], tags: ['kitchen'] })).toEqual([mine]);
    expect(await ids({ kinds: ['note'], userId: 'u1' })).toEqual([]);
    expect(await ids({ userId: 'u1', includeSuperseded: true })).toEqual([mine, old].sort());
    await store.updateMemory(scope.tenantId, mine, { text: 'cappuccino foam', updatedAt: Date.now() });
    expect(await ids({ userId: 'u1' })).toEqual([]);
    expect((await store.keywordSearch({ tenantId: scope.tenantId }, ['cappuccino'], 5)).map((hit) => hit.id)).toEqual([mine]);
    await store.deleteMemories(scope.tenantId, [theirs]);
    expect(await ids({})).toEqual([]);
  });

  c.test('keywordScores gives the given memories the scores keywordSearch gives them, within the filter', async () => {
    const store = c.store();
    if (!store.keywordScores) throw new Error('keywordScores is optional: a store without it lists this test under `skip`, with why');
    const scope = c.scope();
    const both = await note(scope, 'Ferry tickets to the fjords are booked');
    const context = await note(scope, 'The ferry leaves from the harbour at noon', { context: 'fjords trip planning' });
    const neither = await note(scope, 'Nothing about boats here at all');
    const expired = await note(scope, 'an old ferry timetable', { validTo: Date.now() - 1000 });
    const theirs = await note({ ...scope, userId: 'u2' }, 'ferry to the fjords');
    const filter = { tenantId: scope.tenantId, userId: scope.userId };
    const terms = ['ferry', 'fjords'];
    const searched = await store.keywordSearch(filter, terms, 10);
    expect(searched.map((hit) => hit.id)).toEqual([both, context]);
    // Any order of ids in; the filter, the scope and the terms decide what comes out, best first.
    expect(await store.keywordScores(filter, terms, [neither, theirs, context, expired, 'mem_absent', both])).toEqual(searched);
    expect(await store.keywordScores(filter, terms, [context])).toEqual(searched.filter((hit) => hit.id === context));
    expect(await store.keywordScores(filter, [], [both])).toEqual([]);
    expect(await store.keywordScores(filter, terms, [])).toEqual([]);
    expect(await store.keywordScores({ ...filter, includeSuperseded: true }, ['timetable'], [expired])).toHaveLength(1);
    // The idf counts the whole filter, not only the ids asked about.
    const one = await store.keywordScores(filter, ['harbour'], [context]);
    expect(one).toEqual(await store.keywordSearch(filter, ['harbour'], 10));
    await store.deleteMemories(scope.tenantId, [both]);
    expect((await store.keywordScores(filter, terms, [both, context])).map((hit) => hit.id)).toEqual([context]);
  });

  c.test('vectorSearch returns cosine order within one model, exact or not', async () => {
    const store = c.store();
    const scope = c.scope();
    const near = await note(scope, 'near', { embedding: unit(1, 0.1, 0, 0), embeddingModel: MODEL });
    const mid = await note(scope, 'mid', { embedding: unit(1, 1, 0, 0), embeddingModel: MODEL });
    const far = await note(scope, 'far', { embedding: unit(0, 0, 1, 0), embeddingModel: MODEL });
    await note(scope, 'no vector');
    await note(scope, 'another model', { embedding: unit(1, 0, 0), embeddingModel: OTHER_MODEL });
    const query = unit(1, 0, 0, 0);
    for (const exact of [true, false]) {
      const hits = await store.vectorSearch({ tenantId: scope.tenantId, userId: 'u1' }, query, MODEL, 10, { exact });
      expect(hits.map((hit) => hit.id)).toEqual([near, mid, far]);
      expect(hits[0]?.score).toBeCloseTo(1 / Math.hypot(1, 0.1), 4);
      expect(hits[1]?.score).toBeCloseTo(Math.SQRT1_2, 4);
      expect(hits[2]?.score).toBeCloseTo(0, 4);
    }
    expect(await store.vectorSearch({ tenantId: scope.tenantId }, query, MODEL, 2)).toHaveLength(2);
    const other = await store.vectorSearch({ tenantId: scope.tenantId }, unit(1, 0, 0), OTHER_MODEL, 10);
    expect(other).toHaveLength(1);
    expect(await store.vectorSearch({ tenantId: scope.tenantId }, query, 'unknown-model', 10)).toEqual([]);
  });

  c.test('vectorSearch respects the filter and never returns a deleted or superseded memory', async () => {
    const store = c.store();
    const scope = c.scope();
    const session = await sessionIn(store, scope);
    const v = (x: number) => ({ embedding: unit(1, x, 0, 0), embeddingModel: MODEL });
    const a = await note(scope, 'a', v(0));
    const b = await note(scope, 'b', { ...v(0.2), sessionId: session, kind: 'turn', tags: ['t'] });
    const c2 = await note(scope, 'c', v(0.4));
    const other = await note({ ...scope, userId: 'u2' }, 'other user', v(0));
    const query = unit(1, 0, 0, 0);
    const ids = async (filter: Record<string, unknown>, exact = false): Promise<string[]> =>
      (await store.vectorSearch({ tenantId: scope.tenantId, ...filter }, query, MODEL, 10, { exact })).map((hit) => hit.id);
    expect(await ids({ userId: 'u1' })).toEqual([a, b, c2]);
    expect(await ids({ userId: 'u2' })).toEqual([other]);
    expect(await ids({ userId: 'u1', sessionId: session })).toEqual([b]);
    expect(await ids({ userId: 'u1', tags: ['t'], kinds: ['turn'] }, true)).toEqual([b]);
    await store.deleteMemories(scope.tenantId, [a]);
    await store.updateMemory(scope.tenantId, c2, { supersededBy: b, updatedAt: Date.now() });
    for (const exact of [false, true]) expect(await ids({ userId: 'u1' }, exact)).toEqual([b]);
    await store.updateMemory(scope.tenantId, b, { embedding: unit(0, 0, 0, 1), embeddingModel: MODEL, updatedAt: Date.now() });
    const moved = await store.vectorSearch({ tenantId: scope.tenantId, userId: 'u1' }, unit(0, 0, 0, 1), MODEL, 1);
    expect(moved).toEqual([{ id: b, score: expect.closeTo(1, 4) }]);
  });

  c.test('rebuildIndexes rebuilds from the tables and search answers the same afterwards', async () => {
    const store = c.store();
    const scope = c.scope();
    const first = await note(scope, 'lighthouse keeper notes', { embedding: unit(1, 0, 0, 0), embeddingModel: MODEL });
    await note(scope, 'harbour pilot notes', { embedding: unit(0, 1, 0, 0), embeddingModel: MODEL });
    const report = await store.rebuildIndexes();
    expect(report.keywordRows).toBeGreaterThanOrEqual(2);
    expect(report.vectorIndexes.find((entry) => entry.model === MODEL)?.vectors).toBeGreaterThanOrEqual(2);
    expect((await store.keywordSearch({ tenantId: scope.tenantId }, ['lighthouse'], 5)).map((hit) => hit.id)).toEqual([first]);
    expect((await store.vectorSearch({ tenantId: scope.tenantId, userId: 'u1' }, unit(1, 0, 0, 0), MODEL, 1))[0]?.id).toBe(first);
    // Writes after the rebuild reach the rebuilt indexes (an external index switched collections).
    const later = await note(scope, 'lighthouse lamp order', { embedding: unit(0.9, 0, 0.1, 0), embeddingModel: MODEL });
    await store.deleteMemories(scope.tenantId, [first]);
    for (const exact of [false, true]) {
      const hits = await store.vectorSearch({ tenantId: scope.tenantId, userId: 'u1' }, unit(1, 0, 0, 0), MODEL, 5, { exact });
      expect(hits.map((hit) => hit.id)).toContain(later);
      expect(hits.map((hit) => hit.id)).not.toContain(first);
    }
    expect((await store.keywordSearch({ tenantId: scope.tenantId }, ['lighthouse'], 5)).map((hit) => hit.id)).toEqual([later]);
  });

  c.test('tenant isolation: searches never reach another tenant', async () => {
    const store = c.store();
    const scope = c.scope();
    const intruder = c.scope().tenantId;
    await note(scope, 'secret gazebo plans', { embedding: unit(1, 0, 0, 0), embeddingModel: MODEL });
    expect(await store.keywordSearch({ tenantId: intruder }, ['gazebo'], 10)).toEqual([]);
    expect(await store.keywordSearch({ tenantId: intruder, userId: 'u1' }, ['gazebo'], 10)).toEqual([]);
    for (const exact of [true, false]) {
      expect(await store.vectorSearch({ tenantId: intruder, userId: 'u1' }, unit(1, 0, 0, 0), MODEL, 10, { exact })).toEqual([]);
    }
  });
}
