import { LRUCache } from 'lru-cache';
import type { MessageRecord } from '../../spec/records.js';
import type { StatementCache } from './statement-cache.js';

/** Messages kept per session: enough for the previous turns of a write and a standard context (10). */
export const TAIL_LENGTH = 12;

interface Tail {
  /** The session's newest messages, oldest first, contiguous up to its last seq. */
  readonly messages: MessageRecord[];
  /** True when these are all the session's messages. */
  all: boolean;
}

/**
 * The newest messages of recently written or read sessions, in this process: every write asks
 * for the turns before it and every context for the last turns, and reading them back from the
 * WITHOUT ROWID table cost more than the rest of a single-message write's queries together.
 *
 * It is exact, not a time-to-live cache. This process's appends extend a tail (checked against
 * the seq the append transaction read); anything else that may change messages clears it all:
 * a commit by another connection (`PRAGMA data_version` moves, checked before every read), an
 * erase, or a sibling module (retention, archive, consolidation) borrowing the connection.
 * Bounded by characters held (about 4 MB of text).
 */
export class SessionTails {
  private readonly tails = new LRUCache<string, Tail>({
    maxSize: 2_000_000,
    sizeCalculation: (tail) =>
      Math.max(
        1,
        tail.messages.reduce((sum, m) => sum + m.content.length + 200, 0),
      ),
  });
  private version = -1;

  constructor(private readonly sql: StatementCache) {}

  /** The newest `limit` messages, newest first, or undefined when the tail cannot answer. */
  newest(tenantId: string, sessionId: string, limit: number): MessageRecord[] | undefined {
    this.checkVersion();
    const tail = this.tails.get(key(tenantId, sessionId));
    if (!tail || (tail.messages.length < limit && !tail.all)) return undefined;
    return tail.messages.slice(-limit).reverse();
  }

  /** After a read of the session's newest TAIL_LENGTH messages (newest first). */
  remember(tenantId: string, sessionId: string, newestFirst: readonly MessageRecord[]): void {
    this.tails.set(key(tenantId, sessionId), {
      messages: newestFirst.slice(0, TAIL_LENGTH).reverse(),
      all: newestFirst.length < TAIL_LENGTH,
    });
  }

  /** After this process committed messages to a session whose last seq was `previousSeq`. */
  appended(tenantId: string, sessionId: string, previousSeq: number, records: readonly MessageRecord[]): void {
    const k = key(tenantId, sessionId);
    // As a read from the table would give them: the caller's metadata object is not shared.
    const added = records.map(
      (m): MessageRecord => ({
        id: m.id,
        tenantId: m.tenantId,
        sessionId: m.sessionId,
        seq: m.seq,
        role: m.role,
        name: m.name,
        content: m.content,
        metadata: JSON.parse(JSON.stringify(m.metadata)),
        createdAt: m.createdAt,
        clientMsgId: m.clientMsgId,
        tokenCount: m.tokenCount,
      }),
    );
    const tail = this.tails.get(k);
    if (!tail) {
      // A new session's first messages are its whole tail.
      if (previousSeq === 0 && added.length > 0)
        this.tails.set(k, { messages: added.slice(-TAIL_LENGTH), all: added.length <= TAIL_LENGTH });
      return;
    }
    const last = tail.messages[tail.messages.length - 1];
    if ((last?.seq ?? 0) !== previousSeq || (!last && !tail.all)) {
      this.tails.delete(k);
      return;
    }
    const messages = [...tail.messages, ...added];
    const all = tail.all && messages.length <= TAIL_LENGTH;
    this.tails.set(k, { messages: messages.slice(-TAIL_LENGTH), all });
  }

  clear(): void {
    this.tails.clear();
  }

  private checkVersion(): void {
    const version = (this.sql.raw('PRAGMA data_version').get() as [number])[0];
    if (version !== this.version) {
      this.tails.clear();
      this.version = version;
    }
  }
}

function key(tenantId: string, sessionId: string): string {
  return `${tenantId}\u0000${sessionId}`;
}
