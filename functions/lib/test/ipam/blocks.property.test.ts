/**
 * Aligned blocks against a reference model that enumerates every offset of two small pools
 * (IPv4 /26, IPv6 /122), written without the interval machinery. Random sequences of block
 * allocation (several lengths), block and address reservation, release and re-render (a fresh
 * space rebuilt from what was persisted: blocks, addresses, cursors) must give the model's
 * answers, and after every step:
 *
 * - No overlap: no offset is covered by two holdings (blocks or addresses) or by a holding and an
 *   exclusion.
 * - Aligned and in range: every block starts at a multiple of its size, inside its pool.
 * - Next-fit: allocateBlock returns the first free aligned block starting after the pool's cursor
 *   (the last address handed out there), wrapping around once.
 * - Persistent: a holder's block never changes until it is released, re-renders included.
 */
import fc from 'fast-check';
import { createAddressSpace } from '../../src/ipam';
import type { AddressSpace, IpFamily } from '../../src/ipam';

const SIZE = 64;

interface PoolModel {
  readonly family: IpFamily;
  readonly id: string;
  readonly bits: number;
  readonly text: (offset: number) => string;
  readonly excluded: ReadonlySet<number>;
  readonly exclusions: string[];
}

function makePool(family: IpFamily, exclusions: [number, number][]): PoolModel {
  const text = family === 'ipv4' ? (o: number) => `10.0.0.${o}` : (o: number) => `2001:db8::${o.toString(16)}`;
  const excluded = new Set<number>();
  for (const [lo, hi] of exclusions) for (let o = lo; o <= hi; o++) excluded.add(o);
  return {
    family,
    id: family === 'ipv4' ? '10.0.0.0/26' : '2001:db8::/122',
    bits: family === 'ipv4' ? 32 : 128,
    text,
    excluded,
    exclusions: exclusions.map(([lo, hi]) => (lo === hi ? text(lo) : `${text(lo)}-${text(hi)}`)),
  };
}

/** Offsets an address may be reserved at: not the network address, IPv4 broadcast or exclusions. */
function addressUsable(p: PoolModel, o: number): boolean {
  if (o === 0 || (p.family === 'ipv4' && o === SIZE - 1)) return false;
  return !p.excluded.has(o);
}

class Model {
  /** Per family: offset -> owner. */
  readonly held: Record<IpFamily, Map<number, string>> = { ipv4: new Map(), ipv6: new Map() };
  /** Per family: owner -> block [start, size]. */
  readonly blocks: Record<IpFamily, Map<string, [number, number]>> = { ipv4: new Map(), ipv6: new Map() };
  readonly addresses: Record<IpFamily, Map<string, number>> = { ipv4: new Map(), ipv6: new Map() };
  readonly cursor: Record<IpFamily, number | undefined> = { ipv4: undefined, ipv6: undefined };

  constructor(readonly pools: Record<IpFamily, PoolModel>) {}

  private free(p: PoolModel, start: number, size: number): boolean {
    for (let o = start; o < start + size; o++) if (p.excluded.has(o) || this.held[p.family].has(o)) return false;
    return true;
  }

  allocateBlock(owner: string, family: IpFamily, size: number): string {
    const p = this.pools[family];
    const mine = this.blocks[family].get(owner);
    if (mine) return mine[1] === size ? cidr(p, mine[0], size) : 'owner-conflict';
    const c = this.cursor[family];
    const start = c === undefined || c >= SIZE - 1 ? 0 : c + 1;
    const starts: number[] = [];
    for (let s = 0; s < SIZE; s += size) starts.push(s);
    const order = [...starts.filter((s) => s >= start), ...starts.filter((s) => s < start)];
    const s = order.find((x) => this.free(p, x, size));
    if (s === undefined) return 'exhausted';
    this.cursor[family] = s + size - 1;
    this.takeBlock(owner, family, s, size);
    return cidr(p, s, size);
  }

