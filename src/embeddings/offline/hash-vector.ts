/**
 * A deterministic pseudo-random unit vector for a token outside the vocabulary: FNV-1a of
 * the token seeds a mulberry32 stream. Two texts that share an unknown token (a name, an
 * identifier, a number) share this direction; different tokens are close to orthogonal.
 */
export function hashVector(token: string, dimensions: number, out: Float32Array = new Float32Array(dimensions)): Float32Array {
  let state = fnv1a(token);
  let sumSquares = 0;
  for (let d = 0; d < dimensions; d++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const value = ((t ^ (t >>> 14)) >>> 0) / 2147483648 - 1; // uniform in [-1, 1)
    out[d] = value;
    sumSquares += value * value;
  }
  const inverseNorm = 1 / Math.sqrt(sumSquares);
  for (let d = 0; d < dimensions; d++) out[d] = (out[d] ?? 0) * inverseNorm;
  return out;
}

/** 32-bit FNV-1a over UTF-16 code units. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
