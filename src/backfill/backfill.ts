import { createReadStream, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { MemoryService } from '../core/memory-service.js';
import { StrataError } from '../errors/strata-error.js';
import { type BackfillMessage, parseBackfillLine } from './backfill-line.js';
import { type BackfillCheckpoint, type BackfillError, checkpointPathOf, readCheckpoint, writeCheckpoint } from './checkpoint-file.js';

export interface BackfillProgress {
  readonly line: number;
  readonly bytes: number;
  readonly totalBytes: number;
  readonly imported: number;
  readonly duplicates: number;
  readonly errors: number;
}

export interface BackfillOptions {
  readonly file: string;
  /** Lines whose `at` is earlier are skipped (epoch ms). */
  readonly since?: number | undefined;
  /** Validate every line and count what would be imported; write nothing (no store, no checkpoint). */
  readonly dryRun?: boolean | undefined;
  /** Continue after the line the checkpoint file records. */
  readonly resume?: boolean | undefined;
  /** Messages per addMessages call (one session per call). Default 200. */
  readonly batchSize?: number | undefined;
  readonly onProgress?: ((progress: BackfillProgress) => void) | undefined;
  /** Test hooks: stop (as if interrupted) after this many lines of this run; run before each checkpoint write. */
  readonly stopAfterLines?: number | undefined;
  readonly beforeCheckpoint?: ((lineDone: number) => void) | undefined;
}

export interface BackfillReport {
  readonly file: string;
  /** Null on a dry run. */
  readonly checkpoint: string | null;
  readonly dryRun: boolean;
  /** The line the run started after (0 = from the start). */
  readonly resumedFrom: number;
  /** Last line handled. */
  readonly lineDone: number;
  /** Messages stored (on a dry run: that would be offered to the store). */
  readonly imported: number;
  /** Messages already stored (same clientMsgId in the session): not stored again. */
  readonly duplicates: number;
  /** Older than --since. */
  readonly skipped: number;
  /** Bad lines, each with its line number and reason (earlier runs' too, on --resume). */
  readonly errors: readonly BackfillError[];
  /** False when the run stopped before the end of the file. */
  readonly complete: boolean;
}

/**
 * Imports a JSONL file of messages through the core (createSession + addMessages, so
 * redaction, indexing and idempotency are the same as any write). Consecutive lines of one
 * session go in one call; a checkpoint file next to the input records the last line handled
 * after every call, so that `resume` continues there. A line that fails is reported with its
 * number and reason and never stops the import.
 */
export async function backfill(memory: MemoryService | null, options: BackfillOptions): Promise<BackfillReport> {
  const dryRun = options.dryRun === true;
  if (!dryRun && memory === null) throw new StrataError('INVALID_CONFIG', 'backfill needs a memory service unless dryRun');
  const file = resolve(options.file);
  let totalBytes: number;
  try {
    totalBytes = statSync(file).size;
  } catch (cause) {
    throw new StrataError('INVALID_INPUT', `cannot read ${options.file}`, { cause, details: { field: 'from' } });
  }
  const checkpointPath = checkpointPathOf(file);
  const previous = options.resume ? readCheckpoint(checkpointPath) : null;
  const start = previous?.lineDone ?? 0;
  const fileKey = basename(file);
  const maxText = memory?.store.capabilities.maxTextLength ?? 32_000;
  const batchSize = options.batchSize ?? 200;
  const state = {
    lineDone: start,
    imported: previous?.imported ?? 0,
    duplicates: previous?.duplicates ?? 0,
    skipped: previous?.skipped ?? 0,
    errors: [...(previous?.errors ?? [])] as BackfillError[],
  };
  const sessions = new Map<string, string>();
  let batch: BackfillMessage[] = [];
  let line = 0;
  let bytes = 0;
  let handled = 0;

  const progress = (): void =>
    options.onProgress?.({
      line,
      bytes,
      totalBytes,
      imported: state.imported,
      duplicates: state.duplicates,
      errors: state.errors.length,
    });
  const checkpoint = (lineDone: number): void => {
    state.lineDone = Math.max(state.lineDone, lineDone);
    if (dryRun) return;
    options.beforeCheckpoint?.(state.lineDone);
    const value: BackfillCheckpoint = { version: 1, file, ...state, updatedAt: new Date().toISOString() };
    writeCheckpoint(checkpointPath, value);
  };
  const fail = (at: number, error: unknown): void => {
    if (!(error instanceof StrataError)) throw error;
    state.errors.push({
      line: at,
      reason: error.code === 'INVALID_INPUT' || error.code === 'INVALID_ID' ? error.message : `${error.code}: ${error.message}`,
    });
  };
  const flush = async (lineDone: number): Promise<void> => {
    const messages = batch;
    batch = [];
    if (messages.length > 0) {
      if (dryRun) state.imported += messages.length;
      else await store(memory as MemoryService, messages, sessions, state, fail);
    }
    checkpoint(lineDone);
    progress();
  };

  const input = createReadStream(file, { encoding: 'utf8' });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let complete = true;
  try {
    for await (const text of lines) {
      line++;
      bytes += Buffer.byteLength(text) + 1;
      if (line <= start) continue;
      if (options.stopAfterLines !== undefined && handled >= options.stopAfterLines) {
        complete = false;
        break;
      }
      handled++;
      if (text.trim() === '') continue;
      let message: BackfillMessage;
      try {
        message = parseBackfillLine(text, line, fileKey, maxText);
      } catch (error) {
        fail(line, error);
        continue;
      }
      if (options.since !== undefined && message.at < options.since) {
        state.skipped++;
        continue;
      }
      if (batch.length > 0 && (scopeKey(batch[0] as BackfillMessage) !== scopeKey(message) || batch.length >= batchSize)) {
        await flush(line - 1);
      }
      batch.push(message);
    }
  } finally {
    lines.close();
    input.destroy();
  }
  await flush(complete ? line : start + handled);
  return {
    file,
    checkpoint: dryRun ? null : checkpointPath,
    dryRun,
    resumedFrom: start,
    lineDone: state.lineDone,
    imported: state.imported,
    duplicates: state.duplicates,
    skipped: state.skipped,
    errors: [...state.errors].sort((a, b) => a.line - b.line),
    complete,
  };
}

/** A batch holds consecutive lines of one session and one scope. */
function scopeKey(m: BackfillMessage): string {
  return `${m.sessionId}\u0000${m.userId}\u0000${m.agentId ?? ''}\u0000${m.namespace ?? ''}`;
}

/** One session's consecutive messages in one call; on a refused call, one by one so that each bad line gets its reason. */
async function store(
  memory: MemoryService,
  messages: BackfillMessage[],
  sessions: Map<string, string>,
  state: { imported: number; duplicates: number },
  fail: (line: number, error: unknown) => void,
): Promise<void> {
  const first = messages[0] as BackfillMessage;
  const scope = scopeKey(first);
  const known = sessions.get(first.sessionId);
  // Lines of one session that name another user (or agent, namespace) than its first line.
  const foreign = known !== undefined && known !== scope;
  if (known === undefined) {
    try {
      await memory.createSession({
        id: first.sessionId,
        userId: first.userId,
        agentId: first.agentId,
        namespace: first.namespace,
        createdAt: first.at,
      });
      sessions.set(first.sessionId, scope);
    } catch (error) {
      for (const message of messages) fail(message.line, error);
      return;
    }
  }
  if (foreign) {
    const error = new StrataError('SCOPE_CONFLICT', `session ${first.sessionId} belongs to another user/agent/namespace than this line`);
    for (const message of messages) fail(message.line, error);
    return;
  }
  const input = (m: BackfillMessage) => ({
    role: m.role,
    content: m.content,
    name: m.name,
    metadata: m.metadata,
    clientMsgId: m.clientMsgId,
    createdAt: m.at,
  });
  const count = (created: boolean): void => {
    if (created) state.imported++;
    else state.duplicates++;
  };
  try {
    for (const result of await memory.addMessages(first.sessionId, messages.map(input))) count(result.created);
  } catch (error) {
    if (!(error instanceof StrataError) || messages.length === 1) {
      fail(first.line, error);
      return;
    }
    for (const message of messages) {
      try {
        const [result] = await memory.addMessages(message.sessionId, [input(message)]);
        count(result?.created === true);
      } catch (single) {
        fail(message.line, single);
      }
    }
  }
}
