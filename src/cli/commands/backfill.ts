import type { Command } from 'commander';
import { type BackfillProgress, type BackfillReport, backfill } from '../../backfill/backfill.js';
import { parseSince } from '../../backfill/backfill-line.js';
import { type GlobalOptions, output, withMemory } from '../cli-context.js';

interface BackfillFlags {
  from: string;
  since?: string;
  dryRun?: boolean;
  resume?: boolean;
  json?: boolean;
  batch?: string;
}

export function backfillCommand(program: Command): void {
  program
    .command('backfill')
    .description('import past conversations from a JSONL file (one message per line; see the README), idempotently')
    .requiredOption('--from <file>', 'JSONL file: {sessionId, userId, agentId?, role, content, name?, at, clientMsgId?} per line')
    .option('--since <when>', 'only messages at or after this: a duration back from now (30d, 12h, 2w) or a date')
    .option('--dry-run', 'validate every line and count; write nothing')
    .option('--resume', 'continue after the last line recorded in FILE.strata-checkpoint')
    .option('--batch <n>', 'messages per write (default 200)')
    .option('--json', 'machine-readable report on stdout')
    .action(async (opts: BackfillFlags) => {
      const global = { ...program.opts<GlobalOptions>(), ...(opts.json ? { json: true } : {}) };
      const since = opts.since === undefined ? undefined : parseSince(opts.since, Date.now());
      const batchSize = opts.batch === undefined ? undefined : Math.max(1, Math.min(1000, Number.parseInt(opts.batch, 10) || 200));
      const reporter = progressReporter(process.stderr);
      const run = (memory: Parameters<typeof backfill>[0]) =>
        backfill(memory, { file: opts.from, since, dryRun: opts.dryRun, resume: opts.resume, batchSize, onProgress: reporter.update });
      // A dry run opens no store at all: it writes nothing, not even migrations.
      const report = opts.dryRun ? await run(null) : await withMemory(global, run);
      reporter.done();
      output(global, report, () => describe(report));
      if (report.errors.length > 0) process.exitCode = 1;
    });
}

function describe(report: BackfillReport): string {
  const lines = [
    `${report.dryRun ? 'dry run: would import' : 'imported'} ${report.imported} message(s) from ${report.file}` +
      (report.resumedFrom > 0 ? ` (resumed after line ${report.resumedFrom})` : ''),
    `  already stored ${report.duplicates}, older than --since ${report.skipped}, bad lines ${report.errors.length}`,
    ...(report.complete ? [] : [`  stopped at line ${report.lineDone}; run again with --resume to continue`]),
    ...report.errors.map((error) => `  line ${error.line}: ${error.reason}`),
  ];
  return lines.join('\n');
}

/** A progress bar on a TTY (redrawn at most 10 times a second), else a plain line every 2 s. */
function progressReporter(stream: NodeJS.WriteStream): { update: (p: BackfillProgress) => void; done: () => void } {
  const tty = stream.isTTY === true;
  let last = 0;
  let drawn = false;
  const started = performance.now();
  return {
    update: (p) => {
      const now = performance.now();
      if (now - last < (tty ? 100 : 2000)) return;
      last = now;
      const share = p.totalBytes > 0 ? Math.min(1, p.bytes / p.totalBytes) : 1;
      const rate = Math.round((p.imported + p.duplicates) / Math.max(0.001, (now - started) / 1000));
      const counts = `line ${p.line}, ${p.imported} imported, ${p.duplicates} already stored, ${p.errors} bad, ${rate} msg/s`;
      if (tty) {
        const width = 30;
        const full = Math.round(share * width);
        stream.write(`\r[${'#'.repeat(full)}${'.'.repeat(width - full)}] ${(share * 100).toFixed(0).padStart(3)}% ${counts}\u001b[K`);
        drawn = true;
      } else {
        stream.write(`backfill: ${(share * 100).toFixed(0)}% ${counts}\n`);
      }
    },
    done: () => {
      if (drawn) stream.write('\n');
    },
  };
}
