/**
 * A set of bigints stored as sorted, disjoint, non-adjacent closed intervals [lo, hi].
 *
 * Pools can be an IPv6 /64, so nothing here may cost in proportion to the number of addresses:
 * every operation is a binary search plus work proportional to the intervals it touches.
 * Intervals live in leaves of bounded length (a flat two-level B-tree): an insert moves at most
 * MAX_LEAF entries instead of all of them, which keeps a set of a million fragments fast.
 *
 * Bounds are kept relative to an origin (a pool's network address). While every bound lies
 * less than 2^53 past the origin - every IPv4 pool, and an IPv6 pool as long as its addresses
 * are handed out from its start - they are numbers in Float64Arrays: 8 bytes each, no heap
 * object per bound, arithmetic without allocation. The first bound outside that window turns
 * the set, once, into bigints relative to the origin (wide), which holds any value.
 */

const MAX_LEAF = 256;
const MIN_LEAF = 32;
/** One change adds at most two intervals to a leaf before it is split. */
const LEAF_CAPACITY = MAX_LEAF + 2;
/**
 * Room a leaf starts with; it doubles up to LEAF_CAPACITY as it fills. Most sets (a pool's
 * gateway and exclusions, a small pool's holdings) have a handful of intervals, and a space may
 * have thousands of pools: a full-size leaf would cost 4 KiB and a typed-array allocation each.
 */
const INITIAL_CAPACITY = 4;
/** The exact window of a set of numbers: offsets 0 ..= 2^53 - 1 from the origin. */
const MAX_OFFSET = Number.MAX_SAFE_INTEGER;
const MAX_OFFSET_BIG = BigInt(MAX_OFFSET);

/** A bound relative to the origin: a number while the set is narrow, a bigint once it is wide. */
type Offset = number | bigint;

/**
 * Bounds of `n` intervals in fixed-size arrays: Float64Arrays while the set is narrow, arrays
 * of bigints once it is wide. Both are typed as Offset[]: only indexing, `copyWithin` and
 * `slice` are used, which behave the same on both.
 */
interface Leaf {
  lo: Offset[];
  hi: Offset[];
  n: number;
}

function newLeaf(wide: boolean, capacity = INITIAL_CAPACITY): Leaf {
  return { lo: newBounds(wide, capacity), hi: newBounds(wide, capacity), n: 0 };
}

function newBounds(wide: boolean, capacity: number): Offset[] {
  return wide ? new Array<Offset>(capacity).fill(0n) : (new Float64Array(capacity) as unknown as Offset[]);
}

/** Makes room for `size` intervals in `ch`, keeping its first `ch.n`. */
function reserveRoom(ch: Leaf, size: number, wide: boolean): void {
  const capacity = ch.lo.length;
  if (size <= capacity) return;
  const grown = Math.min(LEAF_CAPACITY, Math.max(size, capacity * 2));
  const lo = newBounds(wide, grown);
  const hi = newBounds(wide, grown);
  for (let i = 0; i < ch.n; i++) {
    lo[i] = ch.lo[i]!;
    hi[i] = ch.hi[i]!;
  }
  ch.lo = lo;
  ch.hi = hi;
}

/** Position of an interval: leaf index and offset; offset may equal the leaf length (end). */
interface Position {
  c: number;
  i: number;
}

export interface Interval {
  readonly lo: bigint;
  readonly hi: bigint;
}

function plusOne(v: Offset): Offset {
  return typeof v === 'number' ? v + 1 : v + 1n;
}

function minusOne(v: Offset): Offset {
  return typeof v === 'number' ? v - 1 : v - 1n;
}

/** Number of values of [lo, hi], both of the set's kind; 0 when hi < lo. */
function width(lo: Offset, hi: Offset): Offset {
  if (typeof lo === 'number') return hi < lo ? 0 : (hi as number) - lo + 1;
  return hi < lo ? 0n : (hi as bigint) - lo + 1n;
}

function sum(a: Offset, b: Offset): Offset {
  return typeof a === 'number' ? a + (b as number) : a + (b as bigint);
}

function difference(a: Offset, b: Offset): Offset {
  return typeof a === 'number' ? a - (b as number) : a - (b as bigint);
}

