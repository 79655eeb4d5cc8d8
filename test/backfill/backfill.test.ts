import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { backfill } from '../../src/backfill/backfill.js';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/memory.js';

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const DAY = 86_400_000;
const NOW = Date.now();
const at = (daysAgo: number, minute = 0) => new Date(NOW - daysAgo * DAY + minute * 60_000).toISOString();

/** Good lines (g) and bad ones (b), with the reason each bad one must get. */
function lines(): Array<{ text: string; bad?: RegExp }> {
  const msg = (sessionId: string, userId: string, role: string, content: string, minute: number, extra: Record<string, unknown> = {}) =>
    JSON.stringify({ sessionId, userId, role, content, at: at(3, minute), ...extra });
  return [
    { text: msg('s1', 'alice', 'user', 'I am planning a trip to Lisbon in May.', 0, { clientMsgId: 'a-1' }) },
    { text: msg('s1', 'alice', 'assistant', 'Lisbon is lovely in May.', 1, { name: 'Guide' }) },
    { text: '{"sessionId": "s1", "userId": "alice", "role": "user", "content": "unterminated', bad: /not valid JSON/ },
    { text: msg('s1', 'alice', 'robot', 'beep', 2), bad: /role/ },
    { text: '' },
    { text: msg('s2', 'bob', 'user', 'My budget is 3000 euros.', 3) },
    { text: JSON.stringify({ sessionId: 's2', userId: 'bob', role: 'user', content: 'no time' }), bad: /at is required/ },
    { text: msg('s2', 'bob', 'user', '', 4), bad: /content/ },
    { text: msg('s2', 'bob', 'user', 'hello', 5, { colour: 'red' }), bad: /unknown field/ },
    { text: msg('s2', 'mallory', 'user', 'I am bob now', 6), bad: /SCOPE_CONFLICT/ },
    { text: '[1, 2, 3]', bad: /JSON object/ },
    { text: msg('s2', 'bob', 'assistant', 'Noted: three thousand euros.', 7) },
    { text: msg('s3', 'carol', 'user', 'I run ten kilometres every Sunday.', 8, { agentId: 'coach' }) },
    { text: msg('s1', 'alice', 'user', 'We fly on the 3rd of May.', 9) },
  ];
}

function writeFile(dir: string, content = lines()): string {
  const file = join(dir, 'export.jsonl');
  writeFileSync(file, `${content.map((l) => l.text).join('\n')}\n`);
  return file;
}

async function open(dir: string): Promise<MemoryService> {
  const memory = await createMemory({ path: join(dir, 'strata.db') });
  cleanups.push(() => memory.close());
  return memory;
}

async function stored(memory: MemoryService): Promise<string[]> {
  const out: string[] = [];
  for (const id of ['s1', 's2', 's3']) {
    const session = await memory.store.getSession('default', id);
    if (!session) continue;
    for (const m of await memory.listMessages(id, { limit: 1000 })) out.push(`${id}|${m.role}|${m.content}`);
  }
  return out.sort();
}

const GOOD = lines()
  .filter((l) => !l.bad && l.text !== '')
  .map((l) => {
    const v = JSON.parse(l.text) as { sessionId: string; role: string; content: string };
    return `${v.sessionId}|${v.role}|${v.content}`;
  })
  .sort();

