// Development tool: for each scenario question, where the evidence ranks in the keyword list,
// the vector list and the fused list. `npx tsx scripts/diagnose-retrieval.ts [dir] [--show]`
import { createMemory } from '../src/config/create-memory.js';
import { queryTerms } from '../src/retrieval/query-terms.js';
import { defaultSoftMatcher } from '../src/retrieval/soft-match.js';
import { loadScenarios } from '../src/scenarios/scenario-format.js';

const dir = process.argv[2] ?? '../shared/scenarios';
const show = process.argv.includes('--show');
const rankOf = (ids: string[], id: string): number => {
  const i = ids.indexOf(id);
  return i < 0 ? 999 : i + 1;
};
const totals = { kw: 0, vec: 0, fused: 0, soft: 0, n: 0 };
const matcher = defaultSoftMatcher();
for (const scenario of loadScenarios(dir)) {
  const memory = await createMemory({ path: ':memory:', retrieval: JSON.parse(process.env.RETRIEVAL ?? '{}') });
  for (const session of scenario.sessions) {
    await memory.createSession({ id: session.sessionId, userId: scenario.userId, createdAt: session.messages[0]?.at });
    for (const m of session.messages) {
      await memory.addMessages(session.sessionId, [{ role: m.role, content: m.content, name: m.name, clientMsgId: m.id, createdAt: m.at }]);
    }
  }
  const filter = { tenantId: 'default', userId: scenario.userId };
  const idOf = new Map((await memory.store.listMemories(filter, { limit: 10_000 })).map((m) => [m.id, String(m.metadata.clientMsgId)]));
  for (const q of scenario.questions) {
    if (q.evidence.length === 0) continue;
    const kw = (await memory.store.keywordSearch(filter, queryTerms(q.question), 100)).map((h) => idOf.get(h.id) ?? '');
    const qv = await memory.embedder.embedOne(q.question);
    const vec = (await memory.store.vectorSearch(filter, qv, memory.embedder.modelId, 100)).map((h) => idOf.get(h.id) ?? '');
    const fused = (await memory.search(q.question, { userId: scenario.userId, k: 100, now: q.askedAt })).results.map((r) =>
      String(r.memory.metadata.clientMsgId),
    );
    const prepared = matcher.prepare(q.question);
    const all = await memory.store.listMemories(filter, { limit: 10_000 });
    const soft = all
      .map((m) => ({ id: String(m.metadata.clientMsgId), s: matcher.score(prepared, m.text) }))
      .sort((a, b) => b.s - a.s)
      .map((x) => x.id);
    for (const e of q.evidence) {
      if (rankOf(soft, e) <= 10) totals.soft++;
      const r = [rankOf(kw, e), rankOf(vec, e), rankOf(fused, e)] as const;
      totals.n++;
      if (r[0] <= 10) totals.kw++;
      if (r[1] <= 10) totals.vec++;
      if (r[2] <= 10) totals.fused++;
      if (show && r[2] > 10) console.log(`${scenario.id}/${q.id} ${e} kw=${r[0]} vec=${r[1]} fused=${r[2]} :: ${q.question}`);
    }
  }
  await memory.close();
}
console.log(
  `evidence in top 10: keyword ${(totals.kw / totals.n).toFixed(3)} vector ${(totals.vec / totals.n).toFixed(3)} fused ${(totals.fused / totals.n).toFixed(3)} soft ${(totals.soft / totals.n).toFixed(3)} (n=${totals.n})`,
);
