import type { MessageQuery } from '../../spec/memory-store.js';
import type { MessageRecord } from '../../spec/records.js';

/**
 * Answers a listMessages query from a cached window of a session's newest messages (oldest
 * first), or returns null when the window cannot answer it exactly: it is not contiguous up to
 * `lastSeq`, or the answer reaches below its oldest message (and that is not seq 1).
 */
export function windowAnswer(lastSeq: number, window: readonly MessageRecord[], query: MessageQuery): MessageRecord[] | null {
  const after = query.afterSeq ?? 0;
  const before = Math.min(query.beforeSeq ?? Number.POSITIVE_INFINITY, lastSeq + 1);
  if (lastSeq === 0 || query.limit <= 0 || after + 1 > before - 1) return [];
  const oldest = window[0]?.seq;
  if (oldest === undefined || window.at(-1)?.seq !== lastSeq || window.length !== lastSeq - oldest + 1) return null;
  // The lowest seq the answer contains.
  const lowest = query.order === 'desc' ? Math.max(after + 1, before - query.limit) : after + 1;
  if (lowest < oldest) return null;
  const inRange = window.filter((message) => message.seq > after && message.seq < before);
  return query.order === 'desc' ? inRange.reverse().slice(0, query.limit) : inRange.slice(0, query.limit);
}
