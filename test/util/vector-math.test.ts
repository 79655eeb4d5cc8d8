import { describe, expect, it } from 'vitest';
import { dot } from '../../src/util/vector-math.js';

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
