/**
 * The VLAN space against a reference model that enumerates the IDs of a small range: random
 * sequences of allocate, reserve, release and re-render (a fresh space rebuilt from the recorded
 * IDs and the cursor, as ipam-fn does from Git). Invariants: unique, persistent, in range and not
 * reserved, next-fit (an allocation is the first free usable ID after the cursor, cyclically), so
 * a released ID comes back only after every never-used one.
 */
import fc from 'fast-check';
import { createVlanSpace, RESERVED_VLANS, VlanSpace, VlanRangeSpec } from '../../src/ipam';

function space(range: VlanRangeSpec): VlanSpace {
  const r = createVlanSpace('edge01', range);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

type Op = { op: 'allocate'; holder: number } | { op: 'release'; holder: number } | { op: 'reserve'; holder: number; id: number } | { op: 'rerender' };

describe('VLAN space', () => {
  it('refuses ranges outside 1-4094 and reversed ranges', () => {
    for (const range of [{ min: 0, max: 10 }, { min: 10, max: 4095 }, { min: 20, max: 10 }]) {
      const r = createVlanSpace('x', range);
      expect(r.ok).toBe(false);
    }
  });

  it('never hands out VLAN 1 or an excluded ID', () => {
    const s = space({ min: 1, max: 6, exclude: [{ lo: 3, hi: 4 }] });
    const got = [1, 2, 3].map((h) => s.allocate(`h${h}`));
    expect(got.map((r) => (r.ok ? r.value : r.error.code))).toEqual([2, 5, 6]);
    expect(s.allocate('h4').ok).toBe(false);
    const reserved = s.reserve('h5', 1);
    expect(reserved.ok).toBe(false);
    if (!reserved.ok) expect(reserved.error.message).toContain('default VLAN');
  });

  it('names both holders of a duplicated ID', () => {
    const s = space({ min: 100, max: 199 });
    expect(s.reserve('bridge domain a', 150).ok).toBe(true);
    const r = s.reserve('bridge domain b', 150);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.owners).toEqual(['bridge domain a', 'bridge domain b']);
  });

  it('keeps its invariants over random operations (reference model)', () => {
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ op: fc.constant('allocate' as const), holder: fc.nat(9) }),
      fc.record({ op: fc.constant('release' as const), holder: fc.nat(9) }),
      fc.record({ op: fc.constant('reserve' as const), holder: fc.nat(9), id: fc.integer({ min: 1, max: 9 }) }),
      fc.constant({ op: 'rerender' as const }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 5 }), fc.array(opArb, { maxLength: 60 }), (min, extra, ops) => {
        const range: VlanRangeSpec = { min, max: min + extra, exclude: extra >= 3 ? [{ lo: min + 2, hi: min + 2 }] : [] };
        const usable: number[] = [];
        for (let id = range.min; id <= range.max; id++) {
          if (!RESERVED_VLANS.includes(id) && !(range.exclude ?? []).some((e) => id >= e.lo && id <= e.hi)) usable.push(id);
        }
        let s = space(range);
        const held = new Map<string, number>();
        let cursor: number | undefined;
        for (const o of ops) {
          if (o.op === 'rerender') {
            const next = space(range);
            for (const [h, id] of held) expect(next.reserve(h, id).ok).toBe(true);
            if (cursor !== undefined) expect(next.importCursor(cursor).ok).toBe(true);
            s = next;
            continue;
          }
          const holder = `h${o.holder}`;
          if (o.op === 'release') {
            expect(s.release(holder)).toBe(held.get(holder));
            held.delete(holder);
            continue;
          }
          if (o.op === 'reserve') {
            const r = s.reserve(holder, o.id);
            const taken = [...held.entries()].find(([, id]) => id === o.id);
            const expectOk = usable.includes(o.id) && (held.get(holder) === o.id || (!taken && !held.has(holder)));
            expect(r.ok).toBe(expectOk);
            if (r.ok) held.set(holder, o.id);
            continue;
          }
          const r = s.allocate(holder);
          if (held.has(holder)) {
            expect(r.ok && r.value).toBe(held.get(holder));
            continue;
          }
          const taken = new Set(held.values());
          const start = cursor === undefined ? -1 : usable.findIndex((id) => id > cursor!);
          const order = start < 0 ? usable : [...usable.slice(start), ...usable.slice(0, start)];
          const expected = order.find((id) => !taken.has(id));
          if (expected === undefined) {
            expect(r.ok).toBe(false);
            continue;
          }
          expect(r.ok && r.value).toBe(expected);
          held.set(holder, expected);
          cursor = expected;
          expect(s.exportCursor()).toBe(cursor);
        }
        // Unique and in range.
        const ids = [...held.values()];
        expect(new Set(ids).size).toBe(ids.length);
        for (const id of ids) {
          expect(usable).toContain(id);
          expect(s.holderOf(id)).toBeDefined();
        }
      }),
      { numRuns: 300 },
    );
  });
});
