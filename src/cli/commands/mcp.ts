import type { Command } from 'commander';
import { serveStdio } from '../../mcp/stdio.js';
import { type GlobalOptions, storeLabel, withMemory } from '../cli-context.js';

/**
 * `strata mcp`: the MCP server over stdio, for MCP clients that launch it as a subprocess
 * (Claude Desktop, IDEs). stdout carries the protocol only; diagnostics go to stderr.
 * Serves until stdin ends or SIGINT/SIGTERM, then closes the store.
 */
export function mcpCommand(program: Command): void {
  program
    .command('mcp')
    .description('serve the memory tools over MCP on stdio (stdout carries the protocol; logs go to stderr)')
    .action(async () => {
      const global = program.opts<GlobalOptions>();
      const log = (line: string) => process.stderr.write(`strata mcp: ${line}\n`);
      const stop = new AbortController();
      const onSignal = (signal: NodeJS.Signals) => {
        log(`${signal} received`);
        stop.abort();
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      try {
        await withMemory(global, async (memory) => {
          log(`serving ${storeLabel(global)} (tenant ${memory.tenantId}) on stdio`);
          await serveStdio(memory, { log, signal: stop.signal });
        });
        log('stopped');
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