  reserveBlock(owner: string, family: IpFamily, start: number, size: number): string {
    const p = this.pools[family];
    const mine = this.blocks[family].get(owner);
    if (mine) return mine[0] === start && mine[1] === size ? cidr(p, start, size) : 'owner-conflict';
    for (let o = start; o < start + size; o++) {
      if (this.held[family].has(o)) return 'address-conflict';
      if (p.excluded.has(o)) return 'reserved-address';
    }
    this.takeBlock(owner, family, start, size);
    return cidr(p, start, size);
  }

  reserveAddress(owner: string, family: IpFamily, o: number): string {
    const p = this.pools[family];
    if (!addressUsable(p, o)) return 'reserved-address';
    const holder = this.held[family].get(o);
    if (holder !== undefined) return holder === owner && this.addresses[family].get(owner) === o ? p.text(o) : 'address-conflict';
    if (this.addresses[family].has(owner)) return 'owner-conflict';
    this.held[family].set(o, owner);
    this.addresses[family].set(owner, o);
    return p.text(o);
  }

  release(owner: string): void {
    for (const family of ['ipv4', 'ipv6'] as const) {
      const b = this.blocks[family].get(owner);
      if (b) for (let o = b[0]; o < b[0] + b[1]; o++) this.held[family].delete(o);
      this.blocks[family].delete(owner);
      const a = this.addresses[family].get(owner);
      if (a !== undefined) this.held[family].delete(a);
      this.addresses[family].delete(owner);
    }
  }

  private takeBlock(owner: string, family: IpFamily, start: number, size: number): void {
    for (let o = start; o < start + size; o++) this.held[family].set(o, owner);
    this.blocks[family].set(owner, [start, size]);
  }
}

function cidr(p: PoolModel, start: number, size: number): string {
  const length = p.bits - Math.log2(size);
  return `${p.text(start)}/${length}`.replace('2001:db8::0/', '2001:db8::/');
}

function newSpace(pools: Record<IpFamily, PoolModel>): AddressSpace {
  const space = createAddressSpace('blocks');
  for (const p of Object.values(pools)) {
    const r = space.addPool({ prefix: p.id, gateway: null, exclusions: p.exclusions });
    if (!r.ok) throw new Error(r.error.message);
  }
  return space;
}

/** A fresh space holding exactly what `space` persisted, reserved in the given order. */
function rerender(space: AddressSpace, pools: Record<IpFamily, PoolModel>, seed: number): AddressSpace {
  const next = newSpace(pools);
  const imported = next.importState(space.exportState());
  if (!imported.ok) throw new Error(imported.error.message);
  const blocks = [...space.blocks()];
  const addresses = [...space.allocations()];
  const order = [...blocks.map((b) => () => next.reserveBlock(b.owner, b.prefix)), ...addresses.map((a) => () => next.reserve(a.owner, a.address))];
  const rand = fc.sample(fc.shuffledSubarray(order.map((_, i) => i), { minLength: order.length }), { seed, numRuns: 1 })[0] ?? [];
  for (const i of rand) {
    const r = order[i]!();
    if (!r.ok) throw new Error(`re-render failed: ${r.error.message}`);
  }
  return next;
}

type Op =
  | { kind: 'alloc'; owner: number; family: IpFamily; log2size: number }
  | { kind: 'reserveBlock'; owner: number; family: IpFamily; log2size: number; index: number }
  | { kind: 'reserveAddress'; owner: number; family: IpFamily; offset: number }
  | { kind: 'release'; owner: number; address: boolean }
  | { kind: 'rerender'; seed: number };

const family = fc.constantFrom<IpFamily>('ipv4', 'ipv6');
const log2size = fc.integer({ min: 0, max: 5 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('alloc' as const), owner: fc.integer({ min: 0, max: 9 }), family, log2size }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('reserveBlock' as const), owner: fc.integer({ min: 0, max: 9 }), family, log2size, index: fc.integer({ min: 0, max: 63 }) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('reserveAddress' as const), owner: fc.integer({ min: 0, max: 4 }), family, offset: fc.integer({ min: 0, max: 63 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('release' as const), owner: fc.integer({ min: 0, max: 9 }), address: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('rerender' as const), seed: fc.integer() }) },
);
const exclusionArb = fc.tuple(fc.integer({ min: 1, max: 62 }), fc.integer({ min: 0, max: 3 })).map(([lo, len]): [number, number] => [lo, Math.min(62, lo + len)]);

