import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { StrataError } from '../errors/strata-error.js';
import type { ArchivedFactRule, ArchivedMemory, ArchiveRecords, ArchiveStoreV1 } from '../spec/archive-store.js';
import type { ExternalWrite } from '../spec/external-writes.js';
import type { MemoryStoreV1 } from '../spec/memory-store.js';
import type { FactRecord, MessageRecord, SessionRecord } from '../spec/records.js';
import { ARCHIVE_TABLES, type ArchiveManifest, type ArchiveTable, base64ToVector } from './archive-format.js';
import { CheckpointLine, FactLine, FactRuleLine, ManifestSchema, MemoryLine, MessageLine, SessionLine } from './archive-schemas.js';

const LINES: Record<ArchiveTable, z.ZodType> = {
  sessions: SessionLine,
  messages: MessageLine,
  memories: MemoryLine,
  facts: FactLine,
  fact_rules: FactRuleLine,
  consolidation_checkpoints: CheckpointLine,
};

function invalid(message: string, details: Record<string, unknown> = {}, cause?: unknown): StrataError {
  return new StrataError('ARCHIVE_INVALID', message, { details, cause });
}

/**
 * Reads and verifies an archive completely (manifest, every file's SHA-256 and line count,
 * every record's shape, embeddings) and returns its records. Throws ARCHIVE_INVALID on the
 * first problem; nothing is written.
 */
export function readArchive(dir: string): { manifest: ArchiveManifest; records: ArchiveRecords } {
  let manifest: ArchiveManifest;
  try {
    manifest = ManifestSchema.parse(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))) as ArchiveManifest;
  } catch (cause) {
    throw invalid(`${dir} has no valid manifest.json`, { path: dir }, cause);
  }
  const parsed = {} as Record<ArchiveTable, unknown[]>;
  for (const table of ARCHIVE_TABLES) {
    const entry = manifest.tables[table];
    let bytes: Buffer;
    try {
      bytes = readFileSync(join(dir, entry.file));
    } catch (cause) {
      throw invalid(`archive file ${entry.file} is missing`, { table }, cause);
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== entry.sha256)
      throw invalid(`archive file ${entry.file} is damaged (SHA-256 mismatch)`, { table, expected: entry.sha256, actual: sha256 });
    const text = bytes.toString('utf8');
    const lines = text === '' ? [] : text.endsWith('\n') ? text.slice(0, -1).split('\n') : null;
    if (lines === null) throw invalid(`archive file ${entry.file} does not end with a newline (truncated?)`, { table });
    if (lines.length !== entry.count)
      throw invalid(`archive file ${entry.file} has ${lines.length} records, the manifest says ${entry.count}`, { table });
    parsed[table] = lines.map((line, i) => {
      try {
        return LINES[table].parse(JSON.parse(line));
      } catch (cause) {
        throw invalid(`archive file ${entry.file} line ${i + 1} is not a valid ${table} record`, { table, line: i + 1 }, cause);
      }
    });
  }
  const memories = (parsed.memories as Array<Omit<ArchivedMemory, 'embedding'> & { embedding: string | null }>).map((m, i) => {
    try {
      return { ...m, embedding: m.embedding === null ? null : base64ToVector(m.embedding) } as ArchivedMemory;
    } catch (cause) {
      throw invalid(`memories.jsonl line ${i + 1}: bad embedding`, { table: 'memories', line: i + 1 }, cause);
    }
  });
  return {
    manifest,
    records: {
      sessions: parsed.sessions as SessionRecord[],
      messages: parsed.messages as MessageRecord[],
      memories,
      facts: (parsed.facts as Array<Omit<FactRecord, 'rule'>>).map((f) => ({ ...f, rule: null })),
      factRules: parsed.fact_rules as ArchivedFactRule[],
      checkpoints: parsed.consolidation_checkpoints as ArchiveRecords['checkpoints'],
    },
  };
}

export interface RestoreReport {
  readonly counts: Readonly<Record<ArchiveTable, number>>;
  readonly tenants: readonly string[];
}

/**
 * Restores an archive into an empty store: verifies everything first (readArchive), refuses a
 * store that holds records (ARCHIVE_CONFLICT), writes every record exactly in one transaction,
 * then rebuilds the derived indexes. `store` may be the decorated store: its rebuild then fills
 * a Qdrant mirror from the restored memories, and `afterWrite` drops what a Redis tier or a
 * context cache may hold of the restored sessions and users.
 */
export async function restore(
  stores: {
    store: MemoryStoreV1;
    archive: ArchiveStoreV1;
    afterWrite?: ((write: ExternalWrite) => Promise<void>) | undefined;
  },
  dir: string,
): Promise<RestoreReport> {
  const { manifest, records } = readArchive(dir);
  if (!(await stores.archive.isEmpty())) {
    throw new StrataError('ARCHIVE_CONFLICT', 'restore needs an empty store: this one holds records', { details: { path: dir } });
  }
  await stores.archive.importRecords(records);
  await stores.store.rebuildIndexes();
  if (stores.afterWrite) for (const write of restoredWrites(records)) await stores.afterWrite(write);
  const counts = Object.fromEntries(ARCHIVE_TABLES.map((t) => [t, manifest.tables[t].count])) as Record<ArchiveTable, number>;
  return { counts, tenants: manifest.tenants };
}

/** Per tenant, the sessions and users a restore wrote (the memories are covered by the index rebuild). */
function restoredWrites(records: ArchiveRecords): ExternalWrite[] {
  const byTenant = new Map<string, { sessions: Set<string>; users: Set<string> }>();
  const of = (tenantId: string) => {
    const entry = byTenant.get(tenantId) ?? { sessions: new Set<string>(), users: new Set<string>() };
    byTenant.set(tenantId, entry);
    return entry;
  };
  for (const session of records.sessions) {
    of(session.tenantId).sessions.add(session.id);
    of(session.tenantId).users.add(session.userId);
  }
  for (const memory of records.memories) of(memory.tenantId).users.add(memory.userId);
  return [...byTenant].map(([tenantId, { sessions, users }]) => ({ tenantId, sessions: [...sessions], users: [...users] }));
}
