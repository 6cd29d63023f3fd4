/**
 * Random sequences of add (allocate, dual-stack allocate, reserve), remove (release) and
 * re-render (a fresh space rebuilt from the persisted allocations and cursors), checked against
 * a reference model written independently of the implementation (it enumerates the few addresses
 * of small pools), plus direct checks of the invariants:
 *
 * - Unique: no address has two holders.
 * - Persistent: an owner's address never changes until it is released, re-renders included.
 * - In range: every held address is a usable address of its pool.
 * - Next-fit: allocate returns the first free usable address of the pool in cyclic order after
 *   the pool's cursor (the last address allocate handed out there). Consequence, checked when
 *   addresses only come from allocate: an address is handed out a second time only once every
 *   usable address of its pool has been held at least once.
 * - Dual-stack atomic: allocateMany gives every requested family or changes nothing at all.
 */
import fc from 'fast-check';
import { createAddressSpace, PoolSpec } from '../../src/ipam';
import type { AddressSpace, IpFamily } from '../../src/ipam';

type Gateway = 'default' | 'none' | number;

interface PoolModel {
  readonly family: IpFamily;
  readonly id: string;
  readonly base: number;
  readonly size: number;
  /** Offsets of the addresses that may be handed out, ascending. */
  readonly usable: readonly number[];
  readonly spec: PoolSpec;
  readonly text: (offset: number) => string;
}

function v4Text(base: number) {
  return (offset: number) => `10.0.0.${base + offset}`;
}
function v6Text(base: number) {
  return (offset: number) => `2001:db8::${(base + offset).toString(16)}`;
}

/**
 * The usable offsets by the rules of the spec, written out longhand: IPv4 loses the network and
 * broadcast address, IPv6 the subnet-router anycast (offset 0); both lose the gateway and the
 * exclusions.
 */
function makePool(family: IpFamily, base: number, size: number, gateway: Gateway, exclusions: [number, number][]): PoolModel {
  const text = family === 'ipv4' ? v4Text(base) : v6Text(base);
  const length = family === 'ipv4' ? 32 - Math.log2(size) : 128 - Math.log2(size);
  const id = `${text(0)}/${length}`.replace('2001:db8::0/', '2001:db8::/');
  const last = family === 'ipv4' ? size - 2 : size - 1;
  const gw = gateway === 'default' ? 1 : gateway === 'none' ? undefined : gateway;
  const usable: number[] = [];
  for (let o = 1; o <= last; o++) {
    if (o === gw) continue;
    if (exclusions.some(([lo, hi]) => o >= lo && o <= hi)) continue;
    usable.push(o);
  }
  const spec: PoolSpec = {
    prefix: id,
    gateway: gateway === 'default' ? undefined : gateway === 'none' ? null : text(gateway),
    exclusions: exclusions.map(([lo, hi]) => (lo === hi ? text(lo) : `${text(lo)}-${text(hi)}`)),
  };
  return { family, id, base, size, usable, spec, text };
}

class Model {
  readonly held = new Map<string, string>(); // address -> owner
  readonly slots = new Map<string, Partial<Record<IpFamily, { address: string; pool: PoolModel }>>>();
  readonly cursor = new Map<PoolModel, number>();
  readonly everHeld = new Map<PoolModel, Set<number>>();

  constructor(readonly pools: readonly PoolModel[]) {}

  allocate(owner: string, pools: readonly PoolModel[]): string {
    const family = pools[0]!.family;
    const mine = this.slots.get(owner)?.[family];
    if (mine) return pools.includes(mine.pool) ? mine.address : 'owner-conflict';
    for (const p of pools) {
      const c = this.cursor.get(p);
      const startIndex = c === undefined ? 0 : p.usable.findIndex((o) => o > c);
      const order = startIndex <= 0 ? p.usable : [...p.usable.slice(startIndex), ...p.usable.slice(0, startIndex)];
      const offset = order.find((o) => !this.held.has(p.text(o)));
      if (offset === undefined) continue;
      this.cursor.set(p, offset);
      this.take(owner, p, offset);
      return p.text(offset);
    }
    return 'exhausted';
  }

  reserve(owner: string, p: PoolModel, offset: number): string {
    const address = p.text(offset);
    if (!p.usable.includes(offset)) return 'reserved-address';
    const holder = this.held.get(address);
    if (holder !== undefined) return holder === owner ? address : 'address-conflict';
    if (this.slots.get(owner)?.[p.family]) return 'owner-conflict';
    this.take(owner, p, offset);
    return address;
  }

  release(owner: string): void {
    for (const slot of Object.values(this.slots.get(owner) ?? {})) this.held.delete(slot.address);
    this.slots.delete(owner);
  }

  snapshot() {
    return {
      held: new Map(this.held),
      slots: new Map([...this.slots].map(([k, v]) => [k, { ...v }])),
      cursor: new Map(this.cursor),
      everHeld: new Map([...this.everHeld].map(([k, v]) => [k, new Set(v)])),
    };
  }

