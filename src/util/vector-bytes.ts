/** A vector as float32 little-endian bytes: SQLite's BLOB, PostgreSQL's bytea, the archive's base64. */
export function vectorToBytes(vector: Float32Array): Buffer {
  return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
}

export function bytesToVector(bytes: Uint8Array): Float32Array {
  // Copy: the bytes may sit at an unaligned offset of a shared (pooled) buffer.
  const copy = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(copy.buffer).set(bytes);
  return copy;
}
