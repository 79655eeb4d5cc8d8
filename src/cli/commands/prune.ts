import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { retentionStoreOf } from '../../config/archive-stores.js';
import { type PruneReport, policyFor, prune, type RetentionPolicies } from '../../core/retention/prune.js';
import { StrataError } from '../../errors/strata-error.js';
import { type GlobalOptions, int, output, withMemory } from '../cli-context.js';
import { jsonlArchive } from './prune-archive.js';

interface PruneFlags {
  keepDays?: string;
  maxMemories?: string;
  policy?: string;
  allTenants?: boolean;
  dryRun?: boolean;
  archive?: string;
  json?: boolean;
}

export function pruneCommand(program: Command): void {
  program
    .command('prune')
    .description('apply retention: drop consolidated turns older than N days, cap memories per user by importance and recency')
    .option('--keep-days <n>', 'keep this many days of turns (consolidated older ones go)')
    .option('--max-memories <n>', 'keep at most this many memories per user (summaries excluded)')
    .option('--policy <file>', 'JSON {"defaults": {keepTurnsDays, maxMemoriesPerUser}, "tenants": {"<id>": {...}}}; flags override it')
    .option('--all-tenants', 'every tenant of the policy file (default: --tenant)')
    .option('--dry-run', 'report what would be removed; remove nothing')
    .option('--archive <file>', 'append old messages to FILE.jsonl (the backfill format) before they are removed')
    .option('--json', 'machine-readable output')
    .action(async (opts: PruneFlags) => {
      const global = { ...program.opts<GlobalOptions>(), ...(opts.json ? { json: true } : {}) };
      const policies = opts.policy ? readPolicies(opts.policy) : {};
      const flags = {
        ...(opts.keepDays === undefined ? {} : { keepTurnsDays: int(opts.keepDays) }),
        ...(opts.maxMemories === undefined ? {} : { maxMemoriesPerUser: int(opts.maxMemories) }),
      };
      await withMemory(global, async (memory) => {
        const retention = await retentionStoreOf(memory);
        const tenants = opts.allTenants ? [...new Set([memory.tenantId, ...Object.keys(policies.tenants ?? {})])] : [memory.tenantId];
        const reports: PruneReport[] = [];
        for (const tenantId of tenants) {
          // Flags override the file's policy; the result is validated as a whole.
          const policy = policyFor({ defaults: { ...policyFor(policies, tenantId), ...flags } }, tenantId);
          reports.push(
            await prune(
              {
                store: memory.store,
                retention,
                afterWrite: (write) => memory.afterExternalWrite(write),
                archive: opts.archive ? jsonlArchive(opts.archive, memory.store) : undefined,
              },
              tenantId,
              policy,
              { dryRun: opts.dryRun },
            ),
          );
        }
        output(global, reports, () => reports.map(describe).join('\n'));
      });
    });
}

function readPolicies(file: string): RetentionPolicies {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RetentionPolicies;
  } catch (cause) {
    throw new StrataError('INVALID_INPUT', `retention policy ${file} is not readable JSON`, { cause, details: { field: 'policy' } });
  }
}

function describe(report: PruneReport): string {
  const verb = report.dryRun ? 'would remove' : 'removed';
  return [
    `tenant ${report.tenantId}: ${verb} ${report.turns.messages} old message(s) with their turns, ${report.memories.removed} memory(ies) over the cap`,
    ...(report.turns.heldBack > 0 ? [`  kept ${report.turns.heldBack} old message(s) not consolidated yet (run strata consolidate)`] : []),
    ...report.memories.users.map((u) => `  user ${u.userId}: ${verb} ${u.removed}, keeps ${u.kept}`),
  ].join('\n');
}
