import { describe, expect, it } from 'vitest';
import { RowidMap } from '../../src/stores/sqlite/rowid-map.js';
import { seededRandom } from '../helpers/seeded-random.js';

// The keyword index (rowid -> doc) and the ANN index (label -> scope) keep their maps in a
// RowidMap; these tests hold it to a plain Map under the same random operations, dense (the
// typed-array path) and sparse (the fallback), including the switch between the two.

function entries(map: RowidMap): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  map.forEach((key, value) => {
    out.push([key, value]);
  });
  return out.sort((a, b) => a[0] - b[0]);
}

function replay(keyOf: (next: () => number, step: number) => number, seed: number): void {
  const next = seededRandom(seed);
  const map = new RowidMap();
  const model = new Map<number, number>();
  for (let step = 0; step < 20_000; step++) {
    const key = keyOf(next, step);
    const roll = next();
    if (roll < 0.6) {
      const value = Math.floor(next() * 2_000_000) - 1;
      map.set(key, value);
      model.set(key, value);
    } else if (roll < 0.85) {
      expect(map.delete(key)).toBe(model.delete(key));
    } else {
      expect(map.get(key)).toBe(model.get(key));
      expect(map.has(key)).toBe(model.has(key));
    }
    expect(map.size).toBe(model.size);
  }
  expect(entries(map)).toEqual([...model].sort((a, b) => a[0] - b[0]));
}

describe('RowidMap', () => {
  it('answers as a Map for dense rowids, appended and reused', () => {
    replay((next, step) => (next() < 0.7 ? step : Math.floor(next() * (step + 1))), 1);
  });

  it('answers as a Map once a key far beyond the entries makes it sparse', () => {
    replay((next, step) => (step === 5_000 ? 2 ** 40 : next() < 0.1 ? Math.floor(next() * 2 ** 45) : step), 2);
  });

  it('keeps keys that are not small non-negative integers (they go to the Map)', () => {
    const map = new RowidMap();
    map.set(3, 30);
    map.set(-7, 70);
    map.set(1.5, 15);
    expect([map.get(3), map.get(-7), map.get(1.5), map.get(4)]).toEqual([30, 70, 15, undefined]);
    expect(map.size).toBe(3);
    expect(entries(map)).toEqual([
      [-7, 70],
      [1.5, 15],
      [3, 30],
    ]);
  });

  it('iterates in ascending key order while dense, with ORPHAN-like negative values', () => {
    const map = new RowidMap();
    for (const key of [9, 2, 700, 0]) map.set(key, key === 2 ? -1 : key * 10);
    map.delete(9);
    const seen: Array<[number, number]> = [];
    map.forEach((key, value) => {
      seen.push([key, value]);
    });
    expect(seen).toEqual([
      [0, 0],
      [2, -1],
      [700, 7000],
    ]);
  });

  it('refuses a value it cannot hold rather than storing a wrong one', () => {
    const map = new RowidMap();
    expect(() => map.set(1, 2 ** 31)).toThrow(RangeError);
    expect(() => map.set(1, -(2 ** 31))).toThrow(RangeError);
    expect(() => map.set(1, 0.5)).toThrow(RangeError);
    expect(map.size).toBe(0);
    expect(map.get(1)).toBeUndefined();
  });
});