export class IntervalSet {
  /** Never empty; holds one empty leaf when the set is empty. */
  private leaves: Leaf[] = [newLeaf(false)];
  /**
   * `maxHi[c]` is the `hi` of the last interval of leaf c; -Infinity, below every number and
   * bigint, for the single empty leaf of an empty set.
   */
  private maxHi: Offset[] = [-Infinity];
  private fragmentCount = 0;
  private total: Offset = 0;
  /** Bounds are stored as `value - origin`; fixed by the constructor or by the first add. */
  private origin: bigint | undefined;
  private wide = false;
  /** What the last `scan` found: intervals passed, first lo, last hi, values inside the range. */
  private scanned = 0;
  private scanFirstLo: Offset = 0;
  private scanLastHi: Offset = 0;
  private scanCovered: Offset = 0;

  /** `origin`: where the values start (e.g. a pool's network address); the first value added if omitted. */
  constructor(origin?: bigint) {
    this.origin = origin;
  }

  /** Number of values in the set. */
  get size(): bigint {
    return BigInt(this.total);
  }

  /** Number of disjoint intervals. */
  get fragments(): number {
    return this.fragmentCount;
  }

  clone(): IntervalSet {
    const copy = new IntervalSet(this.origin);
    copy.leaves = this.leaves.map((ch) => ({ lo: ch.lo.slice(), hi: ch.hi.slice(), n: ch.n }));
    copy.maxHi = this.maxHi.slice();
    copy.fragmentCount = this.fragmentCount;
    copy.total = this.total;
    copy.wide = this.wide;
    return copy;
  }

  has(x: bigint): boolean {
    const o = this.offsetOf(x);
    const p = this.find(o);
    const ch = this.leaves[p.c]!;
    return p.i < ch.n && ch.lo[p.i]! <= o;
  }

  /** The interval that contains x, if any. */
  intervalContaining(x: bigint): Interval | undefined {
    const o = this.offsetOf(x);
    const p = this.find(o);
    const ch = this.leaves[p.c]!;
    if (p.i < ch.n && ch.lo[p.i]! <= o) return { lo: this.valueOf(ch.lo[p.i]!), hi: this.valueOf(ch.hi[p.i]!) };
    return undefined;
  }

  /** The first interval that ends at or after x (it may start after x), if any. */
  intervalAtOrAfter(x: bigint): Interval | undefined {
    const p = this.find(this.offsetOf(x));
    const ch = this.leaves[p.c]!;
    return p.i < ch.n ? { lo: this.valueOf(ch.lo[p.i]!), hi: this.valueOf(ch.hi[p.i]!) } : undefined;
  }

  /** The smallest value >= x that is not in the set. */
  firstAbsentAtOrAfter(x: bigint): bigint {
    const o = this.offsetOf(x);
    const p = this.find(o);
    const ch = this.leaves[p.c]!;
    // Intervals never touch, so the value after an interval is always absent.
    if (p.i < ch.n && ch.lo[p.i]! <= o) return this.valueOf(ch.hi[p.i]!) + 1n;
    return x;
  }

  /** Adds every value of [lo, hi]. */
  add(lo: bigint, hi: bigint = lo): void {
    if (hi < lo) throw new RangeError(`IntervalSet.add: empty interval [${lo}, ${hi}]`);
    this.origin ??= lo;
    if (!this.wide && (lo < this.origin || hi - this.origin > MAX_OFFSET_BIG)) this.widen();
    this.addOffsets(this.offsetOf(lo), this.offsetOf(hi));
  }

  /**
   * Adds the value `o` past the origin. The allocator's own calls: an offset is a number, so a
   * narrow set adds it without a bigint. `o` must be an integer >= 0.
   */
  addOffset(o: number): void {
    if (this.wide || o > MAX_OFFSET || this.origin === undefined) this.add(this.valueOfNumber(o));
    else this.addOffsets(o, o);
  }

  /** Removes the value `o` past the origin (an integer >= 0). */
  deleteOffset(o: number): void {
    if (this.wide || o > MAX_OFFSET || this.origin === undefined) this.delete(this.valueOfNumber(o));
    else this.deleteOffsets(o, o);
  }

  /**
   * The smallest offset >= `o` not in the set, for a narrow set: at most 2^53, the one past
   * the window of numbers. NaN when the set is wide (ask `firstAbsentAtOrAfter`).
   */
  firstAbsentAtOrAfterOffset(o: number): number {
    if (this.wide) return NaN;
    const p = this.find(o);
    const ch = this.leaves[p.c]!;
    // Intervals never touch, so the value after an interval is always absent.
    if (p.i < ch.n && (ch.lo[p.i] as number) <= o) return (ch.hi[p.i] as number) + 1;
    return o;
  }

