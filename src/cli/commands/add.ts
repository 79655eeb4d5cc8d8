import type { Command } from 'commander';
import { type GlobalOptions, output, withMemory } from '../cli-context.js';

export function addCommand(program: Command): void {
  program
    .command('add')
    .description('append a message to a session (created for --user when missing)')
    .requiredOption('-s, --session <id>', 'session id')
    .requiredOption('-u, --user <id>', 'user id')
    .option('-r, --role <role>', 'user | assistant | system | tool', 'user')
    .option('--name <name>', 'speaker name')
    .option('--agent <id>', 'agent id')
    .option('--client-id <id>', 'idempotency key (clientMsgId)')
    .option('--at <time>', 'message time (ISO 8601)')
    .argument('<content...>', 'message text')
    .action(
      async (
        content: string[],
        opts: { session: string; user: string; role: string; name?: string; agent?: string; clientId?: string; at?: string },
      ) => {
        const global = program.opts<GlobalOptions>();
        await withMemory(global, async (memory) => {
          await memory.createSession({ id: opts.session, userId: opts.user, agentId: opts.agent });
          const [added] = await memory.addMessages(opts.session, [
            { role: opts.role as 'user', content: content.join(' '), name: opts.name, clientMsgId: opts.clientId, createdAt: opts.at },
          ]);
          output(global, added, () => `${added?.created ? 'added' : 'already stored'} ${added?.id} (seq ${added?.seq})`);
        });
      },
    );
}
