import type { StatementCache } from './statement-cache.js';

/** Which in-process index a log entry concerns (the `indexes` bit mask of migration 0002). */
export const LoggedIndex = { vectors: 1, keywords: 2 } as const;
export type LoggedIndex = (typeof LoggedIndex)[keyof typeof LoggedIndex];

/** Entries kept when the log is pruned: an index further behind than this is rebuilt. */
const KEEP = 250_000;

/**
 * The `index_log` table (migration 0002): the rowids of memories whose indexed parts changed,
 * in commit order. In-process indexes remember the seq they reflect and catch up from here.
 */
export class IndexLog {
  constructor(private readonly sql: StatementCache) {}

  /** The newest seq (0 for an empty log). */
  head(): number {
    return (this.sql.raw('SELECT coalesce(max(seq), 0) FROM index_log').get() as [number])[0];
  }

  /**
   * Rowids changed after `seq`, or null when the log no longer reaches back that far (it was
   * pruned past it): the caller rebuilds instead.
   */
  changedSince(seq: number, index: LoggedIndex): number[] | null {
    if (!this.reaches(seq)) return null;
    const rows = this.sql.raw('SELECT DISTINCT memory_rowid FROM index_log WHERE seq > ? AND (indexes & ?) != 0').all(seq, index) as Array<
      [number]
    >;
    return rows.map(([rowid]) => rowid);
  }

  /**
   * The rowids of every entry in (after, upTo], whatever index it concerns (the record-only
   * entries of migration 0007 too), or null when the log no longer reaches back that far or
   * holds more than `limit` of them: the caller then drops what it caches.
   */
  rowidsBetween(after: number, upTo: number, limit: number): number[] | null {
    if (upTo <= after) return [];
    if (!this.reaches(after)) return null;
    const rows = this.sql
      .raw('SELECT memory_rowid FROM index_log WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?')
      .all(after, upTo, limit + 1) as Array<[number]>;
    if (rows.length > limit) return null;
    return [...new Set(rows.map(([rowid]) => rowid))];
  }

  /** Whether the log still holds every entry after `seq` (it was not pruned past it). */
  private reaches(seq: number): boolean {
    const oldest = (this.sql.raw('SELECT min(seq) FROM index_log').get() as [number | null])[0];
    return oldest === null || oldest <= seq + 1;
  }

  /** Drops entries far behind the head. */
  prune(): void {
    const head = this.head();
    if (head > KEEP * 2) this.sql.get('DELETE FROM index_log WHERE seq <= ?').run(head - KEEP);
  }
}

/** The log positions around one write transaction: `before` read first, `after` read last. */
export interface LogSpan {
  readonly before: number;
  readonly after: number;
}
