import fc from 'fast-check';
import { IntervalSet } from '../../src/ipam';

function intervals(s: IntervalSet): [bigint, bigint][] {
  return [...s.intervals()].map((i) => [i.lo, i.hi]);
}

/**
 * What `has` and `firstAbsentAtOrAfter` answer at each probe, beside what the model says: one
 * comparison per run, since an expect per probe costs more than the set operations themselves.
 */
function probeAnswers(s: IntervalSet, model: Set<number>, probes: readonly number[], base = 0n): { got: unknown[]; want: unknown[] } {
  const got: unknown[] = [];
  const want: unknown[] = [];
  for (const p of probes) {
    let free = p;
    while (model.has(free)) free++;
    got.push([p, s.has(base + BigInt(p)), s.firstAbsentAtOrAfter(base + BigInt(p))]);
    want.push([p, model.has(p), base + BigInt(free)]);
  }
  return { got, want };
}

/** The intervals a plain set of numbers should be stored as. */
function expectedIntervals(model: Set<number>): [bigint, bigint][] {
  const sorted = [...model].sort((a, b) => a - b);
  const out: [bigint, bigint][] = [];
  for (const v of sorted) {
    const last = out[out.length - 1];
    if (last && last[1] === BigInt(v) - 1n) last[1] = BigInt(v);
    else out.push([BigInt(v), BigInt(v)]);
  }
  return out;
}

describe('IntervalSet', () => {
  it('merges touching and overlapping intervals', () => {
    const s = new IntervalSet();
    s.add(10n, 20n);
    s.add(22n, 30n);
    expect(intervals(s)).toEqual([[10n, 20n], [22n, 30n]]);
    s.add(21n);
    expect(intervals(s)).toEqual([[10n, 30n]]);
    s.add(5n, 40n);
    expect(intervals(s)).toEqual([[5n, 40n]]);
    expect(s.size).toBe(36n);
  });

  it('splits on delete and answers first-absent queries', () => {
    const s = new IntervalSet();
    s.add(0n, 99n);
    s.delete(50n);
    expect(intervals(s)).toEqual([[0n, 49n], [51n, 99n]]);
    expect(s.firstAbsentAtOrAfter(0n)).toBe(50n);
    expect(s.firstAbsentAtOrAfter(51n)).toBe(100n);
    expect(s.firstAbsentAtOrAfter(50n)).toBe(50n);
    expect(s.has(49n)).toBe(true);
    expect(s.has(50n)).toBe(false);
    expect(s.intervalContaining(60n)).toEqual({ lo: 51n, hi: 99n });
    s.delete(0n, 1000n);
    expect(s.fragments).toBe(0);
    expect(s.size).toBe(0n);
    expect(s.firstAbsentAtOrAfter(7n)).toBe(7n);
  });

  it('handles 128-bit values without walking them', () => {
    const s = new IntervalSet();
    const top = (1n << 128n) - 1n;
    s.add(0n, top);
    expect(s.size).toBe(top + 1n);
    s.delete(1n << 127n);
    expect(s.firstAbsentAtOrAfter(0n)).toBe(1n << 127n);
    expect(s.fragments).toBe(2);
  });

  it('stays correct across many chunks (alternating values)', () => {
    const s = new IntervalSet();
    for (let i = 0n; i < 20000n; i += 2n) s.add(i);
    expect(s.fragments).toBe(10000);
    for (let i = 1n; i < 20000n; i += 4n) s.add(i); // joins pairs
    expect(s.fragments).toBe(5000);
    s.add(0n, 19999n);
    expect(intervals(s)).toEqual([[0n, 19999n]]);
    for (let i = 1n; i < 20000n; i += 2n) s.delete(i);
    expect(s.fragments).toBe(10000);
    expect(s.firstAbsentAtOrAfter(9998n)).toBe(9999n);
    s.delete(100n, 19900n);
    expect(s.size).toBe(50n + 49n); // evens 0..98 and 19902..19998
  });

  it.each([
    ['few wide intervals', 3000, [40, 800], 400, 150],
    ['many fragments across chunks', 60000, [3, 1500], 4000, 20],
  ] as const)('behaves like a plain set under random range inserts and deletes (%s)', (_name, span, lens, maxOps, numRuns) => {
    const op = fc.record({
      add: fc.integer({ min: 0, max: 9 }).map((n) => n < 6),
      lo: fc.integer({ min: 0, max: span }),
      len: fc.oneof(
        { arbitrary: fc.integer({ min: 0, max: lens[0] }), weight: 20 },
        { arbitrary: fc.integer({ min: 0, max: lens[1] }), weight: 1 },
      ),
    });
    let maxFragments = 0;
    fc.assert(
      fc.property(fc.array(op, { minLength: maxOps / 4, maxLength: maxOps }), fc.array(fc.integer({ min: 0, max: span + 900 }), { maxLength: 30 }), (ops, probes) => {
        const s = new IntervalSet();
        const model = new Set<number>();
        for (const { add, lo, len } of ops) {
          if (add) s.add(BigInt(lo), BigInt(lo + len));
          else s.delete(BigInt(lo), BigInt(lo + len));
          for (let v = lo; v <= lo + len; v++) {
            if (add) model.add(v);
            else model.delete(v);
          }
        }
        const expected = expectedIntervals(model);
        expect(intervals(s)).toEqual(expected);
        expect(s.size).toBe(BigInt(model.size));
        maxFragments = Math.max(maxFragments, s.fragments);
        expect(s.fragments).toBe(expected.length);
        const { got, want } = probeAnswers(s, model, probes);
        expect(got).toEqual(want);
        const copy = s.clone();
        copy.add(0n, BigInt(span + 2000));
        expect(intervals(s)).toEqual(expected);
      }),
      { numRuns },
    );
    // The second case must reach several chunks to exercise the cross-chunk paths.
    if (span > 10000) expect(maxFragments).toBeGreaterThan(520);
  });
});

