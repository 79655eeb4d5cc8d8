import { randomUUID } from 'node:crypto';

/**
 * RFC 9562 UUID version 7: the first 48 bits are the Unix time in milliseconds, the rest random
 * (74 bits). Ids made one after another sort one after another, so a B-tree keyed on them
 * (SQLite's messages primary key, memories_by_id) takes each new row on its rightmost, hot page
 * instead of dirtying a random page per insert. Built from randomUUID (a v4, whose random bits
 * come from Node's batched entropy pool) with its time and version fields overwritten.
 */
export function uuidV7(now: number = Date.now()): string {
  const random = randomUUID();
  const time = now.toString(16).padStart(12, '0').slice(-12);
  // v4 layout xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx: the variant (y) is already RFC's 10xx.
  return `${time.slice(0, 8)}-${time.slice(8)}-7${random.slice(15)}`;
}
