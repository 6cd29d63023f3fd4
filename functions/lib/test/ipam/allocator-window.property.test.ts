/**
 * The allocator works in number offsets while a pool's addresses lie within 2^53 of its network
 * address and in bigints past that. Around the edge (cursor, holdings and exclusions on both
 * sides of 2^53) allocate, reserve and release must agree with a next-fit model in bigints.
 */
import fc from 'fast-check';
import { createAddressSpace, formatAddress, parseAddress } from '../../src/ipam';
import { unwrap } from './helpers';

const EDGE = 1n << 53n;
const NETWORK = unwrap(parseAddress('2001:db8:5::')).value;
const POOL = '2001:db8:5::/64';
const LAST = (1n << 64n) - 1n;

const text = (offset: bigint) => formatAddress('ipv6', NETWORK + offset);

describe('allocation across the 2^53 edge of a pool', () => {
  it('agrees with a next-fit model in bigints', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('allocate' as const), owner: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant('reserve' as const), owner: fc.integer({ min: 0, max: 40 }), at: fc.integer({ min: -12, max: 12 }) }),
      fc.record({ kind: fc.constant('release' as const), owner: fc.integer({ min: 0, max: 40 }) }),
      fc.record({ kind: fc.constant('cursor' as const), at: fc.integer({ min: -12, max: 12 }) }),
    );
    fc.assert(
      fc.property(fc.boolean(), fc.integer({ min: -10, max: 6 }), fc.array(op, { minLength: 10, maxLength: 120 }), (excluding, cursorAt, ops) => {
        const space = createAddressSpace('edge');
        // An exclusion across the edge makes the taken set hold values past 2^53 from the start.
        const exclusions = excluding ? [`${text(EDGE - 2n)}-${text(EDGE + 1n)}`] : [];
        unwrap(space.addPool({ prefix: POOL, gateway: null, exclusions }));
        const taken = new Map<bigint, string>();
        if (excluding) for (let o = EDGE - 2n; o <= EDGE + 1n; o++) taken.set(o, '');
        const held = new Map<string, bigint>();
        let cursor: bigint = EDGE + BigInt(cursorAt);
        unwrap(space.importState({ [POOL]: text(cursor) }));
        for (const o of ops) {
          const owner = 'owner' in o ? `edge0/ran/claim-${o.owner}` : '';
          if (o.kind === 'cursor') {
            cursor = EDGE + BigInt(o.at);
            unwrap(space.importState({ [POOL]: text(cursor) }));
          } else if (o.kind === 'release') {
            const freed = space.release(owner).map((a) => a.address);
            const had = held.get(owner);
            expect(freed).toEqual(had === undefined ? [] : [text(had)]);
            if (had !== undefined) {
              taken.delete(had);
              held.delete(owner);
            }
          } else if (o.kind === 'reserve') {
            const at = EDGE + BigInt(o.at);
            const r = space.reserve(owner, text(at), [POOL]);
            const mine = held.get(owner);
            const expected = taken.has(at) && taken.get(at) !== owner ? 'taken' : mine !== undefined && mine !== at ? 'owner-conflict' : 'ok';
            expect(r.ok ? 'ok' : r.error.code === 'owner-conflict' ? 'owner-conflict' : 'taken').toBe(expected);
            if (r.ok) {
              expect(r.value.address).toBe(text(at));
              taken.set(at, owner);
              held.set(owner, at);
            }
          } else {
            const r = unwrap(space.allocate(owner, [POOL]));
            const mine = held.get(owner);
            if (mine !== undefined) {
              expect(r.address).toBe(text(mine));
              continue;
            }
            let v: bigint = cursor < 1n || cursor >= LAST ? 1n : cursor + 1n;
            while (taken.has(v)) v++;
            expect(r.address).toBe(text(v));
            expect(r.prefix).toBe(`${text(v)}/64`);
            taken.set(v, owner);
            held.set(owner, v);
            cursor = v;
          }
          expect(space.exportState()).toEqual({ [POOL]: text(cursor) });
        }
        const all = space.allocations().map((a) => [a.owner, a.address]);
        const want = [...held].sort((a, b) => (a[1] < b[1] ? -1 : 1)).map(([owner, at]) => [owner, text(at)]);
        expect(all).toEqual(want);
        for (const [owner, at] of held) expect(space.holderOf(text(at))).toBe(owner);
      }),
      { numRuns: 300 },
    );
  });
});
