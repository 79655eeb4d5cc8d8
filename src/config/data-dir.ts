import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StrataError } from '../errors/strata-error.js';

/** Where the embedded default keeps everything, inside one data directory. */
export interface DataPaths {
  readonly dir: string;
  /** The memory database (its ANN sidecar is `<database>.vectors/`). */
  readonly database: string;
  /** The API key store. */
  readonly keys: string;
}

export const DEFAULT_DATA_DIR = './.strata';

/** The data directory's files (`dir` resolved against the working directory). Creates nothing. */
export function dataPaths(dir: string = DEFAULT_DATA_DIR): DataPaths {
  const absolute = resolve(dir);
  return { dir: absolute, database: join(absolute, 'strata.db'), keys: join(absolute, 'keys.db') };
}

/** Creates the data directory when missing; refuses a path that is a file (e.g. an old `--data ./strata.db`). */
export function ensureDataDir(dir: string = DEFAULT_DATA_DIR): DataPaths {
  const paths = dataPaths(dir);
  if (existsSync(paths.dir) && !statSync(paths.dir).isDirectory()) {
    throw new StrataError('INVALID_CONFIG', `--data must be a directory, and ${paths.dir} is a file (the database is <data>/strata.db)`, {
      details: { field: 'data' },
    });
  }
  // Owner-only: the key store and the memories are nobody else's business.
  mkdirSync(paths.dir, { recursive: true, mode: 0o700 });
  return paths;
}
