import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backup } from '../../src/archive/backup.js';
import { readArchive, restore } from '../../src/archive/restore.js';
import { archiveStoresOf } from '../../src/config/archive-stores.js';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { runCli } from '../helpers/cli.js';
import { expectStrataError, tempDir } from '../helpers/memory.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function dir(): string {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  return dir;
}

async function open(data: string): Promise<MemoryService> {
  const memory = await createMemory({ path: join(data, 'strata.db') });
  cleanups.push(() => memory.close());
  return memory;
}

/** Every kind of record: two tenants, agents and namespaces, summaries, notes (one superseded), closed facts, a rule. */
async function populate(memory: MemoryService): Promise<void> {
  await memory.createSession({
    id: 's1',
    userId: 'alice',
    agentId: 'coach',
    metadata: { channel: 'web' },
    createdAt: '2026-03-01T10:00:00Z',
  });
  await memory.addMessages('s1', [
    {
      role: 'user',
      content: 'My favourite food is spicy Thai green curry with rice.',
      clientMsgId: 'm1',
      createdAt: '2026-03-01T10:00:00Z',
    },
    { role: 'assistant', name: 'Coach', content: 'Noted. Curry before a long run is a bold choice.', createdAt: '2026-03-01T10:01:00Z' },
    { role: 'user', content: 'I am planning to run a 10k race in Cardiff on the 12th of April.', createdAt: '2026-03-01T10:02:00Z' },
  ]);
  await memory.consolidate();
  await memory.addMessages('s1', [
    { role: 'user', content: 'My favourite food is really spicy Thai green curry with rice.', createdAt: '2026-03-02T09:00:00Z' },
  ]);
  await memory.remember({
    userId: 'alice',
    text: 'Alice trains on Tuesdays and Sundays',
    tags: ['schedule'],
    importance: 0.8,
    namespace: 'fitness',
  });
  await memory.setFact({ userId: 'alice', subject: 'alice', key: 'city', value: 'Cardiff', validFrom: '2026-01-01T00:00:00Z' });
  await memory.setFact({ userId: 'alice', subject: 'alice', key: 'city', value: 'Bristol', validFrom: '2026-02-15T00:00:00Z' });
  await memory.setFactRule({ userId: 'alice', subject: 'alice', key: 'weeklyKm' }, { type: 'number', min: 0, max: 200 });
  await memory.setFact({ userId: 'alice', subject: 'alice', key: 'weeklyKm', value: 35 });
  const other = memory.forTenant('acme');
  await other.createSession({ id: 's1', userId: 'bob', namespace: 'support' });
  await other.addMessages('s1', [{ role: 'user', content: 'The parcel sorting job crashed after the midnight deploy.' }]);
  await other.setFact({ userId: 'bob', subject: 'ticket', key: 'status', value: { open: true, priority: 2 } });
  await memory.consolidateAllTenants();
}

/** The archive's files but the manifest's creation time: equal for equal stores. */
function contents(archive: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const file of readdirSync(archive).sort()) {
    const text = readFileSync(join(archive, file), 'utf8');
    out[file] = file === 'manifest.json' ? text.replace(/"createdAt": "[^"]+"/, '"createdAt": "-"') : text;
  }
  return out;
}

function sha(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex');
}