describe('IntervalSet across the exact window of numbers', () => {
  it.each([
    // Values straddle 2^53 past the origin: the set starts with numbers and turns to bigints.
    ['above the window', 0n, BigInt(Number.MAX_SAFE_INTEGER) - 1500n],
    // Values below the origin the set was given.
    ['below the origin', 1000n, 0n],
  ] as const)('behaves like a plain set when values reach %s', (_name, origin, base) => {
    const op = fc.record({
      add: fc.integer({ min: 0, max: 9 }).map((n) => n < 6),
      lo: fc.integer({ min: 0, max: 3000 }),
      len: fc.integer({ min: 0, max: 60 }),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 20, maxLength: 300 }), fc.array(fc.integer({ min: 0, max: 3100 }), { maxLength: 30 }), (ops, probes) => {
        const s = new IntervalSet(origin);
        const model = new Set<number>();
        const copies: [IntervalSet, Set<number>][] = [];
        for (const { add, lo, len } of ops) {
          if (add) s.add(base + BigInt(lo), base + BigInt(lo + len));
          else s.delete(base + BigInt(lo), base + BigInt(lo + len));
          for (let v = lo; v <= lo + len; v++) {
            if (add) model.add(v);
            else model.delete(v);
          }
          if (copies.length < 3 && model.size > 0) copies.push([s.clone(), new Set(model)]);
        }
        const shifted = (m: Set<number>) => expectedIntervals(m).map(([l, h]) => [base + l, base + h]);
        const expected = shifted(model);
        expect(intervals(s)).toEqual(expected);
        expect(s.size).toBe(BigInt(model.size));
        expect(s.fragments).toBe(expected.length);
        const { got, want } = probeAnswers(s, model, probes, base);
        expect(got).toEqual(want);
        // Clones taken before the set turned to bigints are unaffected by what came after.
        for (const [copy, m] of copies) expect(intervals(copy)).toEqual(shifted(m));
      }),
      { numRuns: 150 },
    );
  });
});

describe('IntervalSet offset API (the allocator calls it with numbers)', () => {
  const MAX = Number.MAX_SAFE_INTEGER;
  it.each([
    ['near the origin', 0],
    ['at the end of the window of numbers', MAX - 1500],
  ] as const)('agrees with the bigint API %s, and falls back to it once the set is wide', (_name, base) => {
    const origin = 0x20010db8000000000000000000000000n;
    const op = fc.record({
      kind: fc.integer({ min: 0, max: 9 }),
      at: fc.integer({ min: 0, max: 3000 }),
    });
    fc.assert(
      fc.property(fc.array(op, { minLength: 20, maxLength: 400 }), (ops) => {
        const bySet = new IntervalSet(origin);
        const byOffset = new IntervalSet(origin);
        // After each operation: [size, first absent] by offsets and by the bigint API.
        const got: unknown[] = [];
        const want: unknown[] = [];
        for (const { kind, at } of ops) {
          // Offsets past 2^53 - 1 only through the bigint API, which widens both sets.
          const o = Math.min(base + at, MAX);
          const value = origin + BigInt(base) + BigInt(at);
          if (kind === 9) {
            bySet.add(value);
            byOffset.add(value);
          } else if (kind < 6) {
            bySet.add(origin + BigInt(o));
            byOffset.addOffset(o);
          } else {
            bySet.delete(origin + BigInt(o));
            byOffset.deleteOffset(o);
          }
          const free = bySet.firstAbsentAtOrAfter(origin + BigInt(o)) - origin;
          const answer = byOffset.firstAbsentAtOrAfterOffset(o);
          // NaN: the answer is past the window of numbers, which only a set reaching beyond it may say.
          const wide = [...bySet.intervals()].some((i) => i.hi - origin > BigInt(MAX));
          got.push([kind, at, byOffset.size, Number.isNaN(answer) ? (wide ? 'past the window' : 'NaN in the window') : BigInt(answer)]);
          want.push([kind, at, bySet.size, Number.isNaN(answer) && wide ? 'past the window' : free]);
        }
        expect(got).toEqual(want);
        expect(intervals(byOffset)).toEqual(intervals(bySet));
        expect(byOffset.fragments).toBe(bySet.fragments);
      }),
      { numRuns: 60 },
    );
  });

  it('answers 2^53 as the first absent offset after a set that ends at 2^53 - 1', () => {
    const s = new IntervalSet(0n);
    s.addOffset(MAX);
    s.addOffset(MAX - 1);
    expect(s.firstAbsentAtOrAfterOffset(MAX - 1)).toBe(2 ** 53);
    expect(s.firstAbsentAtOrAfterOffset(5)).toBe(5);
  });
});
