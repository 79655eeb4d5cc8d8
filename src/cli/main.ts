import { Command } from 'commander';
import { applyHeapPolicy, heapGrowthFromEnv } from '../config/heap-policy.js';
import { fail } from './cli-context.js';
import { addCommand } from './commands/add.js';
import { backfillCommand } from './commands/backfill.js';
import { backupCommand, restoreCommand } from './commands/backup.js';
import { consolidateCommand } from './commands/consolidate.js';
import { contextCommand } from './commands/context.js';
import { doctorCommand } from './commands/doctor.js';
import { factsCommand } from './commands/facts.js';
import { keysCommand } from './commands/keys.js';
import { mcpCommand } from './commands/mcp.js';
import { pruneCommand } from './commands/prune.js';
import { rebuildIndexCommand } from './commands/rebuild-index.js';
import { reembedCommand } from './commands/reembed.js';
import { searchCommand } from './commands/search.js';
import { serveCommand } from './commands/serve.js';
import { startCommand } from './commands/start.js';
import { validateCommand } from './commands/validate.js';
import { workerCommand } from './commands/worker.js';

export function buildProgram(): Command {
  const program = new Command('strata')
    .description('Strata: tiered memory for AI agents (embedded SQLite default)')
    .option('--data <dir>', 'data directory: strata.db, its .vectors sidecar, keys.db (env STRATA_DATA, default ./.strata)')
    .option('--tenant <id>', 'tenant id (env STRATA_TENANT, default "default")')
    .option('--json', 'machine-readable output');
  for (const register of [
    serveCommand,
    startCommand,
    addCommand,
    searchCommand,
    contextCommand,
    factsCommand,
    keysCommand,
    mcpCommand,
    validateCommand,
    rebuildIndexCommand,
    doctorCommand,
    consolidateCommand,
    workerCommand,
    backfillCommand,
    backupCommand,
    restoreCommand,
    pruneCommand,
    reembedCommand,
  ]) {
    register(program);
  }
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  const program = buildProgram();
  try {
    // At start, so that it bounds the old-generation garbage of everything the command does (heap-policy.ts).
    applyHeapPolicy(heapGrowthFromEnv());
    await program.parseAsync([...argv]);
  } catch (error) {
    fail(error, program.opts<{ json?: boolean }>().json === true);
  }
}
