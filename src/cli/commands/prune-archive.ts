import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { StrataError } from '../../errors/strata-error.js';
import type { MemoryStoreV1 } from '../../spec/memory-store.js';
import type { MessageRecord, SessionRecord } from '../../spec/records.js';

/**
 * `strata prune --archive FILE.jsonl`: old messages are appended to FILE, one line each, in the
 * format `strata backfill --from FILE` reads (with their clientMsgId, or the message id when
 * they had none), and the file is fsynced before they are deleted. Archived episodes can thus be
 * imported again, into this store or another (`strata backfill --tenant T`: the tenant is not in
 * the line), and a second import stores nothing twice.
 */
export function jsonlArchive(path: string, store: MemoryStoreV1): (tenantId: string, messages: readonly MessageRecord[]) => Promise<void> {
  const sessions = new Map<string, SessionRecord | null>();
  return async (tenantId, messages) => {
    const lines: string[] = [];
    for (const message of messages) {
      const key = `${tenantId}\u0000${message.sessionId}`;
      if (!sessions.has(key)) sessions.set(key, await store.getSession(tenantId, message.sessionId));
      const session = sessions.get(key);
      if (!session) continue;
      lines.push(
        JSON.stringify({
          sessionId: session.id,
          userId: session.userId,
          ...(session.agentId ? { agentId: session.agentId } : {}),
          ...(session.namespace ? { namespace: session.namespace } : {}),
          role: message.role,
          ...(message.name ? { name: message.name } : {}),
          content: message.content,
          at: new Date(message.createdAt).toISOString(),
          clientMsgId: message.clientMsgId ?? message.id,
          ...(Object.keys(message.metadata).length > 0 ? { metadata: message.metadata } : {}),
        }),
      );
    }
    let fd: number;
    try {
      fd = openSync(path, 'a');
    } catch (cause) {
      // Nothing is deleted: the page is archived before its deletion.
      const code = (cause as NodeJS.ErrnoException).code ?? 'error';
      throw new StrataError('INVALID_INPUT', `cannot write the archive ${path} (${code}): nothing was pruned`, {
        cause,
        details: { field: 'archive' },
      });
    }
    try {
      writeSync(fd, lines.map((line) => `${line}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  };
}
