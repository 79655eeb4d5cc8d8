import { describe, expect, it } from 'vitest';
import { dot, dotAt } from '../../src/util/vector-math.js';

describe('dot', () => {
  it('is the plain in-order sum bit for bit, whatever the length', () => {
    let seed = 7;
    const next = (): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31 - 0.5;
    };
    for (const n of [0, 1, 2, 3, 4, 5, 7, 8, 9, 100, 101, 384]) {
      const a = Float32Array.from({ length: n }, next);
      const b = Float32Array.from({ length: n }, next);
      let plain = 0;
      for (let i = 0; i < n; i++) plain += (a[i] as number) * (b[i] as number);
      expect(dot(a, b), `length ${n}`).toBe(plain);
    }
  });
});

describe('dotAt', () => {
  it('is dot against the view at the offset, bit for bit', () => {
    const dims = 7;
    const rows = Float32Array.from({ length: dims * 5 }, (_, i) => Math.sin(i * 1.7));
    const query = Float32Array.from({ length: dims }, (_, i) => Math.cos(i * 0.3));
    for (let row = 0; row < 5; row++) expect(dotAt(query, rows, row * dims)).toBe(dot(query, rows.subarray(row * dims, (row + 1) * dims)));
  });
});
