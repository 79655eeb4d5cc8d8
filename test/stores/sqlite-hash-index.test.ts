import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import type { MemoryFilter } from '../../src/spec/memory-store.js';
import { memoryFilterSql } from '../../src/stores/sqlite/memory-filter-sql.js';
import { SqliteStore } from '../../src/stores/sqlite/sqlite-store.js';
import { tempDir } from '../helpers/memory.js';

// memories_by_hash leaves out turns (migration 0005): a turn's random hash would dirty a page
// of its own on every append. The lookups by hash (remember's and consolidation's dedupe) must
// still use it, and a lookup among turns must still find them (without the index).
describe('SQLite memories_by_hash without turns', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  let memory: MemoryService;

  beforeEach(async () => {
    dir = tempDir();
    store = new SqliteStore({ path: join(dir.dir, 'hash.db') });
    memory = await createMemory({ store });
    await memory.createSession({ id: 's', userId: 'u' });
  });
  afterEach(async () => {
    await memory.close();
    dir.cleanup();
  });

  const plan = (filter: MemoryFilter): string => {
    const { where, params } = memoryFilterSql(filter, Date.now());
    const rows = store.internals.db
      .prepare(`EXPLAIN QUERY PLAN SELECT m.id FROM memories m WHERE ${where} LIMIT 1`)
      .all(...params) as Array<{
      detail: string;
    }>;
    return rows.map((row) => row.detail).join(' | ');
  };

  it('holds the notes and chunks but not the turns', async () => {
    await memory.addMessages('s', [
      { role: 'user', content: 'The boat trip is on Saturday.' },
      { role: 'assistant', content: 'Bring a jacket, the wind is cold.' },
      { role: 'user', content: 'I will, and sunscreen.' },
      { role: 'assistant', content: 'Good plan.' },
    ]);
    await memory.remember({ userId: 'u', text: 'Prefers window seats' });
    const db = store.internals.db;
    const kinds = db.prepare('SELECT kind, count(*) AS n FROM memories GROUP BY kind ORDER BY kind').all();
    expect(kinds).toEqual([
      { kind: 'episode', n: 1 },
      { kind: 'note', n: 1 },
      { kind: 'turn', n: 4 },
    ]);
    const entries = db.prepare("SELECT sum(ncell) AS n FROM dbstat WHERE name = 'memories_by_hash' AND pagetype = 'leaf'").get() as {
      n: number;
    };
    expect(entries.n).toBe(2);
  });

  it('is what remember’s and consolidation’s lookups by hash use; a lookup among turns still finds them', async () => {
    const scope = { tenantId: 'default', userId: 'u', agentId: '', namespace: '' };
    expect(plan({ ...scope, contentHash: 'h', kinds: ['note'] })).toContain('memories_by_hash');
    expect(plan({ ...scope, contentHash: 'h', kinds: ['summary', 'episode'] })).toContain('memories_by_hash');
    const sameNote = store.internals.db
      .prepare(
        "EXPLAIN QUERY PLAN SELECT id FROM memories WHERE tenant_id = ? AND user_id = ? AND namespace = ? AND kind = 'note' AND kind <> 'turn' AND content_hash = ? LIMIT 1",
      )
      .all('default', 'u', '', 'h') as Array<{ detail: string }>;
    expect(sameNote.map((row) => row.detail).join(' | ')).toContain('memories_by_hash');
    // remember with kind 'turn' dedupes against the turns addMessages wrote.
    const [added] = await memory.addMessages('s', [{ role: 'user', content: 'The boat trip is on Saturday.' }]);
    const again = await memory.remember({ userId: 'u', text: 'The boat trip is on Saturday.', kind: 'turn' });
    expect(again.created).toBe(false);
    expect(again.memory.id).toBe(added?.memoryId);
  });
});
