/**
 * The commit of a render (ledger/address-commit.ts) without etcd: a snapshot seeded in memory with
 * records in the ledger's own layout, spaces the step would have left, and the exact puts and
 * deletes the edge would write - allocations, releases, a chunk that goes, pool-prefix frees,
 * clusters a render does not speak for, and puts left out when the ledger already holds them.
 */
import {
  addressCommit,
  addressFrees,
  AddressCommitInput,
  freePlaces,
  guardedPlan,
  holdingScope,
  LedgerWrites,
  opsOf,
} from '../../src/ledger/address-commit';
import { chunkRecordOf, withoutPrefix, withoutSlot } from '../../src/ledger/slots';
import type { RenderFacts } from '../../src/ledger/render-facts';
import { LedgerKeys } from '../../src/ledger/keys';
import type { OwnerRecord, PackageRecord, PrefixPoolRecord } from '../../src/ledger/keys';
import { niSnapshot, Snapshot } from '../../src/ledger/snapshot';
import { LedgerSpace } from '../../src/ledger/space';
import { VlanEdge } from '../../src/ledger/vlan-edge';
import { Pool } from '../../src/ipam/pool';
import { unwrap } from '../ipam/helpers';

const NI = 'vpc-n3';
const V4 = '10.0.0.0/24';
const PREFIXES = '10.1.0.0/24';
const LEDGER = 'etcd http://127.0.0.1:2379 /netpipe';
const keys = new LedgerKeys('/netpipe');
const PKG = 'edge1-pkg';

/** A snapshot that never reaches etcd: every key the phases read is seeded here. */
function snapshot(records: Readonly<Record<string, unknown>>, absent: readonly string[] = []): Snapshot {
  const noIo = {
    txn: () => Promise.reject(new Error('the commit must not read etcd')),
    range: () => Promise.reject(new Error('the commit must not read etcd')),
  };
  const snap = new Snapshot(noIo, keys);
  for (const [key, value] of Object.entries(records)) snap.kv.set(key, { key, value: JSON.stringify(value), modRevision: '7', createRevision: '3' });
  for (const key of absent) snap.kv.set(key, null);
  return snap;
}

/** Facts of a render of package PKG (cluster edge1) containing `bindings` on NI. */
function facts(bindings: readonly string[], clusters: readonly string[] = ['edge1']): RenderFacts {
  const claims = bindings.map((binding) => ({ ni: NI, binding, cluster: binding.slice(0, binding.indexOf('/')), pkg: PKG }));
  return {
    claims,
    bindingPackage: new Map(claims.map((c) => [`${c.ni}|${c.binding}`, c.pkg])),
    packages: [PKG],
    clusters: new Set(clusters),
    nis: [NI],
    pools: [],
    aggregates: [],
    poolResults: [],
    packageOf: () => PKG,
    vlanClaims: [],
    vlanIndexes: [],
  };
}

function space(snap: Snapshot, released: readonly string[] = []): LedgerSpace {
  const s = new LedgerSpace(niSnapshot(snap, keys, NI), keys, () => PKG, LEDGER, (owner) => released.includes(owner));
  unwrap(s.addPool({ prefix: V4 }));
  return s;
}

const pools = new Map([[NI, [unwrap(Pool.create({ prefix: V4 })), unwrap(Pool.create({ prefix: PREFIXES }))]]]);

/** The phases after the step, as the edge runs them; the snapshot must already hold what the frees read. */
function commitOf(f: RenderFacts, snap: Snapshot, spaces: ReadonlyMap<string, LedgerSpace>): { writes: LedgerWrites; input: AddressCommitInput } {
  const scope = holdingScope(f, snap, keys);
  const frees = addressFrees(f, snap, keys, spaces, scope.releasable);
  const input: AddressCommitInput = {
    facts: f,
    keys,
    items: [],
    frees,
    places: freePlaces(frees, pools, keys),
    vlans: new VlanEdge(snap, keys, LEDGER),
    heldIndexes: scope.heldIndexes,
    subnets: new Map(),
    publish: new Map(),
  };
  return { writes: addressCommit(input, snap, spaces), input };
}

