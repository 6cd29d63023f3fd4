/**
 * A set of bigints stored as sorted, disjoint, non-adjacent closed intervals [lo, hi].
 *
 * Pools can be an IPv6 /64, so nothing here may cost in proportion to the number of addresses:
 * every operation is a binary search plus work proportional to the intervals it touches.
 * Intervals live in chunks of bounded length (a flat two-level B-tree): a splice moves at most
 * MAX_CHUNK entries instead of all of them, which keeps a set of a million fragments fast.
 */

const MAX_CHUNK = 256;
const MIN_CHUNK = 32;
/** `maxHi` of the single empty chunk of an empty set: below every value. */
const NONE = -1n;

interface Chunk {
  lo: bigint[];
  hi: bigint[];
}

/** Position of an interval: chunk index and offset; offset may equal the chunk length (end). */
interface Position {
  c: number;
  i: number;
}

export interface Interval {
  readonly lo: bigint;
  readonly hi: bigint;
}

export class IntervalSet {
  /** Never empty; holds one empty chunk when the set is empty. */
  private chunks: Chunk[] = [{ lo: [], hi: [] }];
  /** `maxHi[c]` is the `hi` of the last interval of chunk c (NONE when it is empty). */
  private maxHi: bigint[] = [NONE];
  private fragmentCount = 0;
  private total = 0n;

  /** Number of values in the set. */
  get size(): bigint {
    return this.total;
  }

  /** Number of disjoint intervals. */
  get fragments(): number {
    return this.fragmentCount;
  }

  clone(): IntervalSet {
    const copy = new IntervalSet();
    copy.chunks = this.chunks.map((ch) => ({ lo: ch.lo.slice(), hi: ch.hi.slice() }));
    copy.maxHi = this.maxHi.slice();
    copy.fragmentCount = this.fragmentCount;
    copy.total = this.total;
    return copy;
  }

  has(x: bigint): boolean {
    const p = this.find(x);
    const ch = this.chunks[p.c]!;
    return p.i < ch.lo.length && ch.lo[p.i]! <= x;
  }

  /** The interval that contains x, if any. */
  intervalContaining(x: bigint): Interval | undefined {
    const p = this.find(x);
    const ch = this.chunks[p.c]!;
    if (p.i < ch.lo.length && ch.lo[p.i]! <= x) return { lo: ch.lo[p.i]!, hi: ch.hi[p.i]! };
    return undefined;
  }

  /** The first interval that ends at or after x (it may start after x), if any. */
  intervalAtOrAfter(x: bigint): Interval | undefined {
    const p = this.find(x);
    const ch = this.chunks[p.c]!;
    return p.i < ch.lo.length ? { lo: ch.lo[p.i]!, hi: ch.hi[p.i]! } : undefined;
  }

  /** The smallest value >= x that is not in the set. */
  firstAbsentAtOrAfter(x: bigint): bigint {
    const p = this.find(x);
    const ch = this.chunks[p.c]!;
    // Intervals never touch, so the value after an interval is always absent.
    if (p.i < ch.lo.length && ch.lo[p.i]! <= x) return ch.hi[p.i]! + 1n;
    return x;
  }

  /** Adds every value of [lo, hi]. */
  add(lo: bigint, hi: bigint = lo): void {
    if (hi < lo) throw new RangeError(`IntervalSet.add: empty interval [${lo}, ${hi}]`);
    // Intervals that overlap [lo, hi] or touch it merge into one.
    const start = this.find(lo - 1n);
    let newLo = lo;
    let newHi = hi;
    let count = 0;
    let removed = 0n;
    for (const p = { ...start }; ; ) {
      const ch = this.chunks[p.c]!;
      if (p.i >= ch.lo.length) {
        if (p.c + 1 >= this.chunks.length) break;
        p.c++;
        p.i = 0;
        continue;
      }
      const l = ch.lo[p.i]!;
      if (l > hi + 1n) break;
      const h = ch.hi[p.i]!;
      if (l < newLo) newLo = l;
      if (h > newHi) newHi = h;
      removed += h - l + 1n;
      count++;
      p.i++;
    }
    this.total += newHi - newLo + 1n - removed;
    this.replace(start, count, newLo, newHi);
  }

