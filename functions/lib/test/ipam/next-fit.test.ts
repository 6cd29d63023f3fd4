/**
 * The one next-fit rule against a model that walks the values of a small range one by one:
 * after the cursor, then (wrapping) from the start up to and including the cursor. The three
 * forms - a free-search callback, an interval set in bigints, an interval set in offsets - must
 * all agree with it, with and without wrap-around.
 */
import fc from 'fast-check';
import { IntervalSet } from '../../src/ipam';
import { nextFit, nextFitIn, nextFitOffset } from '../../src/ipam/next-fit';

/** The model: the values in next-fit order, the first free one wins. */
function model(first: number, last: number, cursor: number | undefined, taken: ReadonlySet<number>, wrap: boolean): number | undefined {
  if (cursor !== undefined && cursor >= last && !wrap) return undefined;
  const start = cursor === undefined || cursor < first || cursor >= last ? first : cursor + 1;
  const order: number[] = [];
  for (let v = start; v <= last; v++) order.push(v);
  if (wrap) for (let v = first; v < start; v++) order.push(v);
  return order.find((v) => !taken.has(v));
}

const cases = fc.record({
  first: fc.integer({ min: 0, max: 20 }),
  span: fc.integer({ min: 0, max: 30 }),
  cursor: fc.option(fc.integer({ min: 0, max: 60 }), { nil: undefined }),
  taken: fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 40 }),
  wrap: fc.boolean(),
});

describe('nextFit', () => {
  it('resumes after the cursor and wraps once, cursor value included, as the model does', () => {
    fc.assert(
      fc.property(cases, ({ first, span, cursor, taken, wrap }) => {
        const last = first + span;
        const held = new Set(taken);
        const probe = (from: bigint, before: bigint | undefined): bigint | undefined => {
          for (let v = Number(from); v <= last && (before === undefined || v < Number(before)); v++) if (!held.has(v)) return BigInt(v);
          return undefined;
        };
        const got = nextFit(BigInt(first), BigInt(last), cursor === undefined ? undefined : BigInt(cursor), probe, wrap);
        expect(got === undefined ? undefined : Number(got)).toBe(model(first, last, cursor, held, wrap));
      }),
      { numRuns: 2000 },
    );
  });

  it('over an interval set, in bigints and in offsets, agrees with the model (always wrapping)', () => {
    fc.assert(
      fc.property(cases, ({ first, span, cursor, taken }) => {
        const last = first + span;
        const set = new IntervalSet(0n);
        for (const v of taken) set.add(BigInt(v));
        const want = model(first, last, cursor, new Set(taken), true);
        const big = nextFitIn(set, BigInt(first), BigInt(last), cursor === undefined ? undefined : BigInt(cursor));
        expect(big === undefined ? undefined : Number(big)).toBe(want);
        expect(nextFitOffset(set, first, last, cursor ?? -1)).toBe(want ?? -1);
      }),
      { numRuns: 2000 },
    );
  });

  it('hands a freed value out again only after every never-used one', () => {
    const set = new IntervalSet(0n);
    let cursor: bigint | undefined;
    const got: bigint[] = [];
    for (let i = 0; i < 4; i++) {
      const v = nextFitIn(set, 1n, 4n, cursor)!;
      set.add(v);
      cursor = v;
      got.push(v);
      if (v === 2n) set.delete(1n); // 1 is released after 2 is handed out
    }
    expect(got).toEqual([1n, 2n, 3n, 4n]);
    expect(nextFitIn(set, 1n, 4n, cursor)).toBe(1n);
  });
});
