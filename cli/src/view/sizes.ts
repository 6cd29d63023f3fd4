/**
 * Address counts as people read them. An IPv6 /64 holds 18,446,744,073,709,551,616 addresses; a
 * table shows `2^64`, and a count near a power of two as `2^64 - 2`, which is exact and fits a
 * column. JSON carries numbers while they are exact in a double, decimal strings beyond.
 */

/** Counts below this are written out in full. */
const WRITTEN_OUT = 10_000_000n;
/** How far from a power of two a count may be to be written as `2^k ± d`. */
const NEAR = 1_000_000n;

export function humanCount(n: bigint): string {
  if (n < WRITTEN_OUT) return n.toString();
  const bits = n.toString(2).length;
  for (const k of [bits - 1, bits]) {
    const d = n - (1n << BigInt(k));
    if (d === 0n) return `2^${k}`;
    if (d > -NEAR && d < NEAR) return d < 0n ? `2^${k} - ${-d}` : `2^${k} + ${d}`;
  }
  // Far from every power of two: the exponent to two decimals says the order of magnitude.
  return `~2^${log2(n).toFixed(2)}`;
}

function log2(n: bigint): number {
  const bits = n.toString(2).length;
  const shift = Math.max(0, bits - 53);
  return Math.log2(Number(n >> BigInt(shift))) + shift;
}

/** A count in `--json`: a number while exact, else its decimal digits as a string. */
export function jsonCount(n: bigint): number | string {
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n.toString();
}

/** used/usable as a percentage with two decimals, rounded half up; `<0.01%` for a non-zero sliver. */
export function percent(used: bigint, usable: bigint): string {
  if (usable === 0n) return used === 0n ? '-' : 'over';
  const hundredths = (used * 20000n + usable) / (2n * usable);
  if (hundredths === 0n && used > 0n) return '<0.01%';
  return `${hundredths / 100n}.${(hundredths % 100n).toString().padStart(2, '0')}%`;
}

/** used/usable as a fraction in [0, 1] for drawing (exactness does not matter for a bar). */
export function fraction(used: bigint, usable: bigint): number {
  if (usable === 0n) return used === 0n ? 0 : 1;
  const scaled = Number((used * 1_000_000n) / usable) / 1_000_000;
  return Math.min(1, scaled);
}
