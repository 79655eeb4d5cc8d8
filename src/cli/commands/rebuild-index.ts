import type { Command } from 'commander';
import { type GlobalOptions, output, withMemory } from '../cli-context.js';

export function rebuildIndexCommand(program: Command): void {
  program
    .command('rebuild-index')
    .description('rebuild the keyword and vector indexes from the tables')
    .action(async () => {
      const global = program.opts<GlobalOptions>();
      await withMemory(global, async (memory) => {
        const report = await memory.rebuildIndexes();
        output(
          global,
          report,
          () => `keyword rows: ${report.keywordRows}\n${report.vectorIndexes.map((v) => `vectors ${v.model}: ${v.vectors}`).join('\n')}`,
        );
      });
    });
}
