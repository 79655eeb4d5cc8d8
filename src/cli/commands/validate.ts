import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { StrataError } from '../../errors/strata-error.js';
import { DEFAULT_RETRIEVAL } from '../../retrieval/hybrid-search.js';
import { loadScenarios } from '../../scenarios/scenario-format.js';
import { type HarnessReport, type QuestionOutcome, runScenario, summarise } from '../../scenarios/scenario-harness.js';
import { type GlobalOptions, output } from '../cli-context.js';

const DEFAULT_DIRS = ['../shared/scenarios', '../../shared/scenarios'];

export function validateCommand(program: Command): void {
  program
    .command('validate')
    .description('replay scenario conversations and score retrieval: recall@5/@10, all-evidence@10, containment, abstention')
    .argument('[dir]', 'scenario directory (default ../shared/scenarios when present)')
    .option('--min-recall <x>', 'exit 1 when evidence recall@10 is below this', Number.parseFloat, 0)
    .option('--min-containment <x>', 'exit 1 when answer containment is below this', Number.parseFloat, 0)
    .option('--budget <tokens>', 'context token budget', (v) => Number.parseInt(v, 10), 1500)
    .option('--fusion <method>', 'weighted | rrf (to compare fusion methods)')
    .option('--consolidate', 'run consolidation (summaries, notes) after ingesting each scenario')
    .option('--chunks <turns>', 'turns per chunk memory (0: no chunks, to compare)', (v) => Number.parseInt(v, 10))
    .option('--verbose', 'list every question that missed')
    .action(
      async (
        dirArg: string | undefined,
        opts: {
          minRecall: number;
          minContainment: number;
          budget: number;
          verbose?: boolean;
          fusion?: string;
          consolidate?: boolean;
          chunks?: number;
        },
      ) => {
        const global = program.opts<GlobalOptions>();
        const dir = resolve(dirArg ?? DEFAULT_DIRS.find((candidate) => existsSync(candidate)) ?? DEFAULT_DIRS[0] ?? '.');
        const scenarios = loadScenarios(dir);
        const outcomes: QuestionOutcome[] = [];
        let consistent = 0;
        for (const scenario of scenarios) {
          const result = await runScenario(scenario, {
            tokenBudget: opts.budget,
            consolidate: opts.consolidate === true,
            memory: {
              ...(opts.fusion ? { retrieval: { fusion: checkFusion(opts.fusion) } } : {}),
              ...(opts.chunks === undefined ? {} : { chunks: { turns: checkChunks(opts.chunks) } }),
            },
          });
          outcomes.push(...result.questions);
          if (result.factsConsistent) consistent++;
        }
        const report = summarise(outcomes, DEFAULT_RETRIEVAL.relevanceThreshold, { scenarios: scenarios.length, consistent });
        output(global, report, () => renderReport(report, dir, opts.verbose === true));
        const failed = report.overall.recall10 < opts.minRecall || report.overall.containment < opts.minContainment;
        if (failed) process.exitCode = 1;
      },
    );
}

function renderReport(report: HarnessReport, dir: string, verbose: boolean): string {
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`.padStart(7);
  const lines = [
    `scenarios: ${dir} (${report.factsConsistent.scenarios} files, ${report.outcomes.length} questions)`,
    `${'category'.padEnd(18)} ${'n'.padStart(4)} ${'R@5'.padStart(7)} ${'R@10'.padStart(7)} ${'all@10'.padStart(7)} ${'contain'.padStart(7)} ${'msgs@10'.padStart(7)}`,
  ];
  for (const [category, s] of [...Object.entries(report.byCategory), ['overall', report.overall] as const]) {
    lines.push(
      `${category.padEnd(18)} ${String(s.questions).padStart(4)} ${pct(s.recall5)} ${pct(s.recall10)} ${pct(s.allEvidence10)} ${pct(s.containment)} ${s.covered10.toFixed(1).padStart(7)}`,
    );
  }
  const a = report.abstention;
  lines.push(
    `abstention: ${a.correct}/${a.questions} correct (${pct(a.accuracy).trim()}) at relevance threshold ${a.threshold}; ` +
      `answerable questions with a result at or above it: ${a.answerableRelevant}/${a.answerable}`,
  );
  lines.push(`facts supersession: ${report.factsConsistent.consistent}/${report.factsConsistent.scenarios} scenarios consistent`);
  if (verbose) {
    for (const o of report.outcomes) {
      if (o.abstention ? !o.abstained : o.recall10 < 1 || !o.contained) {
        lines.push(
          `  miss ${o.scenario}/${o.id} [${o.category}] R@10=${o.recall10.toFixed(2)} contained=${o.contained} missing=${JSON.stringify(o.missing)} maxRel=${o.maxRelevance.toFixed(3)}`,
        );
      }
    }
  }
  return lines.join('\n');
}

function checkFusion(value: string): 'weighted' | 'rrf' {
  if (value !== 'weighted' && value !== 'rrf') throw new StrataError('INVALID_INPUT', '--fusion must be weighted or rrf');
  return value;
}

function checkChunks(value: number): number {
  if (!Number.isInteger(value) || value < 0 || value > 20)
    throw new StrataError('INVALID_INPUT', '--chunks must be an integer from 0 to 20');
  return value;
}
