// Development tool: for every scenario question whose evidence misses the top 10 (and every
// abstention), where each evidence message ranks, the scores behind it, and the top 10 that
// outranked it. `npx tsx scripts/explain-misses.ts [dir] [scenario[/question]]`;
// RETRIEVAL='{...}' for settings. The deep list is searched at the top 10's candidate depth
// (candidateMultiplier 0: minCandidates per signal), so its scores are normalised as the top
// 10's are; evidence that is no candidate at all shows as rank "-".
import { createMemory } from '../src/config/create-memory.js';
import type { SearchResult } from '../src/core/types.js';
import { loadScenarios } from '../src/scenarios/scenario-format.js';
import type { MemoryRecord } from '../src/spec/records.js';

const dir = process.argv[2] ?? '../shared/scenarios';
const only = process.argv[3];
const retrieval = { candidateMultiplier: 0, ...JSON.parse(process.env.RETRIEVAL ?? '{}') };
const covered = (memory: MemoryRecord): string[] => {
  const own = memory.metadata.clientMsgId;
  const derived = memory.metadata.sourceClientMsgIds;
  return [...(typeof own === 'string' ? [own] : []), ...(Array.isArray(derived) ? derived.map(String) : [])];
};
const num = (x: number | null): string => (x === null ? '  -  ' : x.toFixed(3));
const line = (r: SearchResult): string =>
  `${r.memory.kind.padEnd(7)} score=${r.score.toFixed(3)} kw=${num(r.scores.keyword)} vec=${num(r.scores.vector)} soft=${r.scores.softMatch.toFixed(3)} [${covered(r.memory).join(',')}]`;

for (const scenario of loadScenarios(dir)) {
  if (only && scenario.id !== only.split('/')[0]) continue;
  const memory = await createMemory({ path: ':memory:', readDeadlineMs: 0, retrieval });
  const texts = new Map<string, string>();
  for (const session of scenario.sessions) {
    await memory.createSession({ id: session.sessionId, userId: scenario.userId, agentId: scenario.agentId, createdAt: session.startedAt });
    for (const m of session.messages) {
      texts.set(m.id, `${m.role}: ${m.content}`);
      await memory.addMessages(session.sessionId, [{ role: m.role, content: m.content, name: m.name, clientMsgId: m.id, createdAt: m.at }]);
    }
  }
  for (const q of scenario.questions) {
    if (only?.includes('/') && `${scenario.id}/${q.id}` !== only) continue;
    const top = (await memory.search(q.question, { userId: scenario.userId, k: 10, now: q.askedAt })).results;
    const seen = new Set(top.flatMap((r) => covered(r.memory)));
    const missing = q.evidence.filter((id) => !seen.has(id));
    if (q.evidence.length > 0 && missing.length === 0 && !only) continue;
    const deep = (await memory.search(q.question, { userId: scenario.userId, k: 200, now: q.askedAt, mmr: false })).results;
    console.log(`\n=== ${scenario.id}/${q.id} [${q.category}] ${q.question}`);
    console.log(
      `    must contain: ${q.mustContain.join(' | ') || '-'}; evidence ${q.evidence.join(',') || '-'}; missing from the top 10: ${missing.join(',') || '-'}`,
    );
    for (const id of q.evidence) {
      const i = deep.findIndex((r) => covered(r.memory).includes(id));
      const hit = deep[i];
      console.log(`  evidence ${id} rank without MMR ${hit ? i + 1 : '-'} ${hit ? line(hit) : ''}\n      ${texts.get(id)}`);
    }
    top.forEach((r, i) => {
      console.log(`  ${String(i + 1).padStart(2)} ${line(r)} ${r.memory.text.replace(/\n/g, ' / ').slice(0, 140)}`);
    });
  }
  await memory.close();
}
