import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { MemoryService } from '../../src/core/memory-service.js';
import { expectStrataError, memoryInRam } from '../helpers/memory.js';

const T1 = Date.parse('2026-03-01T00:00:00Z');
const T2 = Date.parse('2026-03-10T00:00:00Z');
const T3 = Date.parse('2026-03-20T00:00:00Z');
const HOUR = 3_600_000;

let memory: MemoryService;
const key = { userId: 'alice', subject: 'user', key: 'budget_gbp' } as const;
const valuesAt = async (asOf: number) => (await memory.getFacts({ ...key, asOf })).map((f) => f.value);

beforeEach(async () => {
  memory = await memoryInRam();
});
afterEach(async () => {
  await memory.close();
});

describe('setFact / getFacts (bi-temporal)', () => {
  it('a new value closes the old one at its validFrom', async () => {
    const first = await memory.setFact({ ...key, value: 900, validFrom: T1, source: 's1-m5' });
    expect(first.created).toBe(true);
    expect(first.closed).toBeNull();
    expect(first.fact).toMatchObject({ subject: 'user', key: 'budget_gbp', value: 900, validFrom: T1, validTo: null, source: 's1-m5' });
    const second = await memory.setFact({ ...key, value: 1000, validFrom: T2 });
    expect(second.created).toBe(true);
    expect(second.closed).toMatchObject({ id: first.fact.id, value: 900, validFrom: T1, validTo: T2 });
    expect(second.fact).toMatchObject({ value: 1000, validFrom: T2, validTo: null });

    expect(await valuesAt(T1 - 1)).toEqual([]);
    expect(await valuesAt(T1)).toEqual([900]);
    expect(await valuesAt(T2 - 1)).toEqual([900]);
    expect(await valuesAt(T2)).toEqual([1000]);
    expect(await valuesAt(T3)).toEqual([1000]);
    expect((await memory.getFacts({ userId: 'alice' })).map((f) => f.value)).toEqual([1000]);
  });

  it('the same value twice is not a new version', async () => {
    const first = await memory.setFact({ ...key, value: 900, validFrom: T1 });
    const again = await memory.setFact({ ...key, value: 900, validFrom: T2 });
    expect(again.created).toBe(false);
    expect(again.closed).toBeNull();
    expect(again.fact.id).toBe(first.fact.id);
    expect(await memory.factHistory(key)).toHaveLength(1);
    // Objects compare by value too.
    await memory.setFact({ ...key, key: 'prefs', value: { rooms: 2, sea: true }, validFrom: T1 });
    expect((await memory.setFact({ ...key, key: 'prefs', value: { rooms: 2, sea: true }, validFrom: T2 })).created).toBe(false);
  });

  it('an out-of-order insert lands between versions and keeps the timeline consistent', async () => {
    await memory.setFact({ ...key, value: 900, validFrom: T1 });
    await memory.setFact({ ...key, value: 1100, validFrom: T3 });
    const middle = await memory.setFact({ ...key, value: 1000, validFrom: T2 });
    expect(middle.created).toBe(true);
    expect(middle.closed).toMatchObject({ value: 900, validTo: T2 });
    expect(middle.fact).toMatchObject({ value: 1000, validFrom: T2, validTo: T3 });

    const history = await memory.factHistory(key);
    expect(history.map((f) => [f.value, f.validFrom, f.validTo])).toEqual([
      [900, T1, T2],
      [1000, T2, T3],
      [1100, T3, null],
    ]);
    expect(await valuesAt(T1 + HOUR)).toEqual([900]);
    expect(await valuesAt(T2 + HOUR)).toEqual([1000]);
    expect(await valuesAt(T3 + HOUR)).toEqual([1100]);

    // Before every known version: valid until the first one starts.
    const earliest = await memory.setFact({ ...key, value: 800, validFrom: T1 - 10 * HOUR });
    expect(earliest.fact.validTo).toBe(T1);
    expect(await valuesAt(T1 - HOUR)).toEqual([800]);
    expect(await valuesAt(T1)).toEqual([900]);
    // Exactly one version is valid at any instant.
    for (const at of [T1 - 5 * HOUR, T1, T2, T2 + 1, T3, T3 + 1]) expect(await valuesAt(at)).toHaveLength(1);
  });

  it('keeps subjects, keys and users apart, and filters by them', async () => {
    await memory.setFact({ ...key, value: 900, validFrom: T1 });
    await memory.setFact({ userId: 'alice', subject: 'user', key: 'city', value: 'Girne', validFrom: T1 });
    await memory.setFact({ userId: 'alice', subject: 'flat', key: 'city', value: 'Lapta', validFrom: T1 });
    await memory.setFact({ userId: 'bob', subject: 'user', key: 'city', value: 'Oslo', validFrom: T1 });
    expect((await memory.getFacts({ userId: 'alice' })).map((f) => `${f.subject}.${f.key}=${f.value}`).sort()).toEqual([
      'flat.city=Lapta',
      'user.budget_gbp=900',
      'user.city=Girne',
    ]);
    expect((await memory.getFacts({ userId: 'alice', subject: 'user', key: 'city' })).map((f) => f.value)).toEqual(['Girne']);
    expect((await memory.getFacts({ userId: 'alice', key: 'city' })).map((f) => f.value).sort()).toEqual(['Girne', 'Lapta']);
    expect((await memory.getFacts({ userId: 'bob' })).map((f) => f.value)).toEqual(['Oslo']);
  });

  it('accepts ISO strings and Dates for validFrom and asOf', async () => {
    await memory.setFact({ ...key, value: 1, validFrom: '2026-03-01T00:00:00Z' });
    await memory.setFact({ ...key, value: 2, validFrom: new Date(T2) });
    expect((await memory.getFacts({ ...key, asOf: '2026-03-05T00:00:00Z' })).map((f) => f.value)).toEqual([1]);
    expect((await memory.getFacts({ ...key, asOf: new Date(T3) })).map((f) => f.value)).toEqual([2]);
  });

  it('rejects bad input and writes nothing', async () => {
    await expectStrataError(memory.setFact({ ...key, subject: '  ', value: 1 }), 'INVALID_INPUT');
    await expectStrataError(memory.setFact({ ...key, key: 'a\u0007b', value: 1 }), 'INVALID_INPUT');
    await expectStrataError(memory.setFact({ ...key, value: undefined as never }), 'INVALID_INPUT');
    await expectStrataError(memory.setFact({ ...key, value: 1, validFrom: 'yesterday' }), 'INVALID_INPUT');
    await expectStrataError(memory.setFact({ ...key, value: 'x'.repeat(20_000) }), 'TEXT_TOO_LONG');
    await expectStrataError(memory.setFact({ ...key, userId: 'a b', value: 1 }), 'INVALID_ID');
    await expectStrataError(memory.getFacts({ userId: 'alice', asOf: 'never' }), 'INVALID_INPUT');
    expect(await memory.factHistory(key)).toEqual([]);
  });
});