describe('strata backfill', () => {
  it('imports the good lines, lists every bad line with its number and reason, exits 1; a rerun stores nothing twice', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const file = writeFile(dir);
    const run = await runCli(['--data', dir, 'backfill', '--from', file, '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      imported: number;
      duplicates: number;
      errors: Array<{ line: number; reason: string }>;
      complete: boolean;
    };
    expect(report.imported).toBe(GOOD.length);
    expect(report.complete).toBe(true);
    const expected = lines()
      .map((l, i) => ({ line: i + 1, bad: l.bad }))
      .filter((l) => l.bad);
    expect(report.errors.map((e) => e.line)).toEqual(expected.map((e) => e.line));
    for (const [i, error] of report.errors.entries()) expect(error.reason).toMatch(expected[i]?.bad as RegExp);

    const again = await runCli(['--data', dir, 'backfill', '--from', file, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ imported: 0, duplicates: GOOD.length });
    const memory = await open(dir);
    expect(await stored(memory)).toEqual(GOOD);
    // Given clientMsgIds are kept; missing ones are derived from the file name and line.
    const [first, second] = await memory.listMessages('s1', { limit: 10 });
    expect(first?.clientMsgId).toBe('a-1');
    expect(second?.clientMsgId).toMatch(/^bf-[0-9a-f]{32}$/);
    expect(second?.name).toBe('Guide');
    expect((await memory.getSession('s3')).agentId).toBe('coach');
    expect(first?.createdAt).toBe(Date.parse(at(3, 0)));

    const human = await runCli(['--data', dir, 'backfill', '--from', file]);
    expect(human.code).toBe(1);
    expect(human.stdout).toContain('line 3: not valid JSON');
  });

  it('--dry-run validates and counts but writes nothing: no database, no checkpoint', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const file = writeFile(dir);
    const data = join(dir, 'data');
    const run = await runCli(['--data', data, 'backfill', '--from', file, '--dry-run', '--json']);
    const report = JSON.parse(run.stdout) as { imported: number; dryRun: boolean; errors: unknown[]; checkpoint: string | null };
    expect(report).toMatchObject({ dryRun: true, imported: GOOD.length + 1, checkpoint: null });
    // The scope conflict needs the store to be found: a dry run checks each line alone.
    expect(report.errors).toHaveLength(lines().filter((l) => l.bad).length - 1);
    expect(run.code).toBe(1);
    expect(existsSync(join(data, 'strata.db'))).toBe(false);
    expect(existsSync(`${file}.strata-checkpoint`)).toBe(false);
  });

  it('--since skips older messages', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const old = JSON.stringify({ sessionId: 's9', userId: 'u', role: 'user', content: 'from last year', at: at(400) });
    const recent = JSON.stringify({ sessionId: 's9', userId: 'u', role: 'user', content: 'from this week', at: at(2) });
    const file = writeFile(dir, [{ text: old }, { text: recent }]);
    const run = await runCli(['--data', dir, 'backfill', '--from', file, '--since', '30d', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ imported: 1, skipped: 1, errors: [] });
    const memory = await open(dir);
    expect((await memory.listMessages('s9')).map((m) => m.content)).toEqual(['from this week']);
  });

  it('an interrupted import resumed with --resume stores every good line exactly once', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const file = writeFile(dir);
    const memory = await createMemory({ path: join(dir, 'strata.db') });
    const first = await backfill(memory, { file, stopAfterLines: 6, batchSize: 1 });
    await memory.close();
    expect(first).toMatchObject({ complete: false, lineDone: 6 });
    expect(JSON.parse(readFileSync(`${file}.strata-checkpoint`, 'utf8'))).toMatchObject({ lineDone: 6, imported: 3 });

    const resumed = await runCli(['--data', dir, 'backfill', '--from', file, '--resume', '--json']);
    const report = JSON.parse(resumed.stdout) as {
      resumedFrom: number;
      imported: number;
      duplicates: number;
      errors: Array<{ line: number }>;
      complete: boolean;
    };
    expect(report).toMatchObject({ resumedFrom: 6, imported: GOOD.length, duplicates: 0, complete: true });
    // Bad lines found before the interruption are still reported.
    expect(report.errors.map((e) => e.line)).toContain(3);
    expect(await stored(await open(dir))).toEqual(GOOD);
  });

  it('a crash after a write but before its checkpoint: --resume redoes the batch without storing it twice', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const file = writeFile(dir);
    const memory = await createMemory({ path: join(dir, 'strata.db') });
    let checkpoints = 0;
    await expect(
      backfill(memory, {
        file,
        batchSize: 2,
        beforeCheckpoint: () => {
          if (++checkpoints === 2) throw new Error('injected crash before the checkpoint');
        },
      }),
    ).rejects.toThrow('injected crash');
    await memory.close();
    const resumed = await runCli(['--data', dir, 'backfill', '--from', file, '--resume', '--json']);
    const report = JSON.parse(resumed.stdout) as { imported: number; duplicates: number };
    expect(report.duplicates).toBeGreaterThan(0);
    expect(report.imported + report.duplicates).toBeGreaterThanOrEqual(GOOD.length);
    expect(await stored(await open(dir))).toEqual(GOOD);
  });

  it('a backfill process killed mid-import (SIGKILL) and resumed stores every line exactly once', async () => {
    const { dir, cleanup } = tempDir();
    cleanups.push(cleanup);
    const file = join(dir, 'big.jsonl');
    const total = 3000;
    const rows = Array.from({ length: total }, (_, i) =>
      JSON.stringify({
        sessionId: `k${Math.floor(i / 500)}`,
        userId: `u${Math.floor(i / 500)}`,
        role: i % 2 ? 'assistant' : 'user',
        content: `message number ${i} of the export`,
        at: NOW - DAY + i,
      }),
    );
    writeFileSync(file, `${rows.join('\n')}\n`);
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts', 'strata-dev.ts'), '--data', dir, 'backfill', '--from', file, '--batch', '1'],
      {
        cwd: ROOT,
        env: { ...process.env, STRATA_DATA: undefined },
        stdio: 'ignore',
      },
    );
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    const checkpoint = `${file}.strata-checkpoint`;
    const deadline = Date.now() + 20_000;
    let done = 0;
    while (Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      try {
        done = (JSON.parse(readFileSync(checkpoint, 'utf8')) as { lineDone: number }).lineDone;
      } catch {
        done = 0;
      }
      if (done >= 200) break;
    }
    child.kill('SIGKILL');
    await exited;
    expect(done).toBeGreaterThanOrEqual(200);
    expect(done).toBeLessThan(total);
    const resumed = await runCli(['--data', dir, 'backfill', '--from', file, '--resume', '--json']);
    const report = JSON.parse(resumed.stdout) as {
      resumedFrom: number;
      imported: number;
      duplicates: number;
      complete: boolean;
      errors: unknown[];
    };
    expect(report.complete).toBe(true);
    expect(report.errors).toEqual([]);
    expect(report.resumedFrom).toBeGreaterThanOrEqual(done);
    // Lines written after the last checkpoint were redone, never stored twice.
    expect(report.imported).toBeLessThanOrEqual(total);
    const memory = await open(dir);
    let stored = 0;
    const seen = new Set<string>();
    for (let k = 0; k < total / 500; k++) {
      for (const m of await memory.listMessages(`k${k}`, { limit: 1000 })) {
        stored++;
        seen.add(m.content);
      }
    }
    expect(stored).toBe(total);
    expect(seen.size).toBe(total);
  }, 40_000);
});