  /** Where offsets count from: the constructor's origin, or the first value added. */
  get originValue(): bigint | undefined {
    return this.origin;
  }

  private addOffsets(l: Offset, h: Offset): void {
    // Intervals that overlap [l, h] or touch it merge into one.
    const start = this.find(minusOne(l));
    this.scan(start, plusOne(h), l, h);
    const newLo = this.scanned > 0 && this.scanFirstLo < l ? this.scanFirstLo : l;
    const newHi = this.scanned > 0 && this.scanLastHi > h ? this.scanLastHi : h;
    this.total = difference(sum(this.total, width(l, h)), this.scanCovered);
    this.replace(start, this.scanned, 1, newLo, newHi);
  }

  /** Removes every value of [lo, hi]. */
  delete(lo: bigint, hi: bigint = lo): void {
    if (hi < lo) throw new RangeError(`IntervalSet.delete: empty interval [${lo}, ${hi}]`);
    this.deleteOffsets(this.offsetOf(lo), this.offsetOf(hi));
  }

  private deleteOffsets(l: Offset, h: Offset): void {
    const start = this.find(l);
    this.scan(start, h, l, h);
    const count = this.scanned;
    if (count === 0) return;
    const firstLo = this.scanFirstLo;
    const lastHi = this.scanLastHi;
    this.total = difference(this.total, this.scanCovered);
    // Only bounds already stored and their neighbours inside them are written back, so a
    // narrow set stays narrow whatever [lo, hi] is.
    const left = firstLo < l;
    const right = lastHi > h;
    if (left && right) this.replace(start, count, 2, firstLo, minusOne(l), plusOne(h), lastHi);
    else if (left) this.replace(start, count, 1, firstLo, minusOne(l));
    else if (right) this.replace(start, count, 1, plusOne(h), lastHi);
    else this.replace(start, count, 0);
  }

  *intervals(): IterableIterator<Interval> {
    for (const ch of this.leaves) {
      for (let i = 0; i < ch.n; i++) yield { lo: this.valueOf(ch.lo[i]!), hi: this.valueOf(ch.hi[i]!) };
    }
  }

  /**
   * `x` as a stored bound. A narrow set answers queries about values outside its window with
   * +-Infinity, which compare correctly against every stored number.
   */
  private offsetOf(x: bigint): Offset {
    const d = x - (this.origin ?? x);
    if (this.wide) return d;
    if (d < 0n) return d < -MAX_OFFSET_BIG ? -Infinity : Number(d);
    return d > MAX_OFFSET_BIG ? Infinity : Number(d);
  }

  private valueOf(o: Offset): bigint {
    return this.origin! + (typeof o === 'number' ? BigInt(o) : o);
  }

  private valueOfNumber(o: number): bigint {
    if (this.origin === undefined) throw new RangeError('IntervalSet: an offset needs an origin');
    return this.origin + BigInt(o);
  }

  /** From now on bounds are bigints: the set holds a value outside the window of numbers. */
  private widen(): void {
    this.leaves = this.leaves.map((ch) => {
      const wide = newLeaf(true, ch.lo.length);
      for (let i = 0; i < ch.n; i++) {
        wide.lo[i] = BigInt(ch.lo[i]!);
        wide.hi[i] = BigInt(ch.hi[i]!);
      }
      wide.n = ch.n;
      return wide;
    });
    this.maxHi = this.maxHi.map((v) => (v === -Infinity ? v : BigInt(v)));
    this.total = BigInt(this.total);
    this.wide = true;
  }

  /**
   * Walks the intervals from `start` whose lo is <= `limit` (they may span leaves) and records
   * how many there are, the first lo, the last hi and how many of their values lie in [lo, hi].
   */
  private scan(start: Position, limit: Offset, lo: Offset, hi: Offset): void {
    let count = 0;
    let covered: Offset = this.wide ? 0n : 0;
    for (let c = start.c, i = start.i; ; i++) {
      let ch = this.leaves[c]!;
      if (i >= ch.n) {
        if (c + 1 >= this.leaves.length) break;
        ch = this.leaves[++c]!;
        i = 0;
      }
      const l = ch.lo[i]!;
      if (l > limit) break;
      const h = ch.hi[i]!;
      if (count === 0) this.scanFirstLo = l;
      this.scanLastHi = h;
      covered = sum(covered, width(l > lo ? l : lo, h < hi ? h : hi));
      count++;
    }
    this.scanned = count;
    this.scanCovered = covered;
  }

