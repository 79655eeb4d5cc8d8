import { createHash } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StrataError } from '../errors/strata-error.js';
import type { ArchiveStoreV1 } from '../spec/archive-store.js';
import type { ConsolidationStoreV1 } from '../spec/consolidation-store.js';
import type { ExternalWrite } from '../spec/external-writes.js';
import type { MemoryStoreV1 } from '../spec/memory-store.js';
import type { MemoryRecord } from '../spec/records.js';
import {
  ARCHIVE_FORMAT,
  ARCHIVE_TABLES,
  ARCHIVE_VERSION,
  type ArchiveManifest,
  type ArchiveTable,
  tableFile,
  vectorToBase64,
} from './archive-format.js';

export interface BackupStores {
  readonly store: MemoryStoreV1;
  readonly archive: ArchiveStoreV1;
  readonly consolidation: ConsolidationStoreV1 | null;
  /** Told what a restore wrote beside the store's decorators (MemoryService.afterExternalWrite). */
  readonly afterWrite?: ((write: ExternalWrite) => Promise<void>) | undefined;
}

const PAGE = 500;

/** Every record of a paged read, page after page until an empty one. */
async function* paged<T>(read: (after: string | undefined) => Promise<T[]>, cursor: (last: T) => string): AsyncGenerator<T> {
  let after: string | undefined;
  for (;;) {
    const page = await read(after);
    if (page.length === 0) return;
    yield* page;
    after = cursor(page[page.length - 1] as T);
  }
}

/** One JSONL file, hashed and counted as it is written. */
class TableWriter {
  private readonly fd: number;
  private readonly hash = createHash('sha256');
  count = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
  }

  write(record: unknown): void {
    const line = `${JSON.stringify(record)}\n`;
    this.hash.update(line);
    writeSync(this.fd, line);
    this.count++;
  }

  close(): string {
    closeSync(this.fd);
    return this.hash.digest('hex');
  }
}

/**
 * Writes every tenant's records to the directory `out` (which must not exist or be empty):
 * one JSONL file per table, then manifest.json with each file's count and SHA-256. Reads go
 * through MemoryStoreV1 (sessions, messages, memories, embeddings), ConsolidationStoreV1
 * (checkpoints) and ArchiveStoreV1 (tenants, facts, rules), so it is the same on every backend.
 * The archive is written to `out.partial` and renamed when complete. Not a snapshot: back up a
 * store that is not being written to, or accept records written meanwhile may be missing.
 */
export async function backup(stores: BackupStores, out: string, now: number = Date.now()): Promise<ArchiveManifest> {
  if (existsSync(out) && readdirSync(out).length > 0) {
    throw new StrataError('ARCHIVE_CONFLICT', `${out} exists and is not empty`, { details: { path: out } });
  }
  const partial = `${out}.partial`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  const writers = Object.fromEntries(ARCHIVE_TABLES.map((t) => [t, new TableWriter(join(partial, tableFile(t)))])) as Record<
    ArchiveTable,
    TableWriter
  >;
  const { store, archive, consolidation } = stores;
  const models = new Set<string>();
  const tenants = await archive.listTenants();
  try {
    for (const tenantId of tenants) {
      for await (const session of paged(
        (after) => store.listSessions({ tenantId }, { limit: PAGE, after }),
        (s) => s.id,
      )) {
        writers.sessions.write(session);
        const messages = paged(
          (after) =>
            store.listMessages(tenantId, session.id, { afterSeq: after === undefined ? 0 : Number(after), limit: PAGE, order: 'asc' }),
          (m) => String(m.seq),
        );
        for await (const message of messages) writers.messages.write(message);
        const checkpoint = consolidation ? await consolidation.getCheckpoint(tenantId, session.id) : null;
        if (checkpoint) writers.consolidation_checkpoints.write(checkpoint);
      }
      const memories = paged(
        (after) => store.listMemories({ tenantId, includeSuperseded: true }, { limit: PAGE, after }),
        (m) => m.id,
      );
      let page: MemoryRecord[] = [];
      const flush = async (): Promise<void> => {
        const vectors = await store.getEmbeddings(
          tenantId,
          page.map((m) => m.id),
        );
        for (const memory of page) {
          const vector = vectors.get(memory.id);
          if (vector && memory.embeddingModel) models.add(memory.embeddingModel);
          writers.memories.write({ ...memory, embedding: vector ? vectorToBase64(vector) : null });
        }
        page = [];
      };
      for await (const memory of memories) {
        page.push(memory);
        if (page.length >= PAGE) await flush();
      }
      await flush();
      for await (const fact of paged(
        (after) => archive.listAllFacts(tenantId, { limit: PAGE, after }),
        (f) => f.id,
      )) {
        const { rule: _rule, ...rest } = fact;
        writers.facts.write(rest);
      }
      for (const rule of await archive.listFactRules(tenantId)) writers.fact_rules.write(rule);
    }
  } catch (error) {
    for (const writer of Object.values(writers)) writer.close();
    rmSync(partial, { recursive: true, force: true });
    throw error;
  }
  const tables = Object.fromEntries(
    ARCHIVE_TABLES.map((t) => {
      const writer = writers[t];
      const count = writer.count;
      return [t, { file: tableFile(t), count, sha256: writer.close() }];
    }),
  ) as unknown as ArchiveManifest['tables'];
  const manifest: ArchiveManifest = {
    format: ARCHIVE_FORMAT,
    version: ARCHIVE_VERSION,
    createdAt: new Date(now).toISOString(),
    tenants,
    embeddingModels: [...models].sort(),
    tables,
  };
  writeFileSync(join(partial, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  if (existsSync(out)) rmSync(out, { recursive: true });
  renameSync(partial, out);
  return manifest;
}
