import Database from 'better-sqlite3';
import type { RecordCounts } from './prometheus-metrics.js';

/**
 * Counts of the embedded store's records for `strata_records`, read at scrape time through a
 * separate read-only connection (as the readiness probe does): four count(*) over the tables'
 * smallest indexes, no store API needed. Current facts only (validTo still open).
 */
export function sqliteRecordCounts(databasePath: string): RecordCounts {
  return () => {
    const db = new Database(databasePath, { readonly: true, fileMustExist: true });
    try {
      const row = db
        .prepare(
          `SELECT (SELECT count(*) FROM sessions) AS sessions, (SELECT count(*) FROM messages) AS messages,
                  (SELECT count(*) FROM memories) AS memories, (SELECT count(*) FROM facts WHERE valid_to IS NULL) AS facts`,
        )
        .get() as Record<string, number>;
      return { sessions: row.sessions ?? 0, messages: row.messages ?? 0, memories: row.memories ?? 0, facts: row.facts ?? 0 };
    } finally {
      db.close();
    }
  };
}
