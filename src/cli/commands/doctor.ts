import type { Command } from 'commander';
import type { TierReport } from '../../config/doctor/tier-report.js';
import { dataDirOf, type GlobalOptions, output } from '../cli-context.js';

export function doctorCommand(program: Command): void {
  program
    .command('doctor')
    .description(
      'check every configured tier (store, REDIS_URL, QDRANT_URL, STRATA_EMBEDDING): reachable, migrated, extensions, latency; exit 1 if one is down',
    )
    .option('--timeout <ms>', 'per-tier timeout in milliseconds', (value) => Number.parseInt(value, 10), 3_000)
    .action(async (opts: { timeout: number }) => {
      const global = program.opts<GlobalOptions>();
      // Loaded here: the check modules pull in the Qdrant client.
      const { runDoctor } = await import('../../config/doctor/run-doctor.js');
      const report = await runDoctor({ sqlitePath: dataDirOf(global).database, env: process.env, timeoutMs: opts.timeout });
      output(global, report, () => [...report.tiers.map(describeTier), '', report.ok ? 'all tiers ok' : 'some tiers are DOWN'].join('\n'));
      if (!report.ok) process.exitCode = 1;
    });
}

function describeTier(tier: TierReport): string {
  const facts = [
    tier.reachable ? 'reachable' : 'unreachable',
    tier.migrated === null ? null : tier.migrated ? 'migrated' : 'NOT migrated',
    tier.extension === null ? null : `${tier.extension.name} ${extensionState(tier)}`,
    tier.version ? `v${tier.version}` : null,
    tier.latencyMs === null ? null : `${tier.latencyMs} ms`,
  ].filter((fact) => fact !== null);
  const head = `${tier.ok ? 'ok  ' : 'DOWN'}  ${tier.tier.padEnd(6)} ${tier.backend.padEnd(8)} ${tier.target}`;
  return `${head}\n        ${facts.join(', ')}${tier.detail ? `\n        ${tier.detail}` : ''}`;
}

/** pgvector is optional (PostgreSQL scores vectors exactly without it); FTS5 is required. */
function extensionState(tier: TierReport): string {
  if (tier.extension?.present) return tier.extension.version ?? 'present';
  return tier.backend === 'postgres' ? 'not installed' : 'MISSING';
}
