/** Marks a free slot: no value may be this. */
const ABSENT = -2_147_483_648;
/** Keys stay in the array while the largest is below this many times the entries (plus a floor). */
const DENSITY = 4;
const FLOOR = 65_536;

/**
 * A map from SQLite rowids to int32 values (a doc number, a scope number) held in one Int32Array
 * indexed by rowid: 4 bytes a slot instead of a V8 Map's ~35 (3 words an entry, a bucket per two,
 * doubled capacity, deletes counted until a rehash). At 100k memories the keyword index's and the
 * ANN index's Maps were 3.5 MiB each and grew to 7 MiB each on the first 12k appends (a rehash that
 * held old and new tables at once); this holds 0.5 MiB each. Rowids are dense (SQLite gives max + 1),
 * but nothing forces it: a key far beyond the entries (or not a small non-negative integer) turns
 * the map into a plain Map for good, so a sparse table costs what it did before.
 */
export class RowidMap {
  private slots = new Int32Array(0);
  private sparse: Map<number, number> | null = null;
  private count = 0;

  get size(): number {
    return this.sparse ? this.sparse.size : this.count;
  }

  get(key: number): number | undefined {
    if (this.sparse) return this.sparse.get(key);
    const value = key >= 0 && key < this.slots.length ? (this.slots[key] as number) : ABSENT;
    return value === ABSENT ? undefined : value;
  }

  has(key: number): boolean {
    return this.get(key) !== undefined;
  }

  set(key: number, value: number): void {
    if ((value | 0) !== value || value === ABSENT) throw new RangeError(`RowidMap values are int32 above ${ABSENT}: ${value}`);
    if (!this.sparse && !this.fits(key)) this.toSparse();
    if (this.sparse) {
      this.sparse.set(key, value);
      return;
    }
    if (key >= this.slots.length) this.grow(key + 1);
    if (this.slots[key] === ABSENT) this.count++;
    this.slots[key] = value;
  }

  delete(key: number): boolean {
    if (this.sparse) return this.sparse.delete(key);
    if (this.get(key) === undefined) return false;
    this.slots[key] = ABSENT;
    this.count--;
    return true;
  }

  /** Every entry, in ascending key order while dense (insertion order once sparse). */
  forEach(visit: (key: number, value: number) => void): void {
    if (this.sparse) {
      for (const [key, value] of this.sparse) visit(key, value);
      return;
    }
    for (let key = 0; key < this.slots.length; key++) {
      const value = this.slots[key] as number;
      if (value !== ABSENT) visit(key, value);
    }
  }

  private fits(key: number): boolean {
    return Number.isInteger(key) && key >= 0 && key < Math.max(FLOOR, DENSITY * (this.count + 1));
  }

  /** Steps of a half, as the keyword index's doc arrays: appends in rowid order copy rarely. */
  private grow(needed: number): void {
    const next = new Int32Array(Math.max(needed, Math.ceil(this.slots.length * 1.5), 1024)).fill(ABSENT);
    next.set(this.slots);
    this.slots = next;
  }

  private toSparse(): void {
    const sparse = new Map<number, number>();
    this.forEach((key, value) => {
      sparse.set(key, value);
    });
    this.sparse = sparse;
    this.slots = new Int32Array(0);
    this.count = 0;
  }
}
