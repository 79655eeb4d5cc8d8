import type { Command } from 'commander';
import { ACTIVE_MODEL_REFRESH_MS } from '../../embeddings/active-embedder.js';
import { StrataError } from '../../errors/strata-error.js';
import type { ReembedProgress, ReembedReport } from '../../reembed/reembed-job.js';
import { cleanupMemory, reembedMemory, reembedStatus, rollbackMemory } from '../../reembed/reembed-memory.js';
import { type GlobalOptions, output, withMemory } from '../cli-context.js';

interface ReembedFlags {
  model?: string;
  batch?: string;
  verifyOnly?: boolean;
  sample?: string;
  settleMs?: string;
  rollback?: boolean;
  cleanup?: boolean;
  status?: boolean;
  json?: boolean;
}

/**
 * `strata reembed --model NAME`: blue/green re-embedding of every memory (src/reembed/). The
 * store is the one every command opens (the data directory's SQLite file, or PostgreSQL with
 * STRATA_STORE=postgres and DATABASE_URL). SIGINT/SIGTERM stop after the current batch; a
 * killed run resumes from the checkpoint kept in the store.
 */
export function reembedCommand(program: Command): void {
  program
    .command('reembed')
    .description('re-embed every memory with another model beside the current index, verify, and switch search to it (blue/green)')
    .option('--model <name>', 'the model to switch to, by registry name (e.g. offline, offline-hashed)')
    .option('--batch <n>', 'memories per provider call and write (default 256)')
    .option('--verify-only', 'build (or resume) and verify the new index, but do not switch')
    .option('--sample <n>', 'verification searches, each a memory text under both models (default 20)')
    .option('--settle-ms <ms>', `after the switch, wait this long before the last catch-up (default ${ACTIVE_MODEL_REFRESH_MS + 1000})`)
    .option('--rollback', 'switch back to the previous model (its vectors are kept until --cleanup)')
    .option('--cleanup', "delete the previous model's vectors (no rollback afterwards)")
    .option('--status', 'the active and previous model and each index\u2019s coverage')
    .option('--json', 'machine-readable report on stdout')
    .action(async (opts: ReembedFlags) => {
      const global = { ...program.opts<GlobalOptions>(), ...(opts.json ? { json: true } : {}) };
      const actions = [opts.model !== undefined, opts.rollback === true, opts.cleanup === true, opts.status === true].filter(Boolean);
      if (actions.length !== 1) throw new StrataError('INVALID_INPUT', 'give exactly one of --model NAME, --rollback, --cleanup, --status');
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      try {
        await withMemory(global, async (memory) => {
          if (opts.status) {
            const status = await reembedStatus(memory);
            output(global, status, () =>
              [
                `active: ${status.state.active?.id ?? `${memory.embedder.modelId} (never switched)`}`,
                `previous: ${status.state.previous?.id ?? 'none'}`,
                ...status.models.map(
                  (m) =>
                    `  ${m.model}: ${m.embedded}/${m.memories} memories${m.checkpoint === null ? '' : ` (checkpoint ${m.checkpoint})`}`,
                ),
              ].join('\n'),
            );
            return;
          }
          if (opts.cleanup) {
            const report = await cleanupMemory(memory, { signal: controller.signal });
            output(global, report, () => `dropped ${report.vectors} vector(s) of ${report.dropped}; active ${report.state.active?.id}`);
            return;
          }
          const job = {
            batchSize: positive(opts.batch, 'batch', 256, 4096),
            verifyOnly: opts.verifyOnly === true,
            sampleSize: positive(opts.sample, 'sample', 20, 1000, 0),
            settleMs: positive(opts.settleMs, 'settle-ms', ACTIVE_MODEL_REFRESH_MS + 1000, 600_000, 0),
            signal: controller.signal,
            onProgress: progressLines(process.stderr),
          };
          const report = opts.rollback ? await rollbackMemory(memory, job) : await reembedMemory(memory, opts.model as string, job);
          output(global, report, () => describe(report));
          // --verify-only says whether a switch would be allowed.
          if (job.verifyOnly && (report.verification.missing > 0 || report.verification.failedQueries > 0)) process.exitCode = 1;
        });
      } finally {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
      }
    });
}

function describe(report: ReembedReport): string {
  const v = report.verification;
  return [
    `${report.switched ? 'switched to' : 'built (not switched)'} ${report.model}${report.from ? ` from ${report.from}` : ''}`,
    `  embedded ${report.embedded} memories in ${report.seconds.toFixed(1)} s` +
      (report.resumedFrom ? ` (resumed at cursor ${report.resumedFrom.cursor ?? 'start'} after ${report.resumedFrom.embedded})` : ''),
    `  verified: ${v.embedded}/${v.memories} memories have a vector; ${v.queries} sample searches, ${v.failedQueries} empty, ` +
      `${v.selfHits} found their own memory` +
      (v.overlapAt10 === null ? '' : `, overlap@10 with the previous model ${(v.overlapAt10 * 100).toFixed(0)}%`),
    `  active ${report.state.active?.id ?? report.model}; previous ${report.state.previous?.id ?? 'none'} (kept: --rollback, --cleanup)`,
  ].join('\n');
}

/** One line per second at most: done/total and the rate. */
function progressLines(stream: NodeJS.WritableStream): (progress: ReembedProgress) => void {
  let last = 0;
  return (p) => {
    const now = performance.now();
    if (now - last < 1000 && p.done < p.total) return;
    last = now;
    const share = p.total > 0 ? Math.min(100, (p.done / p.total) * 100) : 100;
    stream.write(`reembed ${p.model} ${p.phase}: ${p.done}/${p.total} (${share.toFixed(0)}%), ${Math.round(p.rate)} memories/s\n`);
  };
}

function positive(value: string | undefined, flag: string, fallback: number, max: number, min = 1): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new StrataError('INVALID_INPUT', `--${flag} must be an integer from ${min} to ${max}`);
  return n;
}
