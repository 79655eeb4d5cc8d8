import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ValidationResult } from '../../src/core/fact-rules.js';
import type { ContextResponse, SearchResponse, SetFactResponse } from '../../src/core/types.js';
import type { HarnessReport } from '../../src/scenarios/scenario-harness.js';
import type { FactRecord } from '../../src/spec/records.js';
import { type CliResult, ROOT, runCli, spawnCli } from '../helpers/cli.js';
import { tempDir } from '../helpers/memory.js';

const SCENARIOS = join(ROOT, 'test', 'fixtures', 'scenarios');

let dir: string;
let cleanup: () => void;
let data: string;

beforeAll(() => {
  ({ dir, cleanup } = tempDir());
  data = join(dir, 'data');
});
afterAll(() => {
  cleanup();
});

const json = async <T>(args: readonly string[]): Promise<T> => {
  const result = await runCli(['--data', data, '--json', ...args]);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout) as T;
};

describe('strata CLI (in process, --data DIR in a temp dir)', () => {
  it('add creates the session, appends, and is idempotent with --client-id', async () => {
    const first = await json<{ id: string; seq: number; created: boolean }>([
      'add',
      '-s',
      's1',
      '-u',
      'alice',
      '--name',
      'Alice',
      '--client-id',
      'c-1',
      '--at',
      '2026-03-02T09:00:00Z',
      'My',
      'dog',
      'Biscuit',
      'is',
      'a',
      'beagle',
    ]);
    expect(first).toMatchObject({ seq: 1, created: true });
    const again = await json<{ id: string; seq: number; created: boolean }>([
      'add',
      '-s',
      's1',
      '-u',
      'alice',
      '--name',
      'Alice',
      '--client-id',
      'c-1',
      'My dog Biscuit is a beagle',
    ]);
    expect(again).toMatchObject({ id: first.id, seq: 1, created: false });
    const second = await json<{ seq: number }>(['add', '-s', 's1', '-u', 'alice', '-r', 'assistant', 'Beagles', 'need', 'long', 'walks']);
    expect(second.seq).toBe(2);
    const human = await runCli(['--data', data, 'add', '-s', 's1', '-u', 'alice', 'I also keep two goldfish']);
    expect(human.stdout).toMatch(/^added msg_\S+ \(seq 3\)\n$/);
  });

  it('search --json returns results with a score breakdown, honouring --mode and -k', async () => {
    const response = await json<SearchResponse>(['search', '-u', 'alice', '-k', '2', 'beagle', 'Biscuit']);
    expect(response.results.length).toBeGreaterThan(0);
    expect(response.results.length).toBeLessThanOrEqual(2);
    expect(response.results[0]?.memory.text).toContain('Biscuit');
    expect(response.results[0]?.scores).toHaveProperty('relevance');
    const keyword = await json<SearchResponse>(['search', '-u', 'alice', '--mode', 'keyword', 'goldfish']);
    expect(keyword.results[0]?.memory.text).toBe('I also keep two goldfish');
    expect(keyword.results.every((r) => r.scores.vector === null)).toBe(true);
    const other = await json<SearchResponse>(['search', '-u', 'bob', 'beagle']);
    expect(other.results).toEqual([]);
  });

  it('context --json respects the budget and explains each item', async () => {
    const context = await json<ContextResponse>(['context', '-s', 's1', '-q', 'what breed is the dog', '-b', '400', '-d', 'rapid']);
    expect(context.tokenBudget).toBe(400);
    expect(context.depth).toBe('rapid');
    expect(context.tokens).toBeLessThanOrEqual(400);
    expect(context.items.length).toBeGreaterThan(0);
    expect(context.items.every((item) => item.why.reason.length > 0)).toBe(true);
    expect(context.text).toContain('beagle');
  });

  it('facts set / get / history / rule / check', async () => {
    const set = await json<SetFactResponse>(['facts', 'set', '-u', 'alice', '--from', '2026-03-01T00:00:00Z', 'user', 'budget', '900']);
    expect(set).toMatchObject({ created: true, fact: { value: 900 } });
    const next = await json<SetFactResponse>(['facts', 'set', '-u', 'alice', '--from', '2026-03-10T00:00:00Z', 'user', 'budget', '1000']);
    expect(next.closed).toMatchObject({ value: 900, validTo: Date.parse('2026-03-10T00:00:00Z') });
    await json(['facts', 'set', '-u', 'alice', '--from', '2026-03-01T00:00:00Z', 'user', 'city', 'Girne']);

    const now = await json<FactRecord[]>(['facts', 'get', '-u', 'alice', '--subject', 'user', '--key', 'budget']);
    expect(now.map((f) => f.value)).toEqual([1000]);
    const then = await json<FactRecord[]>(['facts', 'get', '-u', 'alice', '--as-of', '2026-03-05T00:00:00Z']);
    expect(then.map((f) => `${f.key}=${f.value}`).sort()).toEqual(['budget=900', 'city=Girne']);
    const history = await json<FactRecord[]>(['facts', 'history', '-u', 'alice', 'user', 'budget']);
    expect(history.map((f) => f.value)).toEqual([900, 1000]);

    expect(
      await json(['facts', 'rule', '-u', 'alice', 'user', 'budget', '{"type":"number","min":100,"max":5000,"severity":"error"}']),
    ).toEqual({
      ok: true,
    });
    const good = await runCli(['--data', data, '--json', 'facts', 'check', '-u', 'alice', 'user', 'budget', '1200']);
    expect(good.code).toBe(0);
    expect((JSON.parse(good.stdout) as ValidationResult).valid).toBe(true);
    const bad = await runCli(['--data', data, '--json', 'facts', 'check', '-u', 'alice', 'user', 'budget', '99999']);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout) as ValidationResult).toMatchObject({ valid: false, severity: 'error' });
    const human = await runCli(['--data', data, 'facts', 'check', '-u', 'alice', 'user', 'budget', '"lots"']);
    expect(human.stdout).toMatch(/^error: expected type number/);
  });

  it('--data is a directory holding strata.db; a file path is refused', async () => {
    expect(existsSync(join(data, 'strata.db'))).toBe(true);
    const file = join(dir, 'old-style.db');
    writeFileSync(file, '');
    await expect(runCli(['--data', file, 'search', '-u', 'alice', 'dog'])).rejects.toMatchObject({ code: 'INVALID_CONFIG' });
  });

  it('a bad rule is rejected with a typed error', async () => {
    await expect(runCli(['--data', data, 'facts', 'rule', '-u', 'alice', 'user', 'budget', '{"type":"date"}'])).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });
});

