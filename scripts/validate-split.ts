// Development tool: held-out check for retrieval settings. Splits the scenario files into two
// halves (alternate files in name order: A = 1st, 3rd, ...; B = 2nd, 4th, ...), runs the
// harness on each and prints one line per half and configuration. Tune on A, check on B.
//   npx tsx scripts/validate-split.ts [dir] ['[{"feedback":{"docs":3,"terms":5,"weight":0.4}}, ...]']
//   MEMORY='{"chunks":{"turns":0}}' npx tsx scripts/validate-split.ts   (createMemory options)
import { loadScenarios } from '../src/scenarios/scenario-format.js';
import { type QuestionOutcome, runScenario, summarise } from '../src/scenarios/scenario-harness.js';

const dir = process.argv[2] ?? '../shared/scenarios';
const configs: Array<Record<string, unknown>> = JSON.parse(process.argv[3] ?? '[{}]');
const memory = JSON.parse(process.env.MEMORY ?? '{}');
const pct = (x: number): string => (x * 100).toFixed(1).padStart(5);
const scenarios = loadScenarios(dir).sort((a, b) => (a.id < b.id ? -1 : 1));
const halves = { A: scenarios.filter((_, i) => i % 2 === 0), B: scenarios.filter((_, i) => i % 2 === 1) };
for (const config of configs) {
  for (const [half, set] of Object.entries(halves)) {
    const outcomes: QuestionOutcome[] = [];
    for (const scenario of set) {
      outcomes.push(...(await runScenario(scenario, { memory: { ...memory, retrieval: { ...memory.retrieval, ...config } } })).questions);
    }
    const report = summarise(outcomes, 0, { scenarios: set.length, consistent: 0 });
    const o = report.overall;
    console.log(
      `${JSON.stringify(config)} ${half}: R@5 ${pct(o.recall5)} R@10 ${pct(o.recall10)} all@10 ${pct(o.allEvidence10)} contain ${pct(o.containment)} msgs@10 ${o.covered10.toFixed(1)} abstained ${report.abstention.correct}/${report.abstention.questions}`,
    );
  }
}
