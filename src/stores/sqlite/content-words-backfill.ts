import type Database from 'better-sqlite3';
import type { SoftMatcher } from '../../retrieval/soft-match.js';

/** Memories encoded per batch: a few milliseconds of the serving thread. */
const BATCH = 200;
/** Pause between batches, so that requests are served between them. */
const PAUSE_MS = 20;

/**
 * Gives the memories stored without content words (0006) their words, a batch at a time
 * in the background of a store that is open: in rowid order from a cursor, each row rewritten
 * only if its text and context are still what was encoded (a write in between stored its own
 * words). When a pass finds none left, `content_words_state.complete` is set and later opens
 * skip it. A failed batch stops the backfill (the memories stay scanned: slower, not wrong) and
 * is reported to `onError`.
 */
export class ContentWordsBackfill {
  private cursor = 0;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private readonly done: Promise<void>;
  private finish!: () => void;
  private readonly pending: Database.Statement;
  private readonly update: Database.Statement;
  private readonly markComplete: Database.Statement;

  constructor(
    private readonly db: Database.Database,
    private readonly matcher: SoftMatcher,
    private readonly onError: (error: unknown) => void,
  ) {
    this.done = new Promise((resolve) => {
      this.finish = resolve;
    });
    this.pending = db
      .prepare(
        `SELECT rowid, text, context FROM memories
          WHERE rowid > ? AND (text_words IS NULL OR (context_words IS NULL AND context IS NOT NULL AND context <> ''))
          ORDER BY rowid LIMIT ?`,
      )
      .raw();
    this.update = db.prepare('UPDATE memories SET text_words = ?, context_words = ? WHERE rowid = ? AND text = ? AND context IS ?');
    this.markComplete = db.prepare('UPDATE content_words_state SET complete = 1 WHERE id = 1');
  }

  /** Whether the file says every memory has its words. */
  static complete(db: Database.Database): boolean {
    const row = db.prepare('SELECT complete FROM content_words_state WHERE id = 1').get() as { complete: number } | undefined;
    return row?.complete === 1;
  }

  /** Starts the batches (the timer does not keep the process alive). */
  start(): void {
    this.schedule(0);
  }

  /** Resolves when the backfill finished, failed or was stopped. */
  settled(): Promise<void> {
    return this.done;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.finish();
  }

  /** One batch; false when no memory is left without words (or the backfill stopped). */
  runBatch(): boolean {
    if (this.stopped) return false;
    const rows = this.pending.all(this.cursor, BATCH) as Array<[number, string, string | null]>;
    this.db
      .transaction(() => {
        for (const [rowid, text, context] of rows) {
          this.update.run(this.matcher.encode(text), this.matcher.encode(context), rowid, text, context);
        }
        if (rows.length < BATCH) this.markComplete.run();
      })
      .immediate();
    this.cursor = rows.at(-1)?.[0] ?? this.cursor;
    return rows.length === BATCH;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      let more = false;
      try {
        more = this.runBatch();
      } catch (error) {
        this.onError(error);
      }
      if (more) this.schedule(PAUSE_MS);
      else this.stop();
    }, delay);
    this.timer.unref();
  }
}
