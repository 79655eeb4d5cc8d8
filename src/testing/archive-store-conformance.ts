import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backup } from '../archive/backup.js';
import { restore } from '../archive/restore.js';
import { createMemory } from '../config/create-memory.js';
import type { MemoryService } from '../core/memory-service.js';
import { StrataError } from '../errors/strata-error.js';
import type { ArchiveStoreV1 } from '../spec/archive-store.js';
import type { ConsolidationStoreV1 } from '../spec/consolidation-store.js';
import type { MemoryStoreV1 } from '../spec/memory-store.js';

export interface ArchiveStoreFixture {
  readonly store: MemoryStoreV1;
  readonly archive: ArchiveStoreV1;
  readonly consolidation: ConsolidationStoreV1;
  close(): Promise<void>;
}

export interface ArchiveConformanceOptions {
  /** A fresh, opened, empty store with its archive and consolidation sides, per call. */
  readonly create: () => Promise<ArchiveStoreFixture>;
}

/** Every archived file but the manifest's creation time. */
function contents(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir)
      .sort()
      .map((file) => [file, readFileSync(join(dir, file), 'utf8').replace(/"createdAt": "[^"]+"/, '"createdAt": "-"')]),
  );
}

/**
 * The behaviour every ArchiveStoreV1 must have, checked through backup and restore: a store
 * restored from an archive backs up to the same bytes, restore needs an empty store, and
 * importRecords is all or nothing.
 */
export function archiveStoreConformance(options: ArchiveConformanceOptions): void {
  let fixtures: ArchiveStoreFixture[];
  let dir: string;
  beforeEach(() => {
    fixtures = [];
    dir = mkdtempSync(join(tmpdir(), 'strata-archive-'));
  });
  afterEach(async () => {
    for (const fixture of fixtures) await fixture.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const open = async (): Promise<{ fx: ArchiveStoreFixture; memory: MemoryService }> => {
    const fx = await options.create();
    fixtures.push(fx);
    // The service is not closed apart: closing the fixture closes its store.
    const memory = await createMemory({ store: fx.store, consolidation: { store: fx.consolidation } });
    return { fx, memory };
  };
  const populate = async (memory: MemoryService): Promise<void> => {
    await memory.createSession({ id: 's1', userId: 'alice', agentId: 'coach', metadata: { channel: 'web' }, createdAt: 1_700_000_000_000 });
    await memory.addMessages('s1', [
      {
        role: 'user',
        content: 'I am planning to run a 10k race in Cardiff on the 12th of April.',
        clientMsgId: 'm1',
        createdAt: 1_700_000_000_000,
      },
      { role: 'assistant', name: 'Coach', content: 'Great goal. Three runs a week will get you there.', createdAt: 1_700_000_060_000 },
    ]);
    await memory.consolidate();
    await memory.remember({
      userId: 'alice',
      text: 'Alice trains on Tuesdays',
      tags: ['schedule'],
      namespace: 'fitness',
      createdAt: 1_700_000_100_000,
    });
    await memory.setFact({ userId: 'alice', subject: 'alice', key: 'city', value: 'Cardiff', validFrom: 1_600_000_000_000 });
    await memory.setFact({ userId: 'alice', subject: 'alice', key: 'city', value: 'Bristol', validFrom: 1_650_000_000_000 });
    await memory.setFactRule({ userId: 'alice', subject: 'alice', key: 'weeklyKm' }, { type: 'number', min: 0 });
    const other = memory.forTenant('acme');
    await other.createSession({ id: 's1', userId: 'bob', namespace: 'support' });
    await other.addMessages('s1', [{ role: 'user', content: 'The sorting job crashed after the deploy.' }]);
  };

  describe('ArchiveStoreV1 conformance', () => {
    it('lists tenants, every fact version and the rules', async () => {
      const { fx, memory } = await open();
      expect(await fx.archive.isEmpty()).toBe(true);
      await populate(memory);
      expect(await fx.archive.isEmpty()).toBe(false);
      expect(await fx.archive.listTenants()).toEqual(['acme', 'default']);
      const facts = await fx.archive.listAllFacts('default', { limit: 10 });
      expect(facts.map((f) => [f.value, f.validTo === null])).toEqual(
        expect.arrayContaining([
          ['Cardiff', false],
          ['Bristol', true],
        ]),
      );
      expect(await fx.archive.listAllFacts('default', { limit: 10, after: facts.at(-1)?.id })).toEqual([]);
      expect(await fx.archive.listFactRules('default')).toEqual([
        {
          tenantId: 'default',
          userId: 'alice',
          agentId: undefined,
          namespace: undefined,
          subject: 'alice',
          key: 'weeklyKm',
          rule: { type: 'number', min: 0 },
        },
      ]);
    });

    it('a restored store backs up to the same bytes', async () => {
      const source = await open();
      await populate(source.memory);
      const first = join(dir, 'first');
      await backup(source.fx, first);
      const target = await open();
      await restore(target.fx, first);
      const second = join(dir, 'second');
      await backup(target.fx, second);
      expect(contents(second)).toEqual(contents(first));
      expect((await target.memory.search('10k race Cardiff', { userId: 'alice' })).results.length).toBeGreaterThan(0);
    });

    it('importRecords is all or nothing: a record that exists raises ARCHIVE_CONFLICT and nothing is written', async () => {
      const source = await open();
      await populate(source.memory);
      const archive = join(dir, 'a');
      await backup(source.fx, archive);
      const target = await open();
      await target.memory.createSession({ id: 's1', userId: 'alice', agentId: 'coach' });
      const { readArchive } = await import('../archive/restore.js');
      const { records } = readArchive(archive);
      let caught: unknown;
      try {
        await target.fx.archive.importRecords(records);
      } catch (error) {
        caught = error;
      }
      expect(StrataError.is(caught, 'ARCHIVE_CONFLICT')).toBe(true);
      expect(await target.fx.store.countMemories({ tenantId: 'default', includeSuperseded: true })).toBe(0);
      expect(await target.fx.archive.listTenants()).toEqual(['default']);
    });
  });
}
