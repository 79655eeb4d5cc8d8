import { existsSync, readdirSync, statSync, truncateSync, utimesSync } from 'node:fs';
import { join } from 'node:path';

/** The ANN sidecar directory the SQLite store keeps beside `<db>`. */
export function sidecarDir(dbPath: string): string {
  return `${dbPath}.vectors`;
}

/** Files in the sidecar (persisted graphs and their metadata); [] when it does not exist. */
export function sidecarFiles(dbPath: string): string[] {
  const dir = sidecarDir(dbPath);
  return existsSync(dir) ? readdirSync(dir).map((file) => join(dir, file)) : [];
}

const OLD = new Date('2001-01-01T00:00:00Z');

/** Backdates every sidecar file, so that a later rewrite shows in its mtime. */
export function backdateSidecar(dbPath: string): void {
  for (const file of sidecarFiles(dbPath)) utimesSync(file, OLD, OLD);
}

/** Sidecar files whose mtime moved since `backdateSidecar` (i.e. rewritten), by name. */
export function rewrittenSidecarFiles(dbPath: string): string[] {
  return sidecarFiles(dbPath).filter((file) => statSync(file).mtimeMs !== OLD.getTime());
}

/** Cuts each matching sidecar file down to `bytes` (0 = empty). */
export function truncateSidecar(dbPath: string, match: (file: string) => boolean, bytes: (size: number) => number): number {
  let cut = 0;
  for (const file of sidecarFiles(dbPath).filter(match)) {
    truncateSync(file, bytes(statSync(file).size));
    cut++;
  }
  return cut;
}
