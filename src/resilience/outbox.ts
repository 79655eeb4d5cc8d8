import { randomUUID } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { CleanMessage } from '../core/message-input.js';
import type { AddedMessage } from '../core/types.js';
import { StrataError } from '../errors/strata-error.js';

export interface OutboxOptions {
  /** Directory of `outbox.jsonl` (waiting writes) and `outbox-rejected.jsonl` (writes the store refused on replay). */
  readonly dir: string;
  /** How often waiting writes are retried in the background, ms. Default 1,000; 0: only before writes and on `drain()`. */
  readonly replayIntervalMs?: number | undefined;
}

/** One queued addMessages call: already checked and redacted, every message with a clientMsgId. */
export interface OutboxEntry {
  readonly v: 1;
  readonly id: string;
  readonly tenantId: string;
  readonly sessionId: string;
  readonly messages: readonly CleanMessage[];
  readonly queuedAt: number;
}

/** Replays one entry against the store (the service's own append path). */
export type OutboxReplay = (entry: OutboxEntry) => Promise<void>;

export interface DrainReport {
  readonly replayed: number;
  readonly rejected: number;
  readonly pending: number;
}

/**
 * A durable local outbox for addMessages while the durable store is unreachable: the call is
 * checked and redacted as usual, then appended (fsync'd) to a JSONL file and acknowledged with
 * `queued: true`. A replayer drains it in order once the store answers: before each write (so a
 * new write never overtakes queued ones), every `replayIntervalMs`, and on `drain()`. Replays are
 * idempotent: with an outbox every message carries a clientMsgId (the caller's, or `obx_<uuid>`
 * given before the first attempt), so an entry replayed twice (a crash between the replay and the
 * file rewrite, or a write that committed although its connection broke) is stored once. An entry
 * the store refuses for good (e.g. SESSION_NOT_FOUND) moves to `outbox-rejected.jsonl`.
 * One process per directory.
 */
export class Outbox {
  private entries: OutboxEntry[] = [];
  private replay: OutboxReplay | null = null;
  private timer: NodeJS.Timeout | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly file: string;
  private readonly rejectedFile: string;

  constructor(private readonly options: OutboxOptions) {
    if (typeof options.dir !== 'string' || options.dir.trim() === '') {
      throw new StrataError('INVALID_CONFIG', 'outbox dir must be a directory path', { details: { field: 'outbox.dir' } });
    }
    this.file = join(options.dir, 'outbox.jsonl');
    this.rejectedFile = join(options.dir, 'outbox-rejected.jsonl');
  }

  /** Loads waiting entries (from a previous run) and starts the background replayer. */
  open(replay: OutboxReplay): void {
    mkdirSync(this.options.dir, { recursive: true });
    this.replay = replay;
    this.entries = existsSync(this.file) ? parseLines(readFileSync(this.file, 'utf8')) : [];
    const every = this.options.replayIntervalMs ?? 1_000;
    if (every > 0) {
      this.timer = setInterval(() => {
        if (this.entries.length > 0) void this.drain().catch(() => {});
      }, every);
      this.timer.unref();
    }
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.queue.catch(() => {});
  }

  get pending(): number {
    return this.entries.length;
  }

  /** Every message gets a clientMsgId before its first attempt (replays must be idempotent). */
  static withIds(messages: readonly CleanMessage[]): CleanMessage[] {
    return messages.map((message) => (message.clientMsgId === null ? { ...message, clientMsgId: `obx_${randomUUID()}` } : message));
  }

  /**
   * An addMessages call through the outbox: after the waiting entries (drained first), `direct`
   * runs; STORE_UNAVAILABLE from it (or entries still waiting) queues the call instead.
   */
  write(
    tenantId: string,
    sessionId: string,
    messages: readonly CleanMessage[],
    direct: () => Promise<AddedMessage[]>,
  ): Promise<AddedMessage[]> {
    return this.serial(async () => {
      if (this.entries.length > 0) await this.drainNow();
      if (this.entries.length > 0) return this.enqueue(tenantId, sessionId, messages);
      try {
        return await direct();
      } catch (error) {
        if (!StrataError.is(error, 'STORE_UNAVAILABLE')) throw error;
        return this.enqueue(tenantId, sessionId, messages);
      }
    });
  }

  /** Replays the waiting entries in order; stops at the first one the store cannot take yet. */
  drain(): Promise<DrainReport> {
    return this.serial(() => this.drainNow());
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => {});
    return next;
  }

  private async drainNow(): Promise<DrainReport> {
    const replay = this.replay;
    if (!replay) throw new StrataError('CLOSED', 'the outbox is not open');
    let replayed = 0;
    let rejected = 0;
    try {
      while (this.entries.length > 0) {
        const entry = this.entries[0] as OutboxEntry;
        try {
          await replay(entry);
          replayed++;
        } catch (error) {
          if (
            !(error instanceof StrataError) ||
            error.code === 'STORE_UNAVAILABLE' ||
            error.code === 'TIMEOUT' ||
            error.code === 'CLOSED'
          ) {
            break;
          }
          appendLine(this.rejectedFile, { ...entry, error: error.code });
          rejected++;
        }
        this.entries.shift();
      }
    } finally {
      if (replayed + rejected > 0) this.rewrite();
    }
    return { replayed, rejected, pending: this.entries.length };
  }

  private enqueue(tenantId: string, sessionId: string, messages: readonly CleanMessage[]): AddedMessage[] {
    const entry: OutboxEntry = { v: 1, id: randomUUID(), tenantId, sessionId, messages, queuedAt: Date.now() };
    // On disk (fsync'd) before it is acknowledged.
    appendLine(this.file, entry);
    this.entries.push(entry);
    return messages.map((message) => ({ id: '', seq: 0, clientMsgId: message.clientMsgId, created: false, memoryId: null, queued: true }));
  }

  /** The waiting entries, written to a temp file and renamed over the outbox (never a torn file). */
  private rewrite(): void {
    const temp = `${this.file}.tmp`;
    writeFileSync(temp, this.entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
    const fd = openSync(temp, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, this.file);
  }
}

function appendLine(file: string, value: unknown): void {
  const fd = openSync(file, 'a');
  try {
    writeSync(fd, `${JSON.stringify(value)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** The entries of an outbox file; a torn last line (a crash while appending, never acknowledged) is dropped. */
function parseLines(text: string): OutboxEntry[] {
  const entries: OutboxEntry[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      const entry = JSON.parse(line) as OutboxEntry;
      if (entry?.v === 1 && Array.isArray(entry.messages)) entries.push(entry);
    } catch {
      // torn line
    }
  }
  return entries;
}
