import { resolve } from 'node:path';
import type { Command } from 'commander';
import { backup } from '../../archive/backup.js';
import { restore } from '../../archive/restore.js';
import { archiveStoresOf } from '../../config/archive-stores.js';
import { type GlobalOptions, output, withMemory } from '../cli-context.js';

export function backupCommand(program: Command): void {
  program
    .command('backup <out>')
    .description('write every tenant to a portable archive directory (manifest.json + one JSONL per table, SHA-256 each)')
    .option('--json', 'machine-readable output')
    .action(async (out: string, opts: { json?: boolean }) => {
      const global = { ...program.opts<GlobalOptions>(), ...(opts.json ? { json: true } : {}) };
      await withMemory(global, async (memory) => {
        const manifest = await backup(await archiveStoresOf(memory), resolve(out));
        output(global, manifest, () =>
          [`archive written to ${resolve(out)}`, ...Object.entries(manifest.tables).map(([t, e]) => `  ${t.padEnd(26)} ${e.count}`)].join(
            '\n',
          ),
        );
      });
    });
}

export function restoreCommand(program: Command): void {
  program
    .command('restore <in>')
    .description('restore an archive into an empty data directory; every checksum and count is verified first')
    .option('--json', 'machine-readable output')
    .action(async (input: string, opts: { json?: boolean }) => {
      const global = { ...program.opts<GlobalOptions>(), ...(opts.json ? { json: true } : {}) };
      await withMemory(global, async (memory) => {
        const report = await restore(await archiveStoresOf(memory), resolve(input));
        output(global, report, () =>
          [`restored ${resolve(input)}`, ...Object.entries(report.counts).map(([t, n]) => `  ${t.padEnd(26)} ${n}`)].join('\n'),
        );
      });
    });
}