  restore(s: ReturnType<Model['snapshot']>): void {
    for (const key of ['held', 'slots', 'cursor', 'everHeld'] as const) {
      const target = this[key] as Map<unknown, unknown>;
      target.clear();
      for (const [k, v] of s[key] as Map<unknown, unknown>) target.set(k, v);
    }
  }

  private take(owner: string, p: PoolModel, offset: number): void {
    const address = p.text(offset);
    this.held.set(address, owner);
    this.slots.set(owner, { ...this.slots.get(owner), [p.family]: { address, pool: p } });
    if (!this.everHeld.has(p)) this.everHeld.set(p, new Set());
    this.everHeld.get(p)!.add(offset);
  }
}

type Op =
  | { kind: 'alloc'; owner: number; family: IpFamily; order: number }
  | { kind: 'dual'; owner: number; v4order: number; v6order: number }
  | { kind: 'reserve'; owner: number; family: IpFamily; pool: number; offset: number }
  | { kind: 'release'; owner: number }
  | { kind: 'rerender'; seed: number };

const owner = fc.integer({ min: 0, max: 13 });
const family = fc.constantFrom<IpFamily>('ipv4', 'ipv6');
const order = fc.integer({ min: 0, max: 3 });

function opArb(withReserve: boolean): fc.Arbitrary<Op> {
  const arbs: fc.WeightedArbitrary<Op>[] = [
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('alloc' as const), owner, family, order }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('dual' as const), owner, v4order: order, v6order: order }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('release' as const), owner }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('rerender' as const), seed: fc.integer() }) },
  ];
  if (withReserve) {
    arbs.push({
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('reserve' as const),
        owner,
        family,
        pool: fc.integer({ min: 0, max: 1 }),
        offset: fc.integer({ min: 0, max: 15 }),
      }),
    });
  }
  return fc.oneof(...arbs);
}

const gatewayArb = fc.oneof(fc.constant<Gateway>('default'), fc.constant<Gateway>('none'), fc.integer({ min: 1, max: 14 }));
const exclusionArb = fc
  .tuple(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 4 }))
  .map(([lo, len]): [number, number] => [lo, Math.min(15, lo + len)]);

const setupArb = fc.record({
  v4gateway: gatewayArb,
  v6gateway: gatewayArb,
  v4exclusions: fc.array(exclusionArb, { maxLength: 2 }),
  v6exclusions: fc.array(exclusionArb, { maxLength: 2 }),
});

type Setup = typeof setupArb extends fc.Arbitrary<infer T> ? T : never;

function buildPools(setup: Setup): PoolModel[] {
  // Pools 0/1 are IPv4 (/28, /29), 2/3 IPv6 (/124, /125); the first of each family gets the
  // random gateway and exclusions.
  return [
    makePool('ipv4', 0, 16, setup.v4gateway, setup.v4exclusions),
    makePool('ipv4', 16, 8, 'default', []),
    makePool('ipv6', 0, 16, setup.v6gateway, setup.v6exclusions),
    makePool('ipv6', 16, 8, 'default', []),
  ];
}

function poolOrder(pools: readonly PoolModel[], f: IpFamily, variant: number): PoolModel[] {
  const [a, b] = pools.filter((p) => p.family === f) as [PoolModel, PoolModel];
  return [[a], [b], [a, b], [b, a]][variant]!;
}

function newSpace(pools: readonly PoolModel[]): AddressSpace {
  const space = createAddressSpace('prop-net');
  for (const p of pools) {
    const r = space.addPool(p.spec);
    if (!r.ok) throw new Error(r.error.message);
  }
  return space;
}

/** Deterministic shuffle, so a re-render sees the claims in an arbitrary order. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = items.slice();
  let s = seed >>> 0 || 1;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

function rerender(old: AddressSpace, pools: readonly PoolModel[], seed: number): AddressSpace {
  const persisted = JSON.parse(JSON.stringify({ claims: old.allocations(), cursors: old.exportState() })) as {
    claims: { owner: string; prefix: string; poolId: string }[];
    cursors: Record<string, string>;
  };
  const space = newSpace(shuffled(pools, seed));
  const imported = space.importState(persisted.cursors);
  if (!imported.ok) throw new Error(imported.error.message);
  for (const c of shuffled(persisted.claims, seed ^ 0x5bd1e995)) {
    const r = space.reserve(c.owner, c.prefix, [c.poolId]);
    if (!r.ok) throw new Error(`re-render moved or lost ${c.owner}: ${r.error.message}`);
  }
  same(space.allocations(), old.allocations(), 'holdings after re-render');
  same(space.exportState(), old.exportState(), 'cursors after re-render');
  return space;
}

/** Throws with both values when they differ (cheaper than expect() in the inner loop). */
function same(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const b = JSON.stringify(expected);
  if (a !== b) throw new Error(`${what}: got ${a}, expected ${b}`);
}

