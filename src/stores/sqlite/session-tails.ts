import { LRUCache } from 'lru-cache';
import type { MessageRecord } from '../../spec/records.js';

/** Messages kept per session: enough for the previous turns of a write and a standard context (10). */
export const TAIL_LENGTH = 12;

interface Tail {
  /** The session's newest messages, oldest first, contiguous up to its last seq. */
  readonly messages: MessageRecord[];
  /** True when these are all the session's messages. */
  all: boolean;
  /** The generation (`unverify`) at which this tail was last known to end at the session's newest message. */
  verified: number;
}

/**
 * The newest messages of recently written or read sessions, in this process: every write asks
 * for the turns before it and every context for the last turns, and reading them back from the
 * WITHOUT ROWID table cost more than the rest of a single-message write's queries together.
 *
 * It is exact, not a time-to-live cache. This process's appends extend a tail (checked against
 * the seq the append transaction read). After another connection's commit (`PRAGMA
 * data_version` moves: the store checks before every read) a tail answers again once it has
 * read the messages after its newest (none, or the other process's appends): messages are
 * appended, never updated, and when any was deleted (the store counts deletions,
 * 0008_message_deletes.sql) every tail goes. So does everything after an erase or a sibling module's commit (retention, restore,
 * consolidation) through the store.
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
  private generation = 0;

  /**
   * The newest `limit` messages, newest first, or undefined when the tail cannot answer. A tail
   * not checked since another connection's commit is first caught up through `after` (given its
   * newest message, undefined for an empty session): the session's messages after that one,
   * oldest first, or null when that one is gone or more came than a tail holds.
   */
  newest(
    tenantId: string,
    sessionId: string,
    limit: number,
    after: (newest: MessageRecord | undefined) => MessageRecord[] | null,
  ): MessageRecord[] | undefined {
    const k = key(tenantId, sessionId);
    let tail = this.tails.get(k);
    if (!tail) return undefined;
    if (tail.verified !== this.generation) {
      const added = after(tail.messages[tail.messages.length - 1]);
      if (added === null) {
        this.tails.delete(k);
        return undefined;
      }
      if (added.length === 0) tail.verified = this.generation;
      else {
        const messages = [...tail.messages, ...added];
        tail = { messages: messages.slice(-TAIL_LENGTH), all: tail.all && messages.length <= TAIL_LENGTH, verified: this.generation };
        this.tails.set(k, tail);
      }
    }
    if (tail.messages.length < limit && !tail.all) return undefined;
    return tail.messages.slice(-limit).reverse();
  }

  /** Another connection committed, and deleted no message: each tail is caught up before it answers again. */
  unverify(): void {
    this.generation++;
  }

  /** After a read of the session's newest TAIL_LENGTH messages (newest first). */
  remember(tenantId: string, sessionId: string, newestFirst: readonly MessageRecord[]): void {
    this.tails.set(key(tenantId, sessionId), {
      messages: newestFirst.slice(0, TAIL_LENGTH).reverse(),
      all: newestFirst.length < TAIL_LENGTH,
      verified: this.generation,
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
        this.tails.set(k, { messages: added.slice(-TAIL_LENGTH), all: added.length <= TAIL_LENGTH, verified: this.generation });
      return;
    }
    const last = tail.messages[tail.messages.length - 1];
    if ((last?.seq ?? 0) !== previousSeq || (!last && !tail.all)) {
      this.tails.delete(k);
      return;
    }
    const messages = [...tail.messages, ...added];
    const all = tail.all && messages.length <= TAIL_LENGTH;
    // The append read the session's last seq in its transaction: this tail ended at its newest message.
    this.tails.set(k, { messages: messages.slice(-TAIL_LENGTH), all, verified: this.generation });
  }

  clear(): void {
    this.tails.clear();
  }
}

function key(tenantId: string, sessionId: string): string {
  return `${tenantId}\u0000${sessionId}`;
}
