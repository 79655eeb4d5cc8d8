import { matchesFilter } from '../spec/memory-filter-match.js';
import type { MemoryFilter } from '../spec/memory-store.js';
import type { MemoryRecord } from '../spec/records.js';

export interface NeighbourSettings {
  /** How many top hits lend score to their neighbouring turns. */
  readonly from: number;
  /** Share of a hit's score given to the turn after it (an answer follows its question). */
  readonly next: number;
  /** Share given to the turn before it. */
  readonly previous: number;
}

export interface Expandable {
  readonly memory: MemoryRecord;
  score: number;
  neighbourOf?: string;
}

/**
 * Conversation turns make sense in pairs: "It starts on March 2nd." answers the question
 * before it, which is what a query matches. Each of the top hits lends a share of its score
 * to the turns before and after it (linked in metadata when the turns were written), fetching
 * those that were not candidates. A neighbour keeps its own score when that is higher.
 */
export async function expandNeighbours<T extends Expandable>(
  hits: T[],
  settings: NeighbourSettings,
  fetch: (ids: string[]) => Promise<MemoryRecord[]>,
  make: (memory: MemoryRecord) => T,
  filter: MemoryFilter,
): Promise<T[]> {
  if (settings.from <= 0 || hits.length === 0) return hits;
  const byId = new Map(hits.map((hit) => [hit.memory.id, hit]));
  const top = hits.slice(0, settings.from);
  const links = top.flatMap((hit) => [
    { from: hit, id: link(hit.memory, 'nextTurn'), share: settings.next },
    { from: hit, id: link(hit.memory, 'previousTurn'), share: settings.previous },
  ]);
  const missing = [...new Set(links.flatMap((l) => (l.id && !byId.has(l.id) ? [l.id] : [])))];
  if (missing.length > 0) {
    for (const memory of await fetch(missing)) {
      if (matchesFilter(memory, filter)) {
        const hit = make(memory);
        byId.set(memory.id, hit);
        hits.push(hit);
      }
    }
  }
  for (const { from, id, share } of links) {
    const neighbour = id ? byId.get(id) : undefined;
    if (!neighbour || share <= 0) continue;
    const lent = from.score * share;
    if (lent > neighbour.score) {
      neighbour.score = lent;
      neighbour.neighbourOf = from.memory.id;
    }
  }
  return hits.sort((a, b) => b.score - a.score);
}

function link(memory: MemoryRecord, key: 'nextTurn' | 'previousTurn'): string | undefined {
  const value = memory.metadata[key];
  return typeof value === 'string' ? value : undefined;
}