const decoded = (w: LedgerWrites): Record<string, unknown> => Object.fromEntries([...w.puts].map(([k, v]) => [k, JSON.parse(v)]));

const owner = (address: string, extra: Partial<OwnerRecord> = {}): OwnerRecord => ({ address, prefix: `${address}/24`, pool: V4, cluster: 'edge1', package: PKG, ...extra });
const pkg = (...owners: string[]): PackageRecord => ({ holdings: owners.map((o) => ({ ni: NI, owner: o })) });

describe('addressCommit: what a render writes', () => {
  it('a first allocation writes its chunk, owner, affinity, carving and package record, and deletes nothing', () => {
    const chunk0 = keys.chunk(NI, V4, 0n);
    const snap = snapshot({}, [keys.owner(NI, 'edge1/ns/a'), keys.package(PKG), keys.affinity(NI, 'edge1'), keys.carve(NI), chunk0]);
    snap.carved.set(NI, new Map([[`${V4}|edge1`, [0n]]]));
    const s = space(snap);
    expect(unwrap(s.allocate('edge1/ns/a', [V4])).prefix).toBe('10.0.0.2/24');
    const { writes } = commitOf(facts(['edge1/ns/a']), snap, new Map([[NI, s]]));
    expect(decoded(writes)).toEqual({
      [chunk0]: { cluster: 'edge1', cursor: 2, held: { 2: ['edge1/ns/a', PKG] } },
      [keys.owner(NI, 'edge1/ns/a')]: owner('10.0.0.2'),
      [keys.affinity(NI, 'edge1')]: { [V4]: '0' },
      [keys.carve(NI)]: { [V4]: '1' },
      [keys.package(PKG)]: pkg('edge1/ns/a'),
    });
    expect(writes.deletes).toEqual([]);
    expect([...writes.slotKeys]).toEqual([chunk0]);
    // Record bytes as the ledger stores them: key order of each record is part of the layout.
    expect(writes.puts.get(keys.owner(NI, 'edge1/ns/a'))).toBe('{"address":"10.0.0.2","prefix":"10.0.0.2/24","pool":"10.0.0.0/24","cluster":"edge1","package":"edge1-pkg"}');
  });

  it('a claim the render no longer contains is released: its slot, owner record and package entry go', () => {
    const chunk0 = keys.chunk(NI, V4, 0n);
    const snap = snapshot({
      [keys.package(PKG)]: pkg('edge1/ns/gone', 'edge1/ns/kept'),
      [keys.owner(NI, 'edge1/ns/gone')]: owner('10.0.0.5'),
      [keys.owner(NI, 'edge1/ns/kept')]: owner('10.0.0.6'),
      [chunk0]: { cluster: 'edge1', cursor: 6, held: { 5: ['edge1/ns/gone', PKG], 6: ['edge1/ns/kept', PKG] } },
      [keys.affinity(NI, 'edge1')]: { [V4]: '0' },
    });
    const s = space(snap, ['edge1/ns/gone']);
    expect(unwrap(s.reserve('edge1/ns/kept', '10.0.0.6', [V4])).address).toBe('10.0.0.6');
    const { writes } = commitOf(facts(['edge1/ns/kept']), snap, new Map([[NI, s]]));
    expect(decoded(writes)).toEqual({
      // The cursor stays: a freed address is reused only once every chunk was carved.
      [chunk0]: { cluster: 'edge1', cursor: 6, held: { 6: ['edge1/ns/kept', PKG] } },
      [keys.package(PKG)]: pkg('edge1/ns/kept'),
    });
    expect(writes.deletes).toEqual([keys.owner(NI, 'edge1/ns/gone')]);
  });

  it('a chunk nothing was allocated from that holds nothing more is deleted, not written empty', () => {
    const chunk1 = keys.chunk(NI, V4, 1n);
    const snap = snapshot({
      [keys.package(PKG)]: pkg('edge1/ns/adopted'),
      [keys.owner(NI, 'edge1/ns/adopted')]: owner('10.0.0.70'),
      [chunk1]: { cluster: 'edge1', cursor: null, held: { 6: ['edge1/ns/adopted', PKG] } },
    });
    const { writes } = commitOf(facts([]), snap, new Map([[NI, space(snap)]]));
    expect(writes.deletes).toEqual([chunk1, keys.owner(NI, 'edge1/ns/adopted')]);
    expect(decoded(writes)).toEqual({ [keys.package(PKG)]: { holdings: [] } });
    expect(opsOf(writes)).toEqual([
      { put: keys.package(PKG), value: '{"holdings":[]}' },
      { del: chunk1 },
      { del: keys.owner(NI, 'edge1/ns/adopted') },
    ]);
  });

  it("a pool claim's prefix is removed from its pool-prefix record", () => {
    const prefixKey = keys.prefixPool(NI, PREFIXES);
    const held: PrefixPoolRecord = { cursor: '10.1.0.31', held: { '10.1.0.0/28': ['edge1/ns/p', PKG], '10.1.0.16/28': ['edge1/ns/q', PKG] } };
    const snap = snapshot({
      [keys.package(PKG)]: pkg('edge1/ns/p'),
      [keys.owner(NI, 'edge1/ns/p')]: { address: '10.1.0.0/28', prefix: '10.1.0.0/28', pool: PREFIXES, cluster: 'edge1', package: PKG, block: true },
      [prefixKey]: held,
    });
    const f = facts([]);
    const frees = addressFrees(f, snap, keys, new Map(), holdingScope(f, snap, keys).releasable);
    expect(freePlaces(frees, pools, keys)).toEqual({ prefixKeys: [prefixKey], chunks: [] });
    const { writes } = commitOf(f, snap, new Map());
    expect(decoded(writes)[prefixKey]).toEqual({ cursor: '10.1.0.31', held: { '10.1.0.16/28': ['edge1/ns/q', PKG] } });
    expect(writes.deletes).toEqual([keys.owner(NI, 'edge1/ns/p')]);
  });

  it('a holding of a cluster the render does not name stays, with its package entry', () => {
    const snap = snapshot({
      [keys.package(PKG)]: pkg('edge2/ns/other'),
      [keys.owner(NI, 'edge2/ns/other')]: owner('10.0.0.9', { cluster: 'edge2' }),
    });
    const f = facts([]);
    expect(holdingScope(f, snap, keys).releasable).toEqual([]);
    const { writes } = commitOf(f, snap, new Map());
    expect(writes.puts.size).toBe(0);
    expect(writes.deletes).toEqual([]);
  });

  it('writes nothing when the ledger already holds every record as the render leaves it', () => {
    const chunk0 = keys.chunk(NI, V4, 0n);
    const snap = snapshot({
      [keys.package(PKG)]: pkg('edge1/ns/a'),
      [keys.owner(NI, 'edge1/ns/a')]: owner('10.0.0.2'),
      [chunk0]: { cluster: 'edge1', cursor: 2, held: { 2: ['edge1/ns/a', PKG] } },
      [keys.affinity(NI, 'edge1')]: { [V4]: '0' },
    });
    const s = space(snap);
    unwrap(s.reserve('edge1/ns/a', '10.0.0.2', [V4]));
    const { writes } = commitOf(facts(['edge1/ns/a']), snap, new Map([[NI, s]]));
    expect(writes.deletes).toEqual([]);
    expect([...writes.puts.keys()]).toEqual([]);
  });

  it('is deterministic: the same snapshot and spaces give the same bytes', () => {
    const run = (): string => {
      const snap = snapshot({}, [keys.owner(NI, 'edge1/ns/b'), keys.owner(NI, 'edge1/ns/a'), keys.package(PKG), keys.affinity(NI, 'edge1'), keys.carve(NI), keys.chunk(NI, V4, 0n)]);
      snap.carved.set(NI, new Map([[`${V4}|edge1`, [0n]]]));
      const s = space(snap);
      unwrap(s.allocate('edge1/ns/b', [V4]));
      unwrap(s.allocate('edge1/ns/a', [V4]));
      return JSON.stringify(opsOf(commitOf(facts(['edge1/ns/b', 'edge1/ns/a']), snap, new Map([[NI, s]])).writes));
    };
    expect(run()).toBe(run());
    expect(JSON.parse(run())).toContainEqual({ put: keys.package(PKG), value: JSON.stringify(pkg('edge1/ns/a', 'edge1/ns/b')) });
  });

  it("the guarded plan names each owner key's identity and package, freed ones by their record", () => {
    const snap = snapshot({
      [keys.package(PKG)]: pkg('edge1/ns/gone'),
      [keys.owner(NI, 'edge1/ns/gone')]: owner('10.0.0.5', { package: PKG }),
      [keys.chunk(NI, V4, 0n)]: { cluster: 'edge1', cursor: 5, held: { 5: ['edge1/ns/gone', PKG] } },
    });
    const { writes, input } = commitOf(facts([]), snap, new Map([[NI, space(snap)]]));
    const plan = guardedPlan(input, writes, [...snap.kv.keys()]);
    expect([...plan.owners]).toEqual([[keys.owner(NI, 'edge1/ns/gone'), 'edge1/ns/gone']]);
    expect([...plan.ownerPackage]).toEqual([[keys.owner(NI, 'edge1/ns/gone'), keys.package(PKG)]]);
    expect([...plan.slotKeys]).toEqual([keys.chunk(NI, V4, 0n)]);
    expect(plan.alwaysGuard).toEqual([keys.pools(NI)]);
    expect(plan.unguardedWhenSplit(keys.chunk(NI, V4, 0n))).toBe(true);
    expect(plan.unguardedWhenSplit(keys.package(PKG))).toBe(false);
  });
});

