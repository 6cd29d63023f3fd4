/**
 * The holdings are kept in packed columns (owner ids, 32-bit offsets widened on demand, a map
 * for offsets past 2^53): whatever the width of an address's offset in its pool and whatever the
 * owner's name, reserve / release / holderOf / allocations must agree with a plain Map.
 */
import fc from 'fast-check';
import { createAddressSpace, formatAddress, parseAddress } from '../../src/ipam';
import { HoldingTable } from '../../src/ipam/holdings';
import { unwrap } from './helpers';

const POOLS = ['2001:db8::/64', '2001:db8:0:1::/64', '10.0.0.0/16'];

/** Offsets below 2^32, between 2^32 and 2^53, and past 2^53. */
const offsetArb = fc.oneof(
  fc.integer({ min: 2, max: 40 }).map(BigInt),
  fc.integer({ min: 0, max: 40 }).map((n) => (1n << 32n) + BigInt(n)),
  fc.integer({ min: 0, max: 40 }).map((n) => (1n << 60n) + BigInt(n)),
);

const ownerArb = fc.oneof(
  fc.integer({ min: 0, max: 30 }).map((n) => `edge${n % 3}/ran/du-${n}-n3-ipv6`),
  fc.integer({ min: 0, max: 10 }).map((n) => `名前/claim-${n}`),
  fc.integer({ min: 0, max: 5 }).map((n) => `plain-${n}`),
);

function addressOf(pool: number, offset: bigint): string {
  const prefix = POOLS[pool]!;
  const net = parseAddress(prefix.slice(0, prefix.indexOf('/')));
  if (!net.ok) throw new Error('bad pool');
  const family = net.value.family;
  // IPv4 pools take the offset modulo their size, past the network address.
  const off = family === 'ipv4' ? 2n + (offset % 60000n) : offset;
  return formatAddress(family, net.value.value + off);
}

describe('holdings columns', () => {
  it('agree with a plain map under reserve and release', () => {
    const op = fc.record({ release: fc.boolean(), owner: ownerArb, pool: fc.integer({ min: 0, max: 2 }), offset: offsetArb });
    fc.assert(
      fc.property(fc.array(op, { minLength: 20, maxLength: 400 }), (ops) => {
        const space = createAddressSpace('t');
        for (const p of POOLS) unwrap(space.addPool({ prefix: p, gateway: null }));
        const byAddress = new Map<string, string>();
        const byOwner = new Map<string, Map<string, string>>(); // owner -> family -> address
        for (const { release, owner, pool, offset } of ops) {
          const family = pool === 2 ? 'ipv4' : 'ipv6';
          if (release) {
            const freed = space.release(owner, family).map((a) => a.address);
            const had = byOwner.get(owner)?.get(family);
            expect(freed).toEqual(had === undefined ? [] : [had]);
            if (had !== undefined) {
              byAddress.delete(had);
              byOwner.get(owner)!.delete(family);
            }
            continue;
          }
          const address = addressOf(pool, offset);
          const r = space.reserve(owner, address);
          const holder = byAddress.get(address);
          const mine = byOwner.get(owner)?.get(family);
          if (holder !== undefined && holder !== owner) {
            expect(r.ok ? 'ok' : r.error.code).toBe('address-conflict');
          } else if (mine !== undefined && mine !== address) {
            expect(r.ok ? 'ok' : r.error.code).toBe('owner-conflict');
          } else {
            expect(unwrap(r).address).toBe(address);
            byAddress.set(address, owner);
            if (!byOwner.has(owner)) byOwner.set(owner, new Map());
            byOwner.get(owner)!.set(family, address);
          }
        }
        for (const [address, owner] of byAddress) expect(space.holderOf(address)).toBe(owner);
        for (const [owner, held] of byOwner) {
          expect(space.allocationsOf(owner).map((a) => a.address)).toEqual(['ipv4', 'ipv6'].flatMap((f) => (held.has(f) ? [held.get(f)] : [])));
        }
        const all = space.allocations();
        expect(all.length).toBe(byAddress.size);
        for (const a of all) expect(byAddress.get(a.address)).toBe(a.owner);
        // Address order within each pool.
        const values = all.map((a) => {
          const v = parseAddress(a.address);
          return v.ok ? v.value.value : -1n;
        });
        for (let i = 1; i < all.length; i++) if (all[i]!.poolId === all[i - 1]!.poolId) expect(values[i]! > values[i - 1]!).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('widens its columns for pool references past 65,535 and offsets past 2^32 and 2^53, keeping what they held', () => {
    const table = new HoldingTable();
    const wanted = new Map<number, [number, bigint]>();
    const hold = (id: number, ref: number, offset: bigint) => {
      table.set(id, ref, offset);
      wanted.set(id, [ref, offset]);
    };
    hold(0, 1, 5n);
    hold(40, 65535, 7n);
    hold(41, 65536, 9n); // pool references no longer fit 16 bits
    hold(1000, 3, (1n << 32n) + 11n); // offsets no longer fit 32 bits
    hold(1001, 4, (1n << 60n) + 13n); // nor 53
    hold(5000, 2, 15n);
    table.clear(0);
    wanted.delete(0);
    for (let id = 0; id <= 5000; id++) {
      const w = wanted.get(id);
      expect(table.holds(id)).toBe(w !== undefined);
      if (w === undefined) continue;
      expect(table.pool[id]).toBe(w[0]);
      expect(table.offsetOf(id)).toBe(w[1]);
      expect(table.offsetNumber(id)).toBe(w[1] > BigInt(Number.MAX_SAFE_INTEGER) ? NaN : Number(w[1]));
    }
  });
});