  /** Removes every value of [lo, hi]. */
  delete(lo: bigint, hi: bigint = lo): void {
    if (hi < lo) throw new RangeError(`IntervalSet.delete: empty interval [${lo}, ${hi}]`);
    const start = this.find(lo);
    let count = 0;
    let firstLo: bigint | undefined;
    let lastHi = 0n;
    let removed = 0n;
    for (const p = { ...start }; ; ) {
      const ch = this.chunks[p.c]!;
      if (p.i >= ch.lo.length) {
        if (p.c + 1 >= this.chunks.length) break;
        p.c++;
        p.i = 0;
        continue;
      }
      const l = ch.lo[p.i]!;
      if (l > hi) break;
      const h = ch.hi[p.i]!;
      if (firstLo === undefined) firstLo = l;
      lastHi = h;
      removed += (h < hi ? h : hi) - (l > lo ? l : lo) + 1n;
      count++;
      p.i++;
    }
    if (count === 0 || firstLo === undefined) return;
    this.total -= removed;
    const left = firstLo < lo;
    const right = lastHi > hi;
    if (left && right) this.replace(start, count, firstLo, lo - 1n, hi + 1n, lastHi);
    else if (left) this.replace(start, count, firstLo, lo - 1n);
    else if (right) this.replace(start, count, hi + 1n, lastHi);
    else this.replace(start, count);
  }

  *intervals(): IterableIterator<Interval> {
    for (const ch of this.chunks) {
      for (let i = 0; i < ch.lo.length; i++) yield { lo: ch.lo[i]!, hi: ch.hi[i]! };
    }
  }

  /** Position of the first interval whose hi >= x, or the end of the last chunk. */
  private find(x: bigint): Position {
    const maxHi = this.maxHi;
    let a = 0;
    let b = maxHi.length - 1;
    if (maxHi[b]! < x) return { c: b, i: this.chunks[b]!.lo.length };
    while (a < b) {
      const m = (a + b) >>> 1;
      if (maxHi[m]! >= x) b = m;
      else a = m + 1;
    }
    const his = this.chunks[a]!.hi;
    let lo = 0;
    let hi = his.length - 1;
    while (lo < hi) {
      const m = (lo + hi) >>> 1;
      if (his[m]! >= x) hi = m;
      else lo = m + 1;
    }
    return { c: a, i: lo };
  }

  /**
   * Removes `count` intervals starting at `at` (they may span chunks) and inserts the given
   * intervals (flattened lo, hi pairs) in their place, then restores the chunk size bounds.
   */
  private replace(at: Position, count: number, ...bounds: bigint[]): void {
    const inserted = bounds.length / 2;
    const ch = this.chunks[at.c]!;
    const here = Math.min(count, ch.lo.length - at.i);
    if (inserted === 0) {
      ch.lo.splice(at.i, here);
      ch.hi.splice(at.i, here);
    } else if (inserted === 1) {
      ch.lo.splice(at.i, here, bounds[0]!);
      ch.hi.splice(at.i, here, bounds[1]!);
    } else {
      ch.lo.splice(at.i, here, bounds[0]!, bounds[2]!);
      ch.hi.splice(at.i, here, bounds[1]!, bounds[3]!);
    }
    let rest = count - here;
    if (rest > 0) {
      // Whole chunks first, in one splice, then the head of the chunk where the run ends.
      let whole = 0;
      for (let c = at.c + 1; c < this.chunks.length && this.chunks[c]!.lo.length <= rest; c++) {
        rest -= this.chunks[c]!.lo.length;
        whole++;
      }
      this.chunks.splice(at.c + 1, whole);
      this.maxHi.splice(at.c + 1, whole);
      if (rest > 0) {
        const next = this.chunks[at.c + 1]!;
        next.lo.splice(0, rest);
        next.hi.splice(0, rest);
      }
    }
    this.fragmentCount += inserted - count;
    this.rebalance(at.c);
  }

  private rebalance(c: number): void {
    const chunks = this.chunks;
    const ch = chunks[c]!;
    const n = ch.lo.length;
    if (n > MAX_CHUNK) {
      const half = n >>> 1;
      const upper: Chunk = { lo: ch.lo.splice(half), hi: ch.hi.splice(half) };
      chunks.splice(c + 1, 0, upper);
      this.maxHi.splice(c + 1, 0, upper.hi[upper.hi.length - 1]!);
      this.maxHi[c] = ch.hi[half - 1]!;
      return;
    }
    if (n === 0 && chunks.length > 1) {
      chunks.splice(c, 1);
      this.maxHi.splice(c, 1);
      return;
    }
    if (n < MIN_CHUNK && c + 1 < chunks.length && n + chunks[c + 1]!.lo.length <= MAX_CHUNK) {
      const next = chunks[c + 1]!;
      ch.lo.push(...next.lo);
      ch.hi.push(...next.hi);
      chunks.splice(c + 1, 1);
      this.maxHi.splice(c + 1, 1);
    }
    this.maxHi[c] = ch.lo.length === 0 ? NONE : ch.hi[ch.hi.length - 1]!;
  }
}
