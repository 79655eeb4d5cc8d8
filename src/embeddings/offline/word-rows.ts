/**
 * Word -> row of the word-vector table, held off the V8 heap: every word's UTF-16 code units in
 * one Uint16Array and an open-addressing hash table (linear probing) of rows in an Int32Array.
 *
 * A Map of the 100k words was 6.8 MiB of live heap in 200k objects (a string and an entry each),
 * and a long-running process's old generation grows to a multiple of its live heap before V8
 * collects it: live heap costs resident memory several times over. These typed arrays are
 * about 3 MiB outside the heap, and a lookup allocates nothing.
 */
export class WordRows {
  readonly size: number;
  /** Row r's code units are units[starts[r] ... starts[r + 1]). */
  private readonly units: Uint16Array;
  private readonly starts: Uint32Array;
  /** Row + 1 per slot; 0 is an empty slot. */
  private readonly slots: Int32Array;
  private readonly mask: number;

  private constructor(words: readonly string[]) {
    this.size = words.length;
    let total = 0;
    for (const word of words) total += word.length;
    this.units = new Uint16Array(total);
    this.starts = new Uint32Array(words.length + 1);
    let at = 0;
    for (const [row, word] of words.entries()) {
      this.starts[row] = at;
      for (let i = 0; i < word.length; i++) this.units[at++] = word.charCodeAt(i);
    }
    this.starts[words.length] = at;
    // At most half full: probes stay short.
    let capacity = 16;
    while (capacity < words.length * 2) capacity *= 2;
    this.slots = new Int32Array(capacity);
    this.mask = capacity - 1;
    for (let row = 0; row < words.length; row++) this.insert(words[row] as string, row);
  }

  /** The rows of `words` in order (as a Map built by setting each word to its index: a repeated word keeps its last row). */
  static of(words: readonly string[]): WordRows {
    return new WordRows(words);
  }

  get(word: string): number | undefined {
    const row = this.rowOf(word, 0, word.length);
    return row < 0 ? undefined : row;
  }

  has(word: string): boolean {
    return this.rowOf(word, 0, word.length) >= 0;
  }

  /**
   * The row of the word `text[start, end)`, or -1: a word inside a longer text, looked up
   * without cutting it out (the soft match scans candidate texts this way, allocating nothing).
   */
  rowOf(text: string, start: number, end: number): number {
    return (this.slots[this.find(text, start, end)] as number) - 1;
  }

  private insert(word: string, row: number): void {
    this.slots[this.find(word, 0, word.length)] = row + 1;
  }

  /** The slot holding `text[start, end)`, or the empty slot where it would go. */
  private find(text: string, start: number, end: number): number {
    let slot = hash(text, start, end) & this.mask;
    for (;;) {
      const value = this.slots[slot] as number;
      if (value === 0 || this.equals(value - 1, text, start, end)) return slot;
      slot = (slot + 1) & this.mask;
    }
  }

  private equals(row: number, text: string, start: number, end: number): boolean {
    const at = this.starts[row] as number;
    const length = end - start;
    if ((this.starts[row + 1] as number) - at !== length) return false;
    for (let i = 0; i < length; i++) if (this.units[at + i] !== text.charCodeAt(start + i)) return false;
    return true;
  }
}

/** FNV-1a over the UTF-16 code units of `text[start, end)`, 32 bits. */
function hash(text: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