function checkInvariants(space: AddressSpace, model: Model): void {
  for (const f of ['ipv4', 'ipv6'] as const) {
    const p = model.pools[f];
    const covered = new Map<number, string>();
    const mark = (o: number, who: string) => {
      if (covered.has(o)) throw new Error(`${p.text(o)} held by ${covered.get(o)} and ${who}`);
      if (p.excluded.has(o)) throw new Error(`${p.text(o)} is excluded but held by ${who}`);
      covered.set(o, who);
    };
    for (const b of space.blocks().filter((x) => x.family === f)) {
      const [addr, len] = b.prefix.split('/');
      const size = 2 ** (p.bits - Number(len));
      const start = f === 'ipv4' ? Number(addr!.split('.')[3]) : parseInt(addr!.split(':').pop() || '0', 16);
      if (start % size !== 0) throw new Error(`${b.prefix} is not aligned`);
      if (start + size > SIZE) throw new Error(`${b.prefix} leaves the pool`);
      for (let o = start; o < start + size; o++) mark(o, b.owner);
      const expected = model.blocks[f].get(b.owner);
      if (!expected || expected[0] !== start || expected[1] !== size) throw new Error(`${b.owner} holds ${b.prefix}, the model says ${expected}`);
    }
    expect(space.blocks().filter((x) => x.family === f).length).toBe(model.blocks[f].size);
    for (const a of space.allocations().filter((x) => x.family === f)) {
      const o = f === 'ipv4' ? Number(a.address.split('.')[3]) : parseInt(a.address.split(':').pop() || '0', 16);
      mark(o, a.owner);
    }
  }
}

describe('aligned block properties (IPv4 /26 and IPv6 /122 pools)', () => {
  it('matches the next-fit model; no overlap, aligned, in range, persistent across re-renders', () => {
    fc.assert(
      fc.property(
        fc.array(exclusionArb, { maxLength: 2 }),
        fc.array(exclusionArb, { maxLength: 2 }),
        fc.array(opArb, { minLength: 1, maxLength: 60 }),
        (v4ex, v6ex, ops) => {
          const pools = { ipv4: makePool('ipv4', v4ex), ipv6: makePool('ipv6', v6ex) };
          const model = new Model(pools);
          let space = newSpace(pools);
          for (const op of ops) {
            if (op.kind === 'alloc') {
              const owner = `b${op.owner}`;
              const size = 2 ** op.log2size;
              const r = space.allocateBlock(owner, [pools[op.family].id], pools[op.family].bits - op.log2size);
              expect(r.ok ? r.value.prefix : r.error.code).toBe(model.allocateBlock(owner, op.family, size));
            } else if (op.kind === 'reserveBlock') {
              const owner = `b${op.owner}`;
              const size = 2 ** op.log2size;
              const start = (op.index * size) % SIZE;
              const p = pools[op.family];
              const r = space.reserveBlock(owner, cidr(p, start, size));
              expect(r.ok ? r.value.prefix : r.error.code).toBe(model.reserveBlock(owner, op.family, start, size));
            } else if (op.kind === 'reserveAddress') {
              const owner = `a${op.owner}`;
              const r = space.reserve(owner, pools[op.family].text(op.offset));
              expect(r.ok ? r.value.address : r.error.code).toBe(model.reserveAddress(owner, op.family, op.offset));
            } else if (op.kind === 'release') {
              const owner = op.address ? `a${op.owner % 5}` : `b${op.owner}`;
              space.release(owner);
              space.releaseBlock(owner);
              model.release(owner);
            } else {
              space = rerender(space, pools, op.seed);
            }
            checkInvariants(space, model);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
