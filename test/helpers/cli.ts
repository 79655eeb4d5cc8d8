import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProgram } from '../../src/cli/main.js';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface CliResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number;
}

/**
 * Runs the CLI in this process through buildProgram() (no spawn: fast). Captures what the
 * command writes to stdout and the exit code it sets; errors thrown by the command reject.
 */
export async function runCli(args: readonly string[]): Promise<CliResult> {
  const chunks: string[] = [];
  const write = process.stdout.write;
  const previousExitCode = process.exitCode;
  process.exitCode = undefined;
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  }) as typeof process.stdout.write;
  try {
    await buildProgram()
      .exitOverride()
      .parseAsync(['node', 'strata', ...args]);
    return { stdout: chunks.join(''), stderr: '', code: Number(process.exitCode ?? 0) };
  } finally {
    process.stdout.write = write;
    process.exitCode = previousExitCode;
  }
}

/** Runs the real CLI entry (scripts/strata-dev.ts through tsx) in a child process. About a second each. */
export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'scripts', 'strata-dev.ts'), ...args], {
      cwd: ROOT,
      env: { ...process.env, STRATA_DATA: undefined, STRATA_TENANT: undefined, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ stdout, stderr, code: code ?? (signal ? 128 : 1) }));
  });
}
