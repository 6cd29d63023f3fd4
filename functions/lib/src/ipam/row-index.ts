/**
 * Hash indexes from an owner name, or from an address's offset in its pool, to the row of the
 * holding table.
 *
 * With a million holdings a built-in Map costs several cache misses per lookup (bucket, entry,
 * key object) and was the slowest step of an allocation in a big pool. These tables keep each
 * slot's key (or key hash) and row side by side in one typed array (open addressing, linear
 * probing), so a lookup usually touches a single cache line, and they add no objects for the
 * garbage collector to trace.
 */

const EMPTY = -1;
const INITIAL_SLOTS = 16;

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** 32-bit FNV-1a, then mixed so the low bits used for the slot are well spread. */
function hashString(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mix(h);
}

function hashNumber(key: number): number {
  return mix((key >>> 0) ^ Math.imul((key / 4294967296) >>> 0, 0x9e3779b1));
}

/*
 * Deletion shifts the following entries of the probe run back (Knuth's algorithm R) instead of
 * leaving tombstones, so a table under constant churn never needs rebuilding; it only doubles
 * when more than half full.
 */

/** Owner name -> row. The names stay in the caller's rows and are read back through `keyOf`. */
export class OwnerIndex {
  /** Pairs (hash, row); row EMPTY marks a free slot. */
  private slots = new Int32Array(INITIAL_SLOTS * 2).fill(EMPTY);
  private mask = INITIAL_SLOTS - 1;
  private live = 0;

  constructor(private readonly keyOf: (row: number) => string) {}

  get size(): number {
    return this.live;
  }

  get(key: string): number | undefined {
    const i = this.find(key, hashString(key));
    return i === -1 ? undefined : this.slots[2 * i + 1];
  }

  /** `key` must not be present. */
  insert(key: string, row: number): void {
    if ((this.live + 1) * 2 > this.mask + 1) this.grow();
    const h = hashString(key);
    const { slots, mask } = this;
    let i = h & mask;
    while (slots[2 * i + 1] !== EMPTY) i = (i + 1) & mask;
    slots[2 * i] = h;
    slots[2 * i + 1] = row;
    this.live++;
  }

  delete(key: string): void {
    let i = this.find(key, hashString(key));
    if (i === -1) return;
    const { slots, mask } = this;
    for (let j = (i + 1) & mask; slots[2 * j + 1] !== EMPTY; j = (j + 1) & mask) {
      const home = slots[2 * j]! & mask;
      if (((i - home) & mask) < ((j - home) & mask)) {
        slots[2 * i] = slots[2 * j]!;
        slots[2 * i + 1] = slots[2 * j + 1]!;
        i = j;
      }
    }
    slots[2 * i + 1] = EMPTY;
    this.live--;
  }

  private find(key: string, h: number): number {
    const { slots, mask } = this;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const row = slots[2 * i + 1]!;
      if (row === EMPTY) return -1;
      if (slots[2 * i] === h && this.keyOf(row) === key) return i;
    }
  }

  private grow(): void {
    const old = this.slots;
    const capacity = (this.mask + 1) * 2;
    const slots = new Int32Array(capacity * 2).fill(EMPTY);
    const mask = capacity - 1;
    for (let j = 0; j < old.length; j += 2) {
      if (old[j + 1] === EMPTY) continue;
      let i = old[j]! & mask;
      while (slots[2 * i + 1] !== EMPTY) i = (i + 1) & mask;
      slots[2 * i] = old[j]!;
      slots[2 * i + 1] = old[j + 1]!;
    }
    this.slots = slots;
    this.mask = mask;
  }
}

/** Non-negative integer below 2^53 -> row. */
export class NumberIndex {
  /** Pairs (key, row); row EMPTY marks a free slot. */
  private slots = new Float64Array(INITIAL_SLOTS * 2).fill(EMPTY);
  private mask = INITIAL_SLOTS - 1;
  private live = 0;

  get size(): number {
    return this.live;
  }

  get(key: number): number | undefined {
    const i = this.find(key);
    return i === -1 ? undefined : this.slots[2 * i + 1];
  }

  /** `key` must not be present. */
  insert(key: number, row: number): void {
    if ((this.live + 1) * 2 > this.mask + 1) this.grow();
    const { slots, mask } = this;
    let i = hashNumber(key) & mask;
    while (slots[2 * i + 1] !== EMPTY) i = (i + 1) & mask;
    slots[2 * i] = key;
    slots[2 * i + 1] = row;
    this.live++;
  }

  delete(key: number): void {
    let i = this.find(key);
    if (i === -1) return;
    const { slots, mask } = this;
    for (let j = (i + 1) & mask; slots[2 * j + 1] !== EMPTY; j = (j + 1) & mask) {
      const home = hashNumber(slots[2 * j]!) & mask;
      if (((i - home) & mask) < ((j - home) & mask)) {
        slots[2 * i] = slots[2 * j]!;
        slots[2 * i + 1] = slots[2 * j + 1]!;
        i = j;
      }
    }
    slots[2 * i + 1] = EMPTY;
    this.live--;
  }

  /** Every row, in no particular order. */
  rows(): number[] {
    const out: number[] = [];
    for (let j = 1; j < this.slots.length; j += 2) if (this.slots[j] !== EMPTY) out.push(this.slots[j]!);
    return out;
  }

  private find(key: number): number {
    const { slots, mask } = this;
    for (let i = hashNumber(key) & mask; ; i = (i + 1) & mask) {
      const row = slots[2 * i + 1]!;
      if (row === EMPTY) return -1;
      if (slots[2 * i] === key) return i;
    }
  }

  private grow(): void {
    const old = this.slots;
    const capacity = (this.mask + 1) * 2;
    const slots = new Float64Array(capacity * 2).fill(EMPTY);
    const mask = capacity - 1;
    for (let j = 0; j < old.length; j += 2) {
      if (old[j + 1] === EMPTY) continue;
      let i = hashNumber(old[j]!) & mask;
      while (slots[2 * i + 1] !== EMPTY) i = (i + 1) & mask;
      slots[2 * i] = old[j]!;
      slots[2 * i + 1] = old[j + 1]!;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
