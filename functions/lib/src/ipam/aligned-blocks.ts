/**
 * Finding an aligned block (a prefix of a given length) among the taken values of a pool.
 *
 * A block of size 2^k must start at a multiple of 2^k. The search jumps from one taken interval
 * to the next: a candidate start either fits (no taken value inside it) or the first taken
 * interval inside it tells where the next candidate can start (the first aligned value after its
 * end). So the cost is one binary search per taken interval passed over, never one step per
 * address or per block - an empty IPv6 /48 finds its first /64 in one step.
 */
import type { IntervalSet } from './interval-set';
import { nextFit } from './next-fit';

/** The smallest multiple of `size` (a power of two) that is >= `x`. */
export function alignUp(x: bigint, size: bigint): bigint {
  const rem = x & (size - 1n);
  return rem === 0n ? x : x - rem + size;
}

/**
 * The first start s >= `from`, s a multiple of `size`, with [s, s + size - 1] inside [lo, hi] and
 * free of `taken` - or undefined. Only starts below `before` are considered when it is given (the
 * wrapped-around half of a next-fit search).
 */
export function firstFreeAlignedBlock(
  taken: IntervalSet,
  lo: bigint,
  hi: bigint,
  size: bigint,
  from: bigint,
  before?: bigint,
): bigint | undefined {
  let candidate = alignUp(from > lo ? from : lo, size);
  for (;;) {
    const end = candidate + size - 1n;
    if (end > hi) return undefined;
    if (before !== undefined && candidate >= before) return undefined;
    const blocking = taken.intervalAtOrAfter(candidate);
    if (blocking === undefined || blocking.lo > end) return candidate;
    candidate = alignUp(blocking.hi + 1n, size);
  }
}

/**
 * Next-fit over aligned blocks: the first free block starting after `cursor` (the last value
 * handed out in the pool), wrapping around to the start of [lo, hi] once. Released blocks are
 * thus handed out again only after every never-used block of that size.
 */
export function nextFreeAlignedBlock(
  taken: IntervalSet,
  lo: bigint,
  hi: bigint,
  size: bigint,
  cursor: bigint | undefined,
): bigint | undefined {
  return nextFit(lo, hi, cursor, (from, before) =>
    firstFreeAlignedBlock(taken, lo, hi, size, from, before === undefined ? undefined : alignUp(before, size)),
  );
}