function checkInvariants(space: AddressSpace, model: Model, pools: readonly PoolModel[]): void {
  const all = space.allocations();
  // Unique.
  if (new Set(all.map((a) => a.address)).size !== all.length) throw new Error(`duplicate address in ${JSON.stringify(all)}`);
  for (const a of all) {
    same(space.holderOf(a.address), a.owner, `holder of ${a.address}`);
    // In range: one of the pool's usable addresses, by the longhand rules.
    const p = pools.find((q) => q.id === a.poolId)!;
    if (!p.usable.some((o) => p.text(o) === a.address)) throw new Error(`${a.address} is not usable in ${p.id}`);
  }
  // Persistent (and equal to the model): the same owners hold the same addresses.
  const held = [...model.held].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0));
  same(
    all.map((a) => [a.address, a.owner]).sort(([x], [y]) => (x! < y! ? -1 : x! > y! ? 1 : 0)),
    held,
    'holdings',
  );
  const cursors: Record<string, string> = {};
  for (const p of pools) {
    const c = model.cursor.get(p);
    if (c !== undefined) cursors[p.id] = p.text(c);
  }
  same(space.exportState(), cursors, 'cursors');
}

function run(ops: readonly Op[], pools: readonly PoolModel[], checkQuarantine: boolean): void {
  const model = new Model(pools);
  let space = newSpace(pools);
  for (const op of ops) {
    switch (op.kind) {
      case 'alloc': {
        const name = `o${op.owner}`;
        const chosen = poolOrder(pools, op.family, op.order);
        const before = model.snapshot();
        const expected = model.allocate(name, chosen);
        const r = space.allocate(name, chosen.map((p) => p.id));
        same(r.ok ? r.value.address : r.error.code, expected, `${op.kind} ${JSON.stringify(op)}`);
        if (checkQuarantine && r.ok && !before.slots.get(name)?.[op.family]) {
          const p = pools.find((q) => q.id === r.value.poolId)!;
          const offset = p.usable.find((o) => p.text(o) === r.value.address)!;
          if (before.everHeld.get(p)?.has(offset)) {
            // Reused: only once every usable address of the pool has been held.
            same(p.usable.filter((o) => !before.everHeld.get(p)!.has(o)), [], `never-held addresses left when ${r.value.address} was reused`);
          }
        }
        break;
      }
      case 'dual': {
        const name = `d${op.owner}`;
        const v4 = poolOrder(pools, 'ipv4', op.v4order);
        const v6 = poolOrder(pools, 'ipv6', op.v6order);
        const before = model.snapshot();
        const allBefore = space.allocations();
        const stateBefore = space.exportState();
        const a = model.allocate(name, v4);
        const b = model.allocate(name, v6);
        const modelOk = a.includes('.') && b.includes(':');
        if (!modelOk) model.restore(before);
        const r = space.allocateMany([
          { owner: name, poolIds: v4.map((p) => p.id) },
          { owner: name, poolIds: v6.map((p) => p.id) },
        ]);
        same(r.ok, modelOk, `dual ${JSON.stringify(op)} succeeded`);
        if (r.ok) {
          same(r.value.map((x) => x.address), [a, b], 'dual addresses');
          same(space.allocationsOf(name).map((x) => x.family), ['ipv4', 'ipv6'], 'dual families held');
        } else {
          // Atomic: nothing changed, not even a cursor.
          same(space.allocations(), allBefore, 'holdings after a failed dual-stack request');
          same(space.exportState(), stateBefore, 'cursors after a failed dual-stack request');
        }
        break;
      }
      case 'reserve': {
        const name = `o${op.owner}`;
        const p = poolOrder(pools, op.family, op.pool)[0]!;
        const offset = op.offset % p.size;
        const expected = model.reserve(name, p, offset);
        const r = space.reserve(name, p.text(offset), [p.id]);
        same(r.ok ? r.value.address : r.error.code, expected, `${op.kind} ${JSON.stringify(op)}`);
        break;
      }
      case 'release': {
        model.release(`o${op.owner}`);
        model.release(`d${op.owner}`);
        space.release(`o${op.owner}`);
        space.release(`d${op.owner}`);
        break;
      }
      case 'rerender':
        space = rerender(space, pools, op.seed);
        break;
    }
    checkInvariants(space, model, pools);
  }
}

describe('address space properties (IPv4 and IPv6 pools)', () => {
  it('matches the next-fit model and keeps every invariant, with user-chosen addresses', () => {
    fc.assert(
      fc.property(setupArb, fc.array(opArb(true), { minLength: 20, maxLength: 120 }), (setup, ops) => {
        run(ops, buildPools(setup), false);
      }),
      { numRuns: 400 },
    );
  });

  it('reuses an address only after every usable address of its pool was held once (allocate only)', () => {
    fc.assert(
      fc.property(setupArb, fc.array(opArb(false), { minLength: 20, maxLength: 150 }), (setup, ops) => {
        run(ops, buildPools(setup), true);
      }),
      { numRuns: 400 },
    );
  });
});
