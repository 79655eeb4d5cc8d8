import type Database from 'better-sqlite3';
import type { NewMemory } from '../../spec/memory-store.js';
import type { LogSpan } from './index-log.js';
import type { StatementCache } from './statement-cache.js';

/**
 * What the SQLite store lends its sibling modules (consolidation, archive) that write
 * memories in their own transactions: the connection, and the hooks that keep the
 * in-process indexes in step with what was committed.
 */
export interface SqliteInternals {
  readonly db: Database.Database;
  readonly sql: StatementCache;
  /** Runs `work` in one IMMEDIATE transaction, returning the index_log span around it. */
  logged<T>(work: () => T): { value: T; span: LogSpan };
  /** Inserts a memory row (inside `logged`); returns its rowid. */
  insertMemoryRow(memory: NewMemory): number;
  /** After commit: a memory inserted. */
  indexInserted(rowid: number, memory: NewMemory): void;
  /** After commit: a memory deleted. */
  indexDeleted(rowid: number, tenantId: string, userId: string, model: string | null): void;
  /** After commit: the loaded indexes reflect the span. */
  advance(span: LogSpan): void;
}
