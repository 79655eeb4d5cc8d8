import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { runCli } from '../helpers/cli.js';
import { expectStrataError, tempDir } from '../helpers/memory.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const DAY = 86_400_000;
const NOW = Date.now();

async function setup(): Promise<{ dir: string; memory: MemoryService }> {
  const { dir, cleanup } = tempDir();
  cleanups.push(cleanup);
  const memory = await createMemory({ path: join(dir, 'strata.db') });
  cleanups.push(() => memory.close());
  await memory.createSession({ id: 'old', userId: 'alice', createdAt: NOW - 100 * DAY });
  await memory.addMessages('old', [
    { role: 'user', content: 'I am planning a trip to Lisbon in May with two friends.', createdAt: NOW - 100 * DAY },
    { role: 'assistant', content: 'Lisbon is lovely in spring.', createdAt: NOW - 100 * DAY + 60_000 },
  ]);
  await memory.consolidate();
  await memory.addMessages('old', [{ role: 'user', content: 'We booked the flights today.', createdAt: NOW - DAY }]);
  await memory.createSession({ id: 'pending', userId: 'bob', createdAt: NOW - 90 * DAY });
  await memory.addMessages('pending', [{ role: 'user', content: 'My budget is 500 euros.', createdAt: NOW - 90 * DAY }]);
  return { dir, memory };
}

const contents = async (memory: MemoryService, sessionId: string) => (await memory.listMessages(sessionId)).map((m) => m.content);

describe('strata prune', () => {
  it('--dry-run reports the consolidated turns older than --keep-days and removes nothing; without it they go', async () => {
    const { dir, memory } = await setup();
    const before = await memory.countMemories({ kinds: ['turn'] });
    const dry = await runCli(['--data', dir, 'prune', '--keep-days', '30', '--dry-run', '--json']);
    const [report] = JSON.parse(dry.stdout);
    expect(report).toMatchObject({ dryRun: true, turns: { messages: 2, heldBack: 1 } });
    expect(await contents(memory, 'old')).toHaveLength(3);
    expect(await memory.countMemories({ kinds: ['turn'] })).toBe(before);

    const real = await runCli(['--data', dir, 'prune', '--keep-days', '30', '--json']);
    expect(JSON.parse(real.stdout)[0]).toMatchObject({ dryRun: false, turns: { messages: 2, turnMemories: 2, heldBack: 1 } });
    const reader = await createMemory({ path: join(dir, 'strata.db') });
    cleanups.push(() => reader.close());
    expect(await contents(reader, 'old')).toEqual(['We booked the flights today.']);
    // Not consolidated yet: kept, whatever its age.
    expect(await contents(reader, 'pending')).toEqual(['My budget is 500 euros.']);
    expect(await reader.countMemories({ kinds: ['turn'] })).toBe(before - 2);
    // What consolidation took in stays: the summary and the note.
    expect((await reader.getSession('old')).summary).toContain('Lisbon');
    expect((await reader.search('Lisbon trip', { userId: 'alice', kinds: ['note'] })).results).toHaveLength(1);
  });

  it('--archive writes the old messages to a JSONL file in the backfill format before removing them; backfill brings them back', async () => {
    const { dir, memory } = await setup();
    const archive = join(dir, 'archive.jsonl');
    const real = await runCli(['--data', dir, 'prune', '--keep-days', '30', '--archive', archive, '--json']);
    expect(JSON.parse(real.stdout)[0]).toMatchObject({ turns: { messages: 2 } });
    const lines = readFileSync(archive, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.map((line) => line.content)).toEqual([
      'I am planning a trip to Lisbon in May with two friends.',
      'Lisbon is lovely in spring.',
    ]);
    expect(lines[0]).toMatchObject({ sessionId: 'old', userId: 'alice', role: 'user', at: new Date(NOW - 100 * DAY).toISOString() });
    expect(await contents(memory, 'old')).toEqual(['We booked the flights today.']);
    // The archive imports again (into another data directory here), and twice stores nothing twice.
    const { dir: other, cleanup } = tempDir();
    cleanups.push(cleanup);
    for (let i = 0; i < 2; i++) expect((await runCli(['--data', other, 'backfill', '--from', archive])).code).toBe(0);
    const restored = await createMemory({ path: join(other, 'strata.db') });
    cleanups.push(() => restored.close());
    expect(await contents(restored, 'old')).toEqual(lines.map((line) => line.content));
  });

  it('--archive that cannot be written removes nothing', async () => {
    const { dir, memory } = await setup();
    await expectStrataError(
      runCli(['--data', dir, 'prune', '--keep-days', '30', '--archive', join(dir, 'missing', 'archive.jsonl')]),
      'INVALID_INPUT',
    );
    expect(await contents(memory, 'old')).toHaveLength(3);
  });

  it("--max-memories keeps each user's most important and recent memories", async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const memory = await createMemory({ path: join(dir, 'strata.db') });
    cleanups.push(() => memory.close());
    const ids: Array<{ id: string; importance: number }> = [];
    for (let i = 0; i < 8; i++) {
      const importance = [0.1, 0.9, 0.3, 0.8, 0.2, 0.7, 0.4, 0.6][i] as number;
      const { memory: note } = await memory.remember({ userId: 'alice', text: `note number ${i} about topic ${i * 7}`, importance });
      ids.push({ id: note.id, importance });
    }
    await memory.remember({ userId: 'carol', text: 'carol keeps hers', importance: 0.1 });
    const dry = JSON.parse((await runCli(['--data', dir, 'prune', '--max-memories', '3', '--dry-run', '--json'])).stdout)[0];
    expect(dry.memories.removed).toBe(5);
    expect(await memory.countMemories({ userId: 'alice' })).toBe(8);
    await runCli(['--data', dir, 'prune', '--max-memories', '3']);
    const kept = (await memory.listMemories({ userId: 'alice' })).map((m) => m.id).sort();
    expect(kept).toEqual(
      ids
        .filter((n) => n.importance >= 0.7)
        .map((n) => n.id)
        .sort(),
    );
    expect(dry.memories.sample.sort()).toEqual(
      ids
        .filter((n) => n.importance < 0.7)
        .map((n) => n.id)
        .sort(),
    );
    expect(await memory.countMemories({ userId: 'carol' })).toBe(1);
  });

  it('takes per-tenant policies from a file; a bad policy is refused', async () => {
    const { dir, memory } = await setup();
    const policy = join(dir, 'retention.json');
    writeFileSync(policy, JSON.stringify({ defaults: {}, tenants: { default: { keepTurnsDays: 30 }, acme: { maxMemoriesPerUser: 10 } } }));
    const run = await runCli(['--data', dir, 'prune', '--policy', policy, '--all-tenants', '--dry-run', '--json']);
    const reports = JSON.parse(run.stdout) as Array<{ tenantId: string; policy: unknown; turns: { messages: number } }>;
    expect(reports.map((r) => [r.tenantId, r.policy, r.turns.messages])).toEqual([
      ['default', { keepTurnsDays: 30 }, 2],
      ['acme', { maxMemoriesPerUser: 10 }, 0],
    ]);
    writeFileSync(policy, JSON.stringify({ defaults: { keepTurnsDays: -3 } }));
    await expect(runCli(['--data', dir, 'prune', '--policy', policy])).rejects.toThrow('keepTurnsDays must be a positive integer');
    expect(await contents(memory, 'old')).toHaveLength(3);
  });
});