describe('removing a holding from a slot record', () => {
  const chunk = { key: 'k', poolId: V4, index: 0n, exists: true, cluster: 'edge1', cursor: 9, held: new Map<number, readonly [string, string]>([[5, ['a', PKG]], [9, ['b', PKG]]]) };

  it("frees the slot only when it is the owner's, and never changes the record it was given", () => {
    const after = withoutSlot(chunk, 5, 'a');
    expect([...after.held.keys()]).toEqual([9]);
    expect([...chunk.held.keys()]).toEqual([5, 9]);
    expect(withoutSlot(chunk, 5, 'b')).toBe(chunk);
    const rec: PrefixPoolRecord = { cursor: null, held: { '10.1.0.0/28': ['a', PKG] } };
    expect(withoutPrefix(rec, '10.1.0.0/28', 'a').held).toEqual({});
    expect(withoutPrefix(rec, '10.1.0.0/28', 'b')).toBe(rec);
    expect(rec.held).toEqual({ '10.1.0.0/28': ['a', PKG] });
  });

  it('a chunk record lists offsets in order; an unused empty chunk has none', () => {
    expect(JSON.stringify(chunkRecordOf({ cluster: 'c', cursor: 9, held: new Map([[9, ['b', PKG]], [5, ['a', PKG]]]) }))).toBe('{"cluster":"c","cursor":9,"held":{"5":["a","edge1-pkg"],"9":["b","edge1-pkg"]}}');
    expect(chunkRecordOf({ cluster: 'c', cursor: null, held: new Map() })).toBeUndefined();
    expect(chunkRecordOf({ cluster: 'c', cursor: 0, held: new Map() })).toEqual({ cluster: 'c', cursor: 0, held: {} });
  });
});
