import type { Command } from 'commander';
import { type GlobalOptions, output, storeLabel, withMemory } from '../cli-context.js';

export function startCommand(program: Command): void {
  program
    .command('start')
    .description('open (create and migrate) the embedded store, load the embedder, print its state')
    .action(async () => {
      const global = program.opts<GlobalOptions>();
      await withMemory(global, async (memory) => {
        const started = performance.now();
        await memory.embedder.embedOne('warm up');
        const status = {
          database: storeLabel(global),
          tenant: memory.tenantId,
          embedding: memory.embedder.modelId,
          embeddingProvider: memory.embedder.model.provider,
          tokenizer: memory.tokenizer.name,
          memories: await memory.countMemories(),
          sessions: (await memory.listSessions({ limit: 1000 })).length,
          readyMs: Math.round(performance.now() - started),
        };
        output(global, status, () =>
          [
            `Strata is ready on the embedded default.`,
            `  database   ${status.database}`,
            `  embedding  ${status.embedding} (${status.embeddingProvider === 'offline' ? 'offline, no download' : status.embeddingProvider})`,
            `  tokenizer  ${status.tokenizer}`,
            `  memories   ${status.memories} in tenant ${status.tenant}`,
            '',
            'Try:',
            '  npx strata add -s s1 -u alice "My dog Biscuit is a beagle"',
            '  npx strata search -u alice "what pet does the user have"',
            '  npx strata context -s s1 -q "pets"',
          ].join('\n'),
        );
      });
    });
}
