import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { StrataError } from '../errors/strata-error.js';

export interface BackfillError {
  readonly line: number;
  readonly reason: string;
}

/** What `--resume` needs: how far the import got and what it found on the way. */
export interface BackfillCheckpoint {
  readonly version: 1;
  readonly file: string;
  /** Every line up to this one (1-based) was handled: imported, skipped or reported. */
  readonly lineDone: number;
  readonly imported: number;
  readonly duplicates: number;
  readonly skipped: number;
  readonly errors: readonly BackfillError[];
  readonly updatedAt: string;
}

export function checkpointPathOf(file: string): string {
  return `${file}.strata-checkpoint`;
}

export function readCheckpoint(path: string): BackfillCheckpoint | null {
  if (!existsSync(path)) return null;
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as BackfillCheckpoint;
    if (value.version !== 1 || !Number.isInteger(value.lineDone)) throw new Error('unknown checkpoint format');
    return value;
  } catch (cause) {
    throw new StrataError('INVALID_INPUT', `backfill checkpoint ${path} is unreadable; delete it to start over`, { cause });
  }
}

/** Written to a temp file and renamed: a crash leaves the old checkpoint or the new one. */
export function writeCheckpoint(path: string, checkpoint: BackfillCheckpoint): void {
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, `${JSON.stringify(checkpoint)}\n`);
  renameSync(temp, path);
}
