import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemory } from '../../src/config/create-memory.js';
import type { MemoryService } from '../../src/core/memory-service.js';
import { HashedWordsEmbedder } from '../../src/embeddings/offline/hashed-words-embedder.js';
import type { ReembedReport } from '../../src/reembed/reembed-job.js';
import { reembeddableStoreOf } from '../../src/reembed/reembed-memory.js';
import { embeddingModelId } from '../../src/spec/embedding-model.js';
import { ROOT, runCli } from '../helpers/cli.js';
import { TOPICS, tempDir } from '../helpers/memory.js';

const hashed = new HashedWordsEmbedder();
const NEW_ID = embeddingModelId({ name: hashed.modelName, version: hashed.modelVersion, dims: hashed.dimensions });
const TOTAL = 3000;

let dir: string;
let cleanup: () => void;
let data: string;

const withMemory = async <T>(run: (memory: MemoryService) => Promise<T>): Promise<T> => {
  const memory = await createMemory({ path: join(data, 'strata.db'), metrics: false });
  try {
    return await run(memory);
  } finally {
    await memory.close();
  }
};

const json = async <T>(args: readonly string[]): Promise<T> => {
  const result = await runCli(['--data', data, '--json', ...args]);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
};

beforeAll(async () => {
  ({ dir, cleanup } = tempDir());
  data = join(dir, 'data');
  await runCli(['--data', data, 'reembed', '--status']);
  await withMemory(async (memory) => {
    for (let i = 0; i < TOTAL; i++) {
      await memory.remember({ userId: `user-${i % 5}`, text: `${TOPICS[i % TOPICS.length]} (entry ${i})` });
    }
  });
}, 60_000);
afterAll(() => cleanup());

describe('strata reembed (CLI, SQLite data directory)', () => {
  it('a run killed with SIGKILL resumes from its checkpoint; rollback and status work from the command line', async () => {
    // The real CLI in a child process, one memory per batch so that it is mid-run when killed.
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts', 'strata-dev.ts'), '--data', data, 'reembed', '--model', 'offline-hashed', '--batch', '1'],
      { cwd: ROOT, env: { ...process.env, STRATA_DATA: undefined }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    const killed = new Promise<NodeJS.Signals | null>((resolve) => child.on('close', (_code, signal) => resolve(signal)));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      // Killed a moment after its first progress line: mid-run, without a chance to save anything more.
      if (/reembed .* build: \d+\/3000/.test(stderr)) setTimeout(() => child.kill('SIGKILL'), 150);
    });
    expect(await killed).toBe('SIGKILL');
    expect(stderr).toMatch(/memories\/s/);

    const before = await withMemory(async (memory) => {
      const store = reembeddableStoreOf(memory);
      return {
        coverage: await store.countEmbeddings(NEW_ID),
        checkpoint: await store.getReembedCheckpoint(NEW_ID),
        state: await store.getEmbeddingState(),
      };
    });
    expect(before.coverage.memories).toBe(TOTAL);
    expect(before.coverage.embedded).toBeGreaterThan(0);
    expect(before.coverage.embedded).toBeLessThan(TOTAL);
    expect(before.checkpoint?.cursor).not.toBeNull();
    expect(before.state.active).toBeNull();

    const report = await json<ReembedReport>(['reembed', '--model', 'offline-hashed', '--batch', '200', '--settle-ms', '0']);
    expect(report.resumedFrom?.cursor).toBe(before.checkpoint?.cursor);
    expect(report.embedded).toBe(TOTAL - before.coverage.embedded);
    expect(report.switched).toBe(true);
    expect(report.verification).toMatchObject({ memories: TOTAL, embedded: TOTAL, missing: 0, failedQueries: 0 });

    const status = await json<{
      state: { active: { id: string }; previous: { id: string } };
      models: Array<{ model: string; embedded: number }>;
    }>(['reembed', '--status']);
    expect(status.state.active.id).toBe(NEW_ID);
    expect(status.models.find((m) => m.model === NEW_ID)?.embedded).toBe(TOTAL);

    // The CLI's search now embeds with the new model.
    const found = await json<{ results: Array<{ memory: { text: string; embeddingModel: string } }> }>([
      'search',
      '-u',
      'user-3',
      '--mode',
      'vector',
      'espresso machine steam wand gasket entry 1013',
    ]);
    expect(found.results[0]?.memory.text).toContain('(entry 1013)');
    expect(found.results[0]?.memory.embeddingModel).not.toBe(NEW_ID); // written with the old model; found by its new vector

    const back = await json<ReembedReport>(['reembed', '--rollback', '--settle-ms', '0']);
    expect(back).toMatchObject({ from: NEW_ID, switched: true, embedded: 0 });
    expect(back.state.previous?.id).toBe(NEW_ID);

    const verifyOnly = await json<ReembedReport>(['reembed', '--model', 'offline-hashed', '--verify-only']);
    expect(verifyOnly).toMatchObject({ switched: false, embedded: 0 });
    expect(verifyOnly.state.active?.id).toBe(back.model);

    const refused = await runCli(['--data', data, 'reembed', '--model', 'offline-hashed', '--rollback']).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'INVALID_INPUT' });
  }, 120_000);
});
