import type { Command } from 'commander';
import type { JsonValue } from '../../spec/records.js';
import { type GlobalOptions, jsonOrString, output, withMemory } from '../cli-context.js';

export function factsCommand(program: Command): void {
  const facts = program.command('facts').description('pinned bi-temporal facts');
  const render = (rows: Array<{ subject: string; key: string; value: unknown; validFrom: number; validTo: number | null }>): string =>
    rows
      .map(
        (f) =>
          `${f.subject}.${f.key} = ${JSON.stringify(f.value)}  [${new Date(f.validFrom).toISOString()} .. ${f.validTo ? new Date(f.validTo).toISOString() : 'now'}]`,
      )
      .join('\n') || 'no facts';

  facts
    .command('set')
    .requiredOption('-u, --user <id>', 'user id')
    .option('--from <time>', 'valid from (default now)')
    .option('--source <id>', 'message id it came from')
    .argument('<subject>')
    .argument('<key>')
    .argument('<value>', 'JSON, or a plain string')
    .action(async (subject: string, key: string, value: string, opts: { user: string; from?: string; source?: string }) => {
      const global = program.opts<GlobalOptions>();
      await withMemory(global, async (memory) => {
        const result = await memory.setFact({
          userId: opts.user,
          subject,
          key,
          value: jsonOrString(value) as JsonValue,
          validFrom: opts.from,
          source: opts.source,
        });
        output(
          global,
          result,
          () =>
            `${result.created ? 'set' : 'unchanged'} ${render([result.fact])}${result.closed ? `\nclosed ${render([result.closed])}` : ''}${result.validation.valid ? '' : `\n${result.validation.severity}: expected ${result.validation.expected}`}`,
        );
      });
    });

  facts
    .command('get')
    .requiredOption('-u, --user <id>', 'user id')
    .option('--subject <subject>')
    .option('--key <key>')
    .option('--as-of <time>', 'valid-time instant (default now)')
    .action(async (opts: { user: string; subject?: string; key?: string; asOf?: string }) => {
      const global = program.opts<GlobalOptions>();
      await withMemory(global, async (memory) => {
        const rows = await memory.getFacts({ userId: opts.user, subject: opts.subject, key: opts.key, asOf: opts.asOf });
        output(global, rows, () => render(rows));
      });
    });

  facts
    .command('history')
    .requiredOption('-u, --user <id>', 'user id')
    .argument('<subject>')
    .argument('<key>')
    .action(async (subject: string, key: string, opts: { user: string }) => {
      const global = program.opts<GlobalOptions>();
      await withMemory(global, async (memory) => {
        const rows = await memory.factHistory({ userId: opts.user, subject, key });
        output(global, rows, () => render(rows));
      });
    });

  facts
    .command('rule')
    .description('set the validation rule of subject.key, e.g. \'{"type":"number","min":0}\'')
    .requiredOption('-u, --user <id>', 'user id')
    .argument('<subject>')
    .argument('<key>')
    .argument('<rule>', 'JSON rule: type, min, max, enum, pattern, severity')
    .action(async (subject: string, key: string, rule: string, opts: { user: string }) => {
      const global = program.opts<GlobalOptions>();
      await withMemory(global, async (memory) => {
        await memory.setFactRule({ userId: opts.user, subject, key }, jsonOrString(rule) as never);
        output(global, { ok: true }, () => `rule set for ${subject}.${key}`);
      });
    });

  facts
    .command('check')
    .description('validate a value against the rule of subject.key')
    .requiredOption('-u, --user <id>', 'user id')
    .argument('<subject>')
    .argument('<key>')
    .argument('<value>')
    .action(async (subject: string, key: string, value: string, opts: { user: string }) => {
      const global = program.opts<GlobalOptions>();
      await withMemory(global, async (memory) => {
        const result = await memory.validate({ userId: opts.user, subject, key }, jsonOrString(value) as JsonValue);
        output(global, result, () => (result.valid ? 'valid' : `${result.severity}: expected ${result.expected}`));
        if (!result.valid) process.exitCode = 1;
      });
    });
}