  /** Position of the first interval whose hi >= x, or the end of the last leaf. */
  private find(x: Offset): Position {
    const maxHi = this.maxHi;
    let a = 0;
    let b = maxHi.length - 1;
    if (maxHi[b]! < x) return { c: b, i: this.leaves[b]!.n };
    while (a < b) {
      const m = (a + b) >>> 1;
      if (maxHi[m]! >= x) b = m;
      else a = m + 1;
    }
    const his = this.leaves[a]!.hi;
    let lo = 0;
    let hi = this.leaves[a]!.n - 1;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (his[m]! >= x) hi = m;
      else lo = m + 1;
    }
    return { c: a, i: lo };
  }

  /**
   * Removes `count` intervals starting at `at` (they may span leaves) and inserts `inserted`
   * (0 to 2) intervals [lo1, hi1], [lo2, hi2] in their place, then restores the leaf size
   * bounds. Bounds are arguments, not an array: this runs once per allocation.
   */
  private replace(at: Position, count: number, inserted: number, lo1: Offset = 0, hi1: Offset = 0, lo2: Offset = 0, hi2: Offset = 0): void {
    const ch = this.leaves[at.c]!;
    const here = Math.min(count, ch.n - at.i);
    if (inserted > here) reserveRoom(ch, ch.n + inserted - here, this.wide);
    if (inserted !== here) {
      ch.lo.copyWithin(at.i + inserted, at.i + here, ch.n);
      ch.hi.copyWithin(at.i + inserted, at.i + here, ch.n);
    }
    if (inserted > 0) {
      ch.lo[at.i] = lo1;
      ch.hi[at.i] = hi1;
      if (inserted > 1) {
        ch.lo[at.i + 1] = lo2;
        ch.hi[at.i + 1] = hi2;
      }
    }
    ch.n += inserted - here;
    let rest = count - here;
    if (rest > 0) {
      // Whole leaves first, in one splice, then the head of the leaf where the run ends.
      let whole = 0;
      for (let c = at.c + 1; c < this.leaves.length && this.leaves[c]!.n <= rest; c++) {
        rest -= this.leaves[c]!.n;
        whole++;
      }
      this.leaves.splice(at.c + 1, whole);
      this.maxHi.splice(at.c + 1, whole);
      if (rest > 0) {
        const next = this.leaves[at.c + 1]!;
        next.lo.copyWithin(0, rest, next.n);
        next.hi.copyWithin(0, rest, next.n);
        next.n -= rest;
      }
    }
    this.fragmentCount += inserted - count;
    this.rebalance(at.c, at.i);
  }

  /** Copies `count` intervals from leaf `from` at `i` to leaf `to` at `j`. */
  private static move(from: Leaf, i: number, to: Leaf, j: number, count: number): void {
    for (let k = 0; k < count; k++) {
      to.lo[j + k] = from.lo[i + k]!;
      to.hi[j + k] = from.hi[i + k]!;
    }
  }

  /** `changed`: where leaf c was written, which tells an append from an insert. */
  private rebalance(c: number, changed: number): void {
    const leaves = this.leaves;
    const ch = leaves[c]!;
    const n = ch.n;
    if (n > MAX_LEAF) {
      // Appending (addresses handed out in order) leaves the lower part full, not half empty.
      const keep = changed >= n - 2 ? n - MIN_LEAF : n >>> 1;
      const upper = newLeaf(this.wide, n - keep);
      IntervalSet.move(ch, keep, upper, 0, n - keep);
      upper.n = n - keep;
      ch.n = keep;
      leaves.splice(c + 1, 0, upper);
      this.maxHi.splice(c + 1, 0, upper.hi[upper.n - 1]!);
      this.maxHi[c] = ch.hi[keep - 1]!;
      return;
    }
    if (n === 0 && leaves.length > 1) {
      leaves.splice(c, 1);
      this.maxHi.splice(c, 1);
      return;
    }
    if (n < MIN_LEAF && c + 1 < leaves.length && n + leaves[c + 1]!.n <= MAX_LEAF) {
      const next = leaves[c + 1]!;
      reserveRoom(ch, n + next.n, this.wide);
      IntervalSet.move(next, 0, ch, n, next.n);
      ch.n += next.n;
      leaves.splice(c + 1, 1);
      this.maxHi.splice(c + 1, 1);
    }
    this.maxHi[c] = ch.n === 0 ? -Infinity : ch.hi[ch.n - 1]!;
  }
}
