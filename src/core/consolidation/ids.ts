import { createHash } from 'node:crypto';

/** A short deterministic digest of the parts (so that a rerun computes the same ids). */
export function digest(...parts: ReadonlyArray<string | number>): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

export const runIdOf = (tenantId: string, sessionId: string, fromSeq: number, toSeq: number): string =>
  `run_${digest(tenantId, sessionId, fromSeq, toSeq)}`;

export const summaryIdOf = (tenantId: string, sessionId: string, fromSeq: number, toSeq: number): string =>
  `mem_sum_${digest('summary', tenantId, sessionId, fromSeq, toSeq)}`;

export const noteIdOf = (tenantId: string, sessionId: string, messageId: string): string =>
  `mem_note_${digest('note', tenantId, sessionId, messageId)}`;