describe('backup and restore', () => {
  it('round-trips every record into an empty store: a backup of the restored store is byte-identical', async () => {
    const source = dir();
    const memory = await open(source);
    await populate(memory);
    const archive = join(dir(), 'archive');
    const manifest = await backup(await archiveStoresOf(memory), archive);
    expect(manifest.tenants).toEqual(['acme', 'default']);
    expect(manifest.tables.messages.count).toBe(5);
    expect(manifest.tables.facts.count).toBe(4);
    expect(manifest.tables.fact_rules.count).toBe(1);
    expect(manifest.tables.consolidation_checkpoints.count).toBe(2);
    expect(manifest.embeddingModels).toEqual([memory.embedder.modelId]);
    expect(manifest.tables.memories.count).toBe(
      (await memory.store.countMemories({ tenantId: 'default', includeSuperseded: true })) +
        (await memory.store.countMemories({ tenantId: 'acme', includeSuperseded: true })),
    );

    const target = dir();
    const restored = await runCli(['--data', target, 'restore', archive, '--json']);
    expect(JSON.parse(restored.stdout)).toMatchObject({ counts: { sessions: 2, messages: 5 }, tenants: ['acme', 'default'] });
    const copy = await open(target);
    const again = join(dir(), 'again');
    await runCli(['--data', target, 'backup', again, '--json']);
    expect(contents(again)).toEqual(contents(archive));

    // Exact writes: closed fact versions keep their validity, sessions their summary and seqs.
    const history = await copy.factHistory({ userId: 'alice', subject: 'alice', key: 'city' });
    expect(history.map((f) => [f.value, f.validFrom, f.validTo])).toEqual(
      (await memory.factHistory({ userId: 'alice', subject: 'alice', key: 'city' })).map((f) => [f.value, f.validFrom, f.validTo]),
    );
    expect(await copy.getSession('s1')).toEqual(await memory.getSession('s1'));
    expect((await copy.validate({ userId: 'alice', subject: 'alice', key: 'weeklyKm' }, 500)).valid).toBe(false);
    // Indexes rebuilt: search finds restored memories by keyword and vector; the checkpoints mean nothing is redone.
    const hits = await copy.search('Thai green curry', { userId: 'alice' });
    expect(hits.results.map((h) => h.memory.id)).toEqual(
      (await memory.search('Thai green curry', { userId: 'alice' })).results.map((h) => h.memory.id),
    );
    expect((await copy.consolidateAllTenants()).sessions).toBe(0);
    expect((await copy.getContext('s1')).items.some((item) => item.kind === 'summary')).toBe(true);
  });

  it('refuses a damaged archive (flipped byte, dropped line, bad record) with ARCHIVE_INVALID and writes nothing', async () => {
    const memory = await open(dir());
    await populate(memory);
    const archive = join(dir(), 'archive');
    await backup(await archiveStoresOf(memory), archive);
    const target = await open(dir());
    const stores = await archiveStoresOf(target);
    const manifestPath = join(archive, 'manifest.json');
    const pristineManifest = readFileSync(manifestPath, 'utf8');
    const file = (name: string) => join(archive, name);
    const pristine = { memories: readFileSync(file('memories.jsonl')), messages: readFileSync(file('messages.jsonl')) };
    const reset = () => {
      writeFileSync(manifestPath, pristineManifest);
      writeFileSync(file('memories.jsonl'), pristine.memories);
      writeFileSync(file('messages.jsonl'), pristine.messages);
    };

    // A flipped byte.
    const flipped = Buffer.from(pristine.memories);
    flipped[Math.floor(flipped.length / 2)] = (flipped[Math.floor(flipped.length / 2)] as number) ^ 0x01;
    writeFileSync(file('memories.jsonl'), flipped);
    const damaged = await expectStrataError(restore(stores, archive), 'ARCHIVE_INVALID');
    expect(damaged.message).toContain('SHA-256');
    expect(await stores.archive.isEmpty()).toBe(true);
    reset();

    // A dropped line (checksum mismatch), then the same with the manifest's checksum "fixed" (count mismatch).
    const dropped = `${pristine.messages.toString('utf8').split('\n').slice(1).join('\n')}`;
    writeFileSync(file('messages.jsonl'), dropped);
    await expectStrataError(restore(stores, archive), 'ARCHIVE_INVALID');
    const manifest = JSON.parse(pristineManifest);
    manifest.tables.messages.sha256 = sha(dropped);
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const counted = await expectStrataError(restore(stores, archive), 'ARCHIVE_INVALID');
    expect(counted.message).toContain('records, the manifest says 5');
    reset();

    // A record of the wrong shape, with checksum and count consistent.
    const edited = pristine.messages.toString('utf8').replace('"role":"user"', '"role":"robot"');
    writeFileSync(file('messages.jsonl'), edited);
    manifest.tables.messages.sha256 = sha(edited);
    writeFileSync(manifestPath, JSON.stringify(manifest));
    const shape = await expectStrataError(restore(stores, archive), 'ARCHIVE_INVALID');
    expect(shape.details).toMatchObject({ table: 'messages', line: 1 });
    reset();

    // Truncated manifest.
    writeFileSync(manifestPath, pristineManifest.slice(0, 40));
    await expectStrataError(restore(stores, archive), 'ARCHIVE_INVALID');
    reset();

    expect(await stores.archive.isEmpty()).toBe(true);
    expect(readArchive(archive).records.messages).toHaveLength(5);
    // Intact again: it restores.
    await restore(stores, archive);
    expect(await stores.archive.isEmpty()).toBe(false);
  });

  it('refuses to restore into a store that holds records, and to back up into a non-empty directory', async () => {
    const memory = await open(dir());
    await populate(memory);
    const archive = join(dir(), 'archive');
    const stores = await archiveStoresOf(memory);
    await backup(stores, archive);
    await expectStrataError(restore(stores, archive), 'ARCHIVE_CONFLICT');
    await expectStrataError(backup(stores, archive), 'ARCHIVE_CONFLICT');
  });
});
