// Development tool: held-out check for retrieval settings. Splits the scenario files into two
// halves (alternate files in name order: A = 1st, 3rd, ...; B = 2nd, 4th, ...), runs the
// harness on each and prints one line per half and configuration. Tune on A, check on B.
//   npx tsx scripts/validate-split.ts [dir] ['[{"feedback":{"docs":3,"terms":5,"weight":0.4}}, ...]']
//   MEMORY='{"chunks":{"turns":0}}' npx tsx scripts/validate-split.ts   (createMemory options)
//   MERGED=1 npx tsx scripts/validate-split.ts   (each half replayed as one user: its scenarios'
//     sessions in time order, ids prefixed, the same questions among six times the distractors;
//     present-state questions see other scenarios' later messages, so read those with care)
import { loadScenarios, type Scenario } from '../src/scenarios/scenario-format.js';
import { type QuestionOutcome, runScenario, summarise } from '../src/scenarios/scenario-harness.js';

const dir = process.argv[2] ?? '../shared/scenarios';
const configs: Array<Record<string, unknown>> = JSON.parse(process.argv[3] ?? '[{}]');
const memory = JSON.parse(process.env.MEMORY ?? '{}');
const pct = (x: number): string => (x * 100).toFixed(1).padStart(5);
const scenarios = loadScenarios(dir).sort((a, b) => (a.id < b.id ? -1 : 1));
const split = { A: scenarios.filter((_, i) => i % 2 === 0), B: scenarios.filter((_, i) => i % 2 === 1) };
const halves = process.env.MERGED ? { A: [merge('A', split.A)], B: [merge('B', split.B)] } : split;

/** One user holding every scenario of the set: sessions in time order, ids prefixed per scenario. */
function merge(name: string, set: readonly Scenario[]): Scenario {
  const prefix = (i: number): string => `c${String(i + 1).padStart(2, '0')}`;
  const sessions = set.flatMap((scenario, i) =>
    scenario.sessions.map((session) => ({
      ...session,
      sessionId: `${prefix(i)}-${session.sessionId}`,
      messages: session.messages.map((message) => ({ ...message, id: `${prefix(i)}-${message.id}` })),
    })),
  );
  sessions.sort((a, b) => Date.parse(a.messages[0]?.at ?? '') - Date.parse(b.messages[0]?.at ?? ''));
  const questions = set.flatMap((scenario, i) =>
    scenario.questions.map((q) => ({ ...q, id: `${prefix(i)}-${q.id}`, evidence: q.evidence.map((id) => `${prefix(i)}-${id}`) })),
  );
  return { id: `merged-${name}`, userId: `u-merged-${name}`, agentId: 'agent-merged', sessions, questions };
}
/**
 * How well maxRelevance separates answerable questions from abstentions, whatever the threshold:
 * the share of (answerable, abstention) pairs in which the answerable one scores higher (ties
 * count half). 1 separates perfectly, 0.5 is chance. The abstention count alone rewards a
 * threshold that abstains on everything; this does not.
 */
function relevanceAuc(outcomes: readonly QuestionOutcome[]): number {
  const abstentions = outcomes.filter((o) => o.abstention).map((o) => o.maxRelevance);
  const answerable = outcomes.filter((o) => !o.abstention).map((o) => o.maxRelevance);
  let wins = 0;
  for (const x of answerable) for (const y of abstentions) wins += x > y ? 1 : x === y ? 0.5 : 0;
  const pairs = answerable.length * abstentions.length;
  return pairs === 0 ? 1 : wins / pairs;
}

for (const config of configs) {
  for (const [half, set] of Object.entries(halves)) {
    const outcomes: QuestionOutcome[] = [];
    for (const scenario of set) {
      outcomes.push(...(await runScenario(scenario, { memory: { ...memory, retrieval: { ...memory.retrieval, ...config } } })).questions);
    }
    const report = summarise(outcomes, 0, { scenarios: set.length, consistent: 0 });
    const o = report.overall;
    const a = report.abstention;
    console.log(
      `${JSON.stringify(config)} ${half}: R@5 ${pct(o.recall5)} R@10 ${pct(o.recall10)} all@10 ${pct(o.allEvidence10)} contain ${pct(o.containment)} msgs@10 ${o.covered10.toFixed(1)} abstained ${a.correct}/${a.questions} answerable relevant ${a.answerableRelevant}/${a.answerable} relevance AUC ${relevanceAuc(outcomes).toFixed(3)}`,
    );
  }
}
