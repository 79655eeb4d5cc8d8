import type { Command } from 'commander';
import { type GlobalOptions, int, list, output, withMemory } from '../cli-context.js';

export function searchCommand(program: Command): void {
  program
    .command('search')
    .description('hybrid search (BM25 + vectors) over long-term memory')
    .argument('<query...>', 'what to look for')
    .option('-u, --user <id>', 'user scope')
    .option('-s, --session <id>', 'only this session')
    .option('-k, --k <n>', 'results', int, 10)
    .option('--kinds <list>', 'turn,summary,note,fact,episode')
    .option('--tags <list>', 'all of these tags')
    .option('--since <time>', 'created at or after')
    .option('--until <time>', 'created before')
    .option('--mode <mode>', 'hybrid | keyword | vector', 'hybrid')
    .option('--mmr [lambda]', 'MMR lambda (default 0.8, the bare flag 0.7, 1 for plain ranking)')
    .action(async (query: string[], opts: Record<string, string | number | boolean | undefined>) => {
      const global = program.opts<GlobalOptions>();
      await withMemory(global, async (memory) => {
        const response = await memory.search(query.join(' '), {
          userId: opts.user as string | undefined,
          sessionId: opts.session as string | undefined,
          k: opts.k as number,
          kinds: list(opts.kinds as string | undefined) as never,
          tags: list(opts.tags as string | undefined),
          since: opts.since as string | undefined,
          until: opts.until as string | undefined,
          mode: opts.mode as 'hybrid',
          mmr: opts.mmr === undefined ? undefined : opts.mmr === true ? true : Number(opts.mmr),
        });
        output(
          global,
          response,
          () =>
            response.results
              .map((r, i) => {
                const s = r.scores;
                const signals = `kw=${s.keyword?.toFixed(2) ?? '-'} vec=${s.vector?.toFixed(3) ?? '-'} rec=${s.recency.toFixed(2)}`;
                return `${i + 1}. [${r.score.toFixed(3)}${r.relevant ? '' : ' weak'}] ${r.memory.text}\n   ${r.memory.kind} ${r.memory.id} ${signals}`;
              })
              .join('\n') || 'no results',
        );
      });
    });
}
