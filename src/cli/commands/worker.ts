import type { Command } from 'commander';
import { startConsolidationSchedule } from '../../core/consolidation/consolidation-schedule.js';
import { type GlobalOptions, int, openMemory } from '../cli-context.js';

export function workerCommand(program: Command): void {
  program
    .command('worker')
    .description(
      'consolidate every tenant on an interval until SIGTERM/SIGINT (several workers may share a data directory or a PostgreSQL schema)',
    )
    .option('--interval <ms>', 'pause between runs (env STRATA_CONSOLIDATE_EVERY_MS, default 30000)')
    .action(async (opts: { interval?: string }) => {
      const global = program.opts<GlobalOptions>();
      const every = int(opts.interval ?? process.env.STRATA_CONSOLIDATE_EVERY_MS ?? '30000');
      if (every < 1) throw new Error('--interval must be at least 1 ms');
      const memory = await openMemory(global);
      const log = (line: Record<string, unknown>): void => {
        process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`);
      };
      const schedule = startConsolidationSchedule(memory, every, {
        keepAlive: true,
        immediate: true,
        onRun: (counts, ms) => {
          if (counts.sessions > 0 || counts.conflicts > 0 || counts.skipped > 0)
            log({ msg: 'consolidated', ...counts, ms: Math.round(ms) });
        },
        onError: (error) => log({ msg: 'consolidation failed', error: (error as Error).message }),
      });
      log({ msg: 'worker started', pid: process.pid, intervalMs: every });
      let stopping = false;
      const stop = (signal: NodeJS.Signals): void => {
        if (stopping) process.exit(1);
        stopping = true;
        log({ msg: `${signal}: finishing the current run and closing` });
        schedule
          .stop()
          .then(() => memory.close())
          .then(
            () => {
              log({ msg: 'worker stopped', runs: schedule.runs });
              process.exit(0);
            },
            (error: unknown) => {
              log({ msg: 'shutdown failed', error: (error as Error).message });
              process.exit(1);
            },
          );
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
    });
}
