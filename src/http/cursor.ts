import { ID_PATTERN } from '../core/input.js';
import { invalidInput } from '../errors/strata-error.js';

/**
 * Opaque pagination cursors: base64url of `<kind>:<value>`. Clients pass `nextCursor` back
 * unchanged; a cursor of another tenant's record finds nothing in this one and starts over.
 */
export function encodeCursor(kind: 'id' | 'seq', value: string | number): string {
  return Buffer.from(`${kind}:${value}`, 'utf8').toString('base64url');
}

function decode(cursor: string, kind: 'id' | 'seq'): string {
  const text = /^[A-Za-z0-9_-]+$/.test(cursor) ? Buffer.from(cursor, 'base64url').toString('utf8') : '';
  if (!text.startsWith(`${kind}:`)) throw invalidInput('cursor', 'cursor is not one this endpoint returned');
  return text.slice(kind.length + 1);
}

export function decodeIdCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const id = decode(cursor, 'id');
  if (!ID_PATTERN.test(id)) throw invalidInput('cursor', 'cursor is not one this endpoint returned');
  return id;
}

export function decodeSeqCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  const seq = decode(cursor, 'seq');
  if (!/^\d{1,15}$/.test(seq)) throw invalidInput('cursor', 'cursor is not one this endpoint returned');
  return Number(seq);
}

/** Given `limit + 1` rows, the page of `limit` and the cursor after it (null on the last page). */
export function pageOf<T>(rows: readonly T[], limit: number, cursorOf: (last: T) => string): { data: T[]; nextCursor: string | null } {
  const data = rows.slice(0, limit);
  const last = data[data.length - 1];
  return { data, nextCursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
