/**
 * Next-fit, the one allocation order of every space: addresses of a pool, aligned prefixes of a
 * pool, VLAN IDs of an index and addresses of one ledger chunk. A search resumes after the cursor
 * (the last value handed out) and wraps around to the start once, so a freed value is handed out
 * again only after every never-used one.
 *
 * What "free" means is the space's own (a binary search in an interval set, a jump between
 * aligned starts, a probe of a chunk's 64 offsets): it is passed in as `firstFree`.
 */
import type { IntervalSet } from './interval-set';

/**
 * The first free value >= `from` of the space, or undefined; when `before` is given, only values
 * below it count (the wrapped-around half of the search).
 */
export type FirstFree = (from: bigint, before: bigint | undefined) => bigint | undefined;

/**
 * The value next-fit hands out in [first, last]: the first free one after `cursor`, else (with
 * `wrap`) the first free one from `first` up to the cursor, the cursor's own value included (it
 * may have been freed). A cursor outside [first, last) - none yet, or the last value handed out
 * was `last` - starts at `first`; without `wrap` a cursor at or past `last` finds nothing.
 */
export function nextFit(first: bigint, last: bigint, cursor: bigint | undefined, firstFree: FirstFree, wrap = true): bigint | undefined {
  if (cursor !== undefined && cursor >= last && !wrap) return undefined;
  const start = cursor === undefined || cursor < first || cursor >= last ? first : cursor + 1n;
  const found = firstFree(start, undefined);
  if (found !== undefined || start === first || !wrap) return found;
  return firstFree(first, start);
}

/** `nextFit` over the values of [first, last] that `taken` does not hold. */
export function nextFitIn(taken: IntervalSet, first: bigint, last: bigint, cursor: bigint | undefined): bigint | undefined {
  return nextFit(first, last, cursor, (from, before) => {
    const v = taken.firstAbsentAtOrAfter(from);
    return v <= last && (before === undefined || v < before) ? v : undefined;
  });
}

/**
 * `nextFitIn` in offsets past the set's origin, for the allocator's window of numbers (below
 * 2^53) where a search needs no bigint: the offset found, -1 when there is none, NaN when the
 * answer lies outside the window (a cursor or free offset past 2^53 - 1, or a wide set) - then
 * `nextFitIn` decides. `cursor` -1: none yet. The order is `nextFit`'s; it is written out here
 * because this is the allocation path, where a closure per call shows in the benchmark.
 */
export function nextFitOffset(taken: IntervalSet, first: number, last: number, cursor: number): number {
  if (Number.isNaN(cursor)) return NaN;
  const start = cursor === -1 || cursor < first || cursor >= last ? first : cursor + 1;
  const v = taken.firstAbsentAtOrAfterOffset(start);
  // NaN (a wide set) or 2^53 fail this test.
  if (!(v <= Number.MAX_SAFE_INTEGER)) return NaN;
  if (v <= last) return v;
  if (start > first) {
    const w = taken.firstAbsentAtOrAfterOffset(first);
    if (w < start) return w;
  }
  return -1;
}
