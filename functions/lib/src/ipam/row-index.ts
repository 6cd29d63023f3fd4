/**
 * Hash indexes of rows (small non-negative integers) by a key kept in the caller's columns:
 * an owner id by owner name, an owner id by an address's offset in its pool.
 *
 * With a million holdings a built-in Map costs an entry object and a key object per row and
 * several cache misses per lookup. Here a slot is one 32-bit integer in a typed array (open
 * addressing, linear probing), the keys are not copied, and there is nothing for the garbage
 * collector to trace. Deletion shifts the following entries of the probe run back instead of
 * leaving tombstones, so a table under constant churn never needs rebuilding.
 */

const INITIAL_SLOTS = 16;
/**
 * Read once: inside a vm context (jest runs every test file in one) each lookup of a global such
 * as `Math` goes through the context's interceptor and costs about 100 times a local read, and
 * the hash runs once per character of every owner name.
 */
const imul = Math.imul;
export const FNV_OFFSET_BASIS = 0x811c9dc5;

export function mix(h: number): number {
  h ^= h >>> 16;
  h = imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** One character into a 32-bit FNV-1a state; strings stored in parts hash as the whole. */
export function fnvStep(h: number, code: number): number {
  return imul(h ^ code, 0x01000193);
}

export function fnvString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) h = fnvStep(h, s.charCodeAt(i));
  return h;
}

/** FNV-1a of a string's characters, mixed so the low bits used for the slot are well spread. */
export function hashString(key: string): number {
  return mix(fnvString(FNV_OFFSET_BASIS, key));
}

/** A non-negative integer below 2^53. */
export function hashNumber(key: number): number {
  return mix((key >>> 0) ^ imul((key / 4294967296) >>> 0, 0x9e3779b1));
}

/**
 * Slots hold `row + 1` (0 is empty) in their low `rowBits` bits and some hash bits above, so a
 * probe that meets another key rarely has to read that key. The table grows by half when three
 * quarters full (not by doubling at half full): with tags, a longer probe run costs a few more
 * compares within one cache line, and the slack stays below 2 slots per row.
 */
export abstract class RowIndex<K> {
  private slots = new Int32Array(INITIAL_SLOTS);
  private rowBits = 32 - Math.clz32(INITIAL_SLOTS);
  private live = 0;

  protected abstract hashOfKey(key: K): number;
  /** The hash of the key stored for `row`; the same as `hashOfKey` of that key. */
  protected abstract hashOfRow(row: number): number;
  protected abstract rowHasKey(row: number, key: K): boolean;

  get size(): number {
    return this.live;
  }

  get(key: K): number | undefined {
    const row = this.lookup(key, this.hashOfKey(key));
    return row === -1 ? undefined : row;
  }

  /** The row of `key`, whose hash is `h`, or -1. */
  lookup(key: K, h: number): number {
    const slots = this.slots;
    const n = slots.length;
    const rowMask = (1 << this.rowBits) - 1;
    const tag = (h << this.rowBits) & ~rowMask;
    for (let i = home(h, n); ; i = i + 1 === n ? 0 : i + 1) {
      const s = slots[i]!;
      if (s === 0) return -1;
      if ((s & ~rowMask) === tag && this.rowHasKey((s & rowMask) - 1, key)) return (s & rowMask) - 1;
    }
  }

  /** Adds `row`, whose key hashes to `h` and is not present yet. */
  insert(row: number, h: number = this.hashOfRow(row)): void {
    const rowBits = Math.max(this.rowBits, 32 - Math.clz32(row + 1));
    if ((this.live + 1) * 4 > this.slots.length * 3) this.rebuild(this.slots.length + (this.slots.length >>> 1), rowBits);
    else if (rowBits > this.rowBits) this.retag(rowBits);
    this.place(row, h);
    this.live++;
  }

  /** Removes `row`, whose key hashes to `h`; its key must still be readable. */
  delete(row: number, h: number = this.hashOfRow(row)): void {
    const slots = this.slots;
    const n = slots.length;
    const rowMask = (1 << this.rowBits) - 1;
    let i = home(h, n);
    for (;;) {
      const s = slots[i]!;
      if (s === 0) return;
      if ((s & rowMask) - 1 === row) break;
      i = i + 1 === n ? 0 : i + 1;
    }
    // Knuth's algorithm R: move back each later entry of the run that may sit in the hole.
    for (let j = i + 1 === n ? 0 : i + 1; slots[j] !== 0; j = j + 1 === n ? 0 : j + 1) {
      const h = home(this.hashOfRow((slots[j]! & rowMask) - 1), n);
      // Distances from the entry's home slot, along the probe order (which wraps around).
      if ((i >= h ? i - h : i - h + n) < (j >= h ? j - h : j - h + n)) {
        slots[i] = slots[j]!;
        i = j;
      }
    }
    slots[i] = 0;
    this.live--;
  }

  /** Every row, in no particular order. */
  rows(): number[] {
    const rowMask = (1 << this.rowBits) - 1;
    const out: number[] = [];
    for (const s of this.slots) if (s !== 0) out.push((s & rowMask) - 1);
    return out;
  }

  private place(row: number, h: number): void {
    const slots = this.slots;
    const n = slots.length;
    let i = home(h, n);
    while (slots[i] !== 0) i = i + 1 === n ? 0 : i + 1;
    slots[i] = ((h << this.rowBits) & ~((1 << this.rowBits) - 1)) | (row + 1);
  }

  /** Moves every row to a table of `slotCount` slots; the one step that reads every key's hash. */
  private rebuild(slotCount: number, rowBits: number): void {
    const old = this.slots;
    const oldMask = (1 << this.rowBits) - 1;
    this.slots = new Int32Array(slotCount);
    this.rowBits = rowBits;
    if (this.placeRowsInOrder((row, h) => this.place(row, h))) return;
    for (let i = 0; i < old.length; i++) {
      const s = old[i]!;
      if (s === 0) continue;
      const row = (s & oldMask) - 1;
      this.place(row, this.hashOfRow(row));
    }
  }

  /**
   * For a rebuild: places every row (with its hash) in an order cheaper to read than the slots'
   * (random) one, and returns true; false when the keys have no such order. The row being
   * inserted must not be among them yet.
   */
  protected placeRowsInOrder(_place: (row: number, h: number) => void): boolean {
    return false;
  }

  /**
   * Makes room for larger rows without moving or re-hashing any: a slot's position depends on
   * its hash and the table size only, and its tag (the hash shifted past the row bits) just
   * moves up.
   */
  private retag(rowBits: number): void {
    const slots = this.slots;
    const shift = rowBits - this.rowBits;
    const oldMask = (1 << this.rowBits) - 1;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      if (s !== 0) slots[i] = ((s & ~oldMask) << shift) | (s & oldMask);
    }
    this.rowBits = rowBits;
  }
}

/** Slot where the probe for hash `h` starts among `n`: the high bits of h scaled to n. */
function home(h: number, n: number): number {
  return Math.floor(((h >>> 0) * n) / 4294967296);
}
