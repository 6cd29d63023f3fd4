/**
 * Who holds which address or block, per family, without an object per holding: columns indexed
 * by owner id (see owner-table.ts), and per pool a hash index from an address's (or a block's
 * first address's) offset in the pool to the owner id.
 */
import { hashNumber, RowIndex } from './row-index';

/** Offsets up to here are kept as numbers, which hash and compare without touching the heap. */
export const MAX_NUMBER_OFFSET = BigInt(Number.MAX_SAFE_INTEGER);
const TWO_32 = 4294967296;
/** `high` of an offset kept in `far`. */
const FAR = 0xffffffff;

function grown<T extends Uint8Array | Uint16Array | Uint32Array>(column: T, length: number): T {
  const copy = new (column.constructor as new (n: number) => T)(length);
  copy.set(column);
  return copy;
}

/**
 * The holdings of one family, by owner id: the owner holds the address `offset` past the
 * network address of pool `pool[id]` (0: holds nothing in this family). 6 bytes per owner while
 * offsets fit in 32 bits and there are fewer than 65,536 pools, no object per holding.
 */
export class HoldingTable {
  /** Pool reference (position + 1); widened to 32 bits past 65,535 pools. */
  pool: Uint16Array | Uint32Array = new Uint16Array(16);
  /** Low 32 bits of the offset. */
  low = new Uint32Array(16);
  /** Bits 32-52 of the offset, or FAR; only once some offset needs them. */
  high: Uint32Array | undefined;
  /** Offsets past 2^53, by owner id. */
  readonly far = new Map<number, bigint>();
  /** Prefix length of each block, in a table of blocks. */
  private lengths: Uint8Array | undefined;

  holds(id: number): boolean {
    return id >= 0 && id < this.pool.length && this.pool[id] !== 0;
  }

  private setRef(id: number, ref: number): void {
    if (id >= this.pool.length) {
      let n = this.pool.length * 2;
      while (n <= id) n *= 2;
      this.pool = grown(this.pool, n);
      this.low = grown(this.low, n);
      if (this.high) this.high = grown(this.high, n);
      if (this.lengths) this.lengths = grown(this.lengths, n);
    }
    if (ref > 0xffff && this.pool instanceof Uint16Array) this.pool = Uint32Array.from(this.pool);
    this.pool[id] = ref;
  }

  set(id: number, ref: number, offset: bigint): void {
    if (offset <= MAX_NUMBER_OFFSET) {
      this.setNumber(id, ref, Number(offset));
      return;
    }
    this.setRef(id, ref);
    this.low[id] = 0;
    this.highColumn()[id] = FAR;
    this.far.set(id, offset);
  }

  /** `set` for an offset below 2^53, without a bigint. */
  setNumber(id: number, ref: number, offset: number): void {
    this.setRef(id, ref);
    this.low[id] = offset >>> 0;
    if (offset >= TWO_32 || this.high) this.highColumn()[id] = Math.floor(offset / TWO_32);
  }

  clear(id: number): void {
    this.pool[id] = 0;
    if (this.far.size > 0) this.far.delete(id);
  }

  /** Records the prefix length of the block id holds (after `set`). */
  setLength(id: number, length: number): void {
    this.lengths ??= new Uint8Array(this.pool.length);
    this.lengths[id] = length;
  }

  length(id: number): number {
    return this.lengths?.[id] ?? 0;
  }

  /** The offset id holds as a number, NaN past 2^53. */
  offsetNumber(id: number): number {
    const high = this.high === undefined ? 0 : this.high[id]!;
    return high === FAR ? NaN : high * TWO_32 + this.low[id]!;
  }

  /** The offset id holds. */
  offsetOf(id: number): bigint {
    const o = this.offsetNumber(id);
    return Number.isNaN(o) ? this.far.get(id)! : BigInt(o);
  }

  private highColumn(): Uint32Array {
    this.high ??= new Uint32Array(this.low.length);
    return this.high;
  }
}

/** Owner id by the offset of its address in one pool, read from the family's holding table. */
export class OffsetIndex extends RowIndex<number> {
  constructor(private readonly table: HoldingTable) {
    super();
  }

  protected hashOfKey(key: number): number {
    return hashNumber(key);
  }

  protected hashOfRow(id: number): number {
    return hashNumber(this.table.offsetNumber(id));
  }

  protected rowHasKey(id: number, key: number): boolean {
    return this.table.offsetNumber(id) === key;
  }
}

/** The holders of one pool by offset: numbers in a hash index, offsets past 2^53 in a map. */
export class PoolHolders {
  private readonly near: OffsetIndex;
  private readonly far = new Map<bigint, number>();

  constructor(private readonly table: HoldingTable) {
    this.near = new OffsetIndex(table);
  }

  get size(): number {
    return this.near.size + this.far.size;
  }

  /** The owner id holding `offset`, or -1. */
  find(offset: bigint): number {
    if (offset > MAX_NUMBER_OFFSET) return this.far.get(offset) ?? -1;
    return this.findNumber(Number(offset));
  }

  /** `find` for an offset below 2^53. */
  findNumber(offset: number): number {
    return this.near.lookup(offset, hashNumber(offset));
  }

  /** Adds id, which the table already records at `offset`. */
  add(id: number, offset: bigint): void {
    if (offset <= MAX_NUMBER_OFFSET) this.addNumber(id, Number(offset));
    else this.far.set(offset, id);
  }

  /** `add` for an offset below 2^53: its hash is known here, so the index need not read it back. */
  addNumber(id: number, offset: number): void {
    this.near.insert(id, hashNumber(offset));
  }

  /** Removes id, which the table still records at `offset`. */
  delete(id: number, offset: bigint): void {
    if (offset <= MAX_NUMBER_OFFSET) this.deleteNumber(id, Number(offset));
    else this.far.delete(offset);
  }

  /** `delete` for an offset below 2^53. */
  deleteNumber(id: number, offset: number): void {
    this.near.delete(id, hashNumber(offset));
  }

  /** The holders' ids in offset order. */
  inOrder(): number[] {
    const near = this.near.rows().sort((a, b) => this.table.offsetNumber(a) - this.table.offsetNumber(b));
    // Far offsets all lie above the near ones.
    const far = [...this.far].sort(([x], [y]) => (x < y ? -1 : 1)).map(([, id]) => id);
    return near.concat(far);
  }
}