describe('strata CLI (spawned, real exit codes)', () => {
  let met: CliResult;
  let unmet: CliResult;
  let failure: CliResult;
  beforeAll(async () => {
    // Spawns cost about a second each: run them side by side.
    [met, unmet, failure] = await Promise.all([
      // Without chunk memories: a chunk would carry the needle in with its neighbours' words.
      spawnCli(['--json', 'validate', SCENARIOS, '--chunks', '0', '--min-recall', '0.3']),
      spawnCli(['--json', 'validate', SCENARIOS, '--chunks', '0', '--min-recall', '0.99']),
      spawnCli(['--data', data, '--json', 'context', '-s', 'no-such-session']),
    ]);
  }, 60_000);

  it('validate --json scores the fixture scenarios and exits 0 when --min-recall is met', () => {
    expect(met.code, met.stderr).toBe(0);
    const report = JSON.parse(met.stdout) as HarnessReport;
    expect(report.factsConsistent).toEqual({ scenarios: 2, consistent: 2 });
    expect(report.overall.questions).toBe(3);
    expect(report.abstention.questions).toBe(1);
    // The threshold's cost on the answerable side: those with a result at or above it.
    expect(report.abstention.answerable).toBe(3);
    expect(report.abstention.answerableRelevant).toBe(report.outcomes.filter((o) => !o.abstention && !o.abstained).length);
    const byId = new Map(report.outcomes.map((o) => [`${o.scenario}/${o.id}`, o]));
    expect(byId.get('fixture-pets/q1')?.recall10).toBe(1);
    expect(byId.get('fixture-pets/q2')?.recall10).toBe(1);
    // fixture-needle is built to be missed, so overall recall sits between the two thresholds.
    expect(byId.get('fixture-needle/q1')?.recall10).toBe(0);
    expect(report.overall.recall10).toBeGreaterThanOrEqual(0.3);
    expect(report.overall.recall10).toBeLessThan(0.99);
  });

  it('validate exits 1 when --min-recall is not met, with the same report', () => {
    expect(unmet.code, unmet.stderr).toBe(1);
    expect((JSON.parse(unmet.stdout) as HarnessReport).overall).toEqual((JSON.parse(met.stdout) as HarnessReport).overall);
  });

  it('a StrataError exits 2 with the error as JSON on stderr', () => {
    expect(failure.code).toBe(2);
    expect(failure.stdout).toBe('');
    expect(JSON.parse(failure.stderr)).toEqual({
      error: { code: 'SESSION_NOT_FOUND', message: expect.any(String), details: { sessionId: 'no-such-session' } },
    });
  });
});