describe('fact rules and validate', () => {
  const rule = (k: string) => ({ userId: 'alice', subject: 'user', key: k });

  it('type', async () => {
    await memory.setFactRule(rule('age'), { type: 'integer' });
    expect((await memory.validate(rule('age'), 41)).valid).toBe(true);
    const bad = await memory.validate(rule('age'), 41.5);
    expect(bad).toMatchObject({ valid: false, severity: 'warning' });
    expect(bad.expected).toContain('integer');
    expect((await memory.validate(rule('age'), '41')).valid).toBe(false);
    await memory.setFactRule(rule('vegan'), { type: 'boolean' });
    expect((await memory.validate(rule('vegan'), true)).valid).toBe(true);
    expect((await memory.validate(rule('vegan'), 'yes')).valid).toBe(false);
  });

  it('range', async () => {
    await memory.setFactRule(rule('budget'), { type: 'number', min: 100, max: 5000, severity: 'error' });
    expect((await memory.validate(rule('budget'), 100)).valid).toBe(true);
    expect((await memory.validate(rule('budget'), 5000)).valid).toBe(true);
    expect(await memory.validate(rule('budget'), 99)).toMatchObject({ valid: false, severity: 'error' });
    expect(await memory.validate(rule('budget'), 5001)).toMatchObject({ valid: false, severity: 'error' });
    expect((await memory.validate(rule('budget'), '1000')).valid).toBe(false);
  });

  it('enum', async () => {
    await memory.setFactRule(rule('diet'), { enum: ['vegan', 'vegetarian', 'none'], severity: 'info' });
    expect((await memory.validate(rule('diet'), 'vegan')).valid).toBe(true);
    expect(await memory.validate(rule('diet'), 'keto')).toMatchObject({ valid: false, severity: 'info' });
  });

  it('pattern', async () => {
    await memory.setFactRule(rule('postcode'), { type: 'string', pattern: '^CF\\d{1,2} \\d[A-Z]{2}$' });
    expect((await memory.validate(rule('postcode'), 'CF10 1AA')).valid).toBe(true);
    expect((await memory.validate(rule('postcode'), 'SW1A 1AA')).valid).toBe(false);
    expect((await memory.validate(rule('postcode'), 10)).valid).toBe(false);
  });

  it('no rule: every value is valid', async () => {
    expect(await memory.validate(rule('anything'), { nested: [1, 2] })).toEqual({
      valid: true,
      severity: 'ok',
      expected: null,
      rule: null,
    });
  });

  it('a new rule replaces the old; rules are per user', async () => {
    await memory.setFactRule(rule('rooms'), { type: 'integer', max: 3 });
    await memory.setFactRule(rule('rooms'), { type: 'integer', max: 5 });
    expect((await memory.validate(rule('rooms'), 4)).valid).toBe(true);
    expect((await memory.validate({ ...rule('rooms'), userId: 'bob' }, 'many')).valid).toBe(true);
  });

  it('setFact reports the validation of the value it stored, and facts carry their rule', async () => {
    await memory.setFactRule(rule('budget'), { type: 'number', min: 100, severity: 'error' });
    const bad = await memory.setFact({ ...rule('budget'), value: 50, validFrom: T1 });
    expect(bad.created).toBe(true);
    expect(bad.validation).toMatchObject({ valid: false, severity: 'error' });
    const good = await memory.setFact({ ...rule('budget'), value: 500, validFrom: T2 });
    expect(good.validation).toMatchObject({ valid: true, severity: 'ok' });
    const [current] = await memory.getFacts({ ...rule('budget') });
    expect(current?.rule).toMatchObject({ type: 'number', min: 100 });
  });

  it('an invalid rule is rejected and not stored', async () => {
    const bad: unknown[] = [
      { type: 'date' },
      { min: 'zero' },
      { max: Number.POSITIVE_INFINITY },
      { enum: [] },
      { enum: 'vegan' },
      { pattern: '(' },
      { pattern: 42 },
      { pattern: '(a+)+$' },
      { pattern: '^(\\w+\\s?)*$' },
      { severity: 'fatal' },
      { colour: 'blue' },
      null,
      [],
      'integer',
    ];
    for (const candidate of bad) {
      await expectStrataError(memory.setFactRule(rule('x'), candidate as never), 'INVALID_INPUT');
    }
    expect((await memory.validate(rule('x'), 'anything')).rule).toBeNull();
  });
});
