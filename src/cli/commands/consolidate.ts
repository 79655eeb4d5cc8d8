import type { Command } from 'commander';
import type { ConsolidationCounts } from '../../core/consolidation/consolidator.js';
import { type GlobalOptions, output, withMemory } from '../cli-context.js';

export function consolidateCommand(program: Command): void {
  program
    .command('consolidate')
    .description("summarise sessions with new turns and promote what is worth keeping into notes (this tenant's sessions, once)")
    .option('--session <id>', 'only this session')
    .option('--json', 'machine-readable output')
    .action(async (opts: { session?: string; json?: boolean }) => {
      const global = { ...program.opts<GlobalOptions>(), ...(opts.json ? { json: true } : {}) };
      await withMemory(global, async (memory) => {
        const started = performance.now();
        const counts = await memory.consolidate({ sessionId: opts.session });
        const ms = Math.round(performance.now() - started);
        output(global, { ...counts, ms }, () => describeCounts(counts, ms));
      });
    });
}

export function describeCounts(counts: ConsolidationCounts, ms: number): string {
  return [
    `consolidated ${counts.sessions} session(s), ${counts.turns} turn(s) in ${ms} ms`,
    `  summaries ${counts.summaries}, new notes ${counts.notes}, merged duplicates ${counts.merged}`,
    ...(counts.skipped > 0 ? [`  skipped ${counts.skipped} session(s) leased by another worker`] : []),
    ...(counts.conflicts > 0 ? [`  ${counts.conflicts} run(s) lost their lease; the next run redoes them`] : []),
  ].join('\n');
}
