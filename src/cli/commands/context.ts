import type { Command } from 'commander';
import { type GlobalOptions, int, output, withMemory } from '../cli-context.js';

export function contextCommand(program: Command): void {
  program
    .command('context')
    .description('the packed context for the next model call in a session')
    .requiredOption('-s, --session <id>', 'session id')
    .option('-q, --query <text>', 'what the next turn is about (default: the last user message)')
    .option('-b, --budget <tokens>', 'token budget', int, 2000)
    .option('-d, --depth <depth>', 'rapid | standard | deep', 'standard')
    .action(async (opts: { session: string; query?: string; budget: number; depth: 'standard' }) => {
      const global = program.opts<GlobalOptions>();
      await withMemory(global, async (memory) => {
        const context = await memory.getContext(opts.session, { query: opts.query, tokenBudget: opts.budget, depth: opts.depth });
        output(
          global,
          context,
          () =>
            `${context.text}\n\n(${context.tokens}/${context.tokenBudget} tokens, ${context.items.length} items, ${context.dropped} dropped)`,
        );
      });
    });
}
