/**
 * The shared ledger's address space (ledger/space.ts) without etcd: a hand-built snapshot of one
 * network instance, the same shape the edge builds from its keys, and the rules the space applies
 * to it - chunks carved per cluster, next-fit inside a block, borrowing once every block is carved,
 * conflicts named with their packages, and the wants that make the edge load more.
 */
import { chunkAddress, chunkBits, chunkCount, chunkIndexOf, chunkPlaceOf } from '../../src/ledger/chunks';
import { LedgerKeys } from '../../src/ledger/keys';
import type { OwnerRecord, PrefixPoolRecord } from '../../src/ledger/keys';
import { LedgerSpace, NiSnapshot } from '../../src/ledger/space';
import type { ChunkState } from '../../src/ledger/slots';
import type { PoolSpec } from '../../src/ipam';
import { errorOf, pool, unwrap } from '../ipam/helpers';

const NI = 'vpc-n3';
const V4 = '10.0.0.0/24';
const keys = new LedgerKeys('/netpipe');
const LEDGER = 'etcd http://127.0.0.1:2379 /netpipe';

/** The package of a binding in these tests: `<cluster>-pkg`. */
const packageOf = (owner: string): string => `${owner.slice(0, owner.indexOf('/'))}-pkg`;

interface ChunkSeed {
  readonly cluster?: string;
  readonly cursor?: number | null;
  /** Offset -> holder binding (its package follows from the binding). */
  readonly held?: Readonly<Record<number, string>>;
  /** false: a block the edge loaded as absent (a freshly carved one). */
  readonly exists?: boolean;
}

function chunk(poolId: string, index: bigint, seed: ChunkSeed = {}): ChunkState {
  const held = new Map<number, readonly [string, string]>();
  for (const [o, owner] of Object.entries(seed.held ?? {})) held.set(Number(o), [owner, packageOf(owner)]);
  return {
    key: keys.chunk(NI, poolId, index),
    poolId,
    index,
    exists: seed.exists ?? true,
    cluster: seed.cluster ?? '',
    cursor: seed.cursor ?? null,
    held,
  };
}

/** Every offset of a 64-address block held by `owner-<offset>` of `cluster`, but `free`. */
function fullExcept(cluster: string, free: readonly number[], size = 64): Record<number, string> {
  const out: Record<number, string> = {};
  for (let o = 0; o < size; o++) if (!free.includes(o)) out[o] = `${cluster}/ns/holder-${o}`;
  return out;
}

interface SnapshotSeed {
  readonly owners?: Readonly<Record<string, OwnerRecord>>;
  readonly chunks?: readonly ChunkState[];
  /** Cluster -> pool -> current block. */
  readonly affinity?: Readonly<Record<string, Readonly<Record<string, bigint>>>>;
  /** `pool|cluster` -> chunks carved for this render. */
  readonly carved?: Readonly<Record<string, readonly bigint[]>>;
  readonly borrow?: readonly string[];
  readonly prefixPools?: Readonly<Record<string, PrefixPoolRecord | null>>;
}

function snapshot(seed: SnapshotSeed = {}): NiSnapshot {
  return {
    ni: NI,
    owners: new Map(Object.entries(seed.owners ?? {})),
    chunks: new Map((seed.chunks ?? []).map((b) => [b.key, b])),
    affinity: new Map(Object.entries(seed.affinity ?? {}).map(([c, byPool]) => [c, new Map(Object.entries(byPool))])),
    carved: new Map(Object.entries(seed.carved ?? {})),
    borrow: new Set(seed.borrow ?? []),
    prefixPools: new Map(Object.entries(seed.prefixPools ?? {})),
  };
}

function spaceOf(seed: SnapshotSeed, pools: readonly (string | PoolSpec)[] = [V4]): LedgerSpace {
  const s = new LedgerSpace(snapshot(seed), keys, packageOf, LEDGER);
  for (const p of pools) unwrap(s.addPool(typeof p === 'string' ? { prefix: p } : p));
  return s;
}

/** The touched block's holdings as offset -> binding, and its cursor and cluster. */
function touched(s: LedgerSpace, poolId: string, index: bigint): { cluster: string; cursor: number | null; held: Record<number, string> } | undefined {
  const b = s.touched.get(keys.chunk(NI, poolId, index));
  if (!b) return undefined;
  const held: Record<number, string> = {};
  for (const [o, [owner, pkg]] of b.held) {
    expect(pkg).toBe(packageOf(owner));
    held[o] = owner;
  }
  return { cluster: b.cluster, cursor: b.cursor, held };
}

describe('block geometry', () => {
  it.each([
    ['10.0.0.0/24', 6, 4n],
    ['10.0.0.0/16', 6, 1024n],
    ['10.0.0.16/28', 2, 4n],
    ['10.0.0.0/30', 0, 4n],
    ['10.0.0.9/32', 0, 1n],
    ['2001:db8::/64', 6, 1n << 58n],
    ['2001:db8::/126', 0, 4n],
  ])('%s: chunks of 2^%i addresses, %s of them', (prefix, bits, count) => {
    const p = pool(prefix);
    expect(chunkBits(p)).toBe(bits);
    expect(chunkCount(p)).toBe(count);
  });

  it('an address belongs to the block its offset from the pool start falls in', () => {
    const p = pool('10.0.0.0/24');
    expect(chunkIndexOf(p, p.network + 63n)).toBe(0n);
    expect(chunkIndexOf(p, p.network + 64n)).toBe(1n);
    expect(chunkIndexOf(p, p.network + 255n)).toBe(3n);
    const v6 = pool('2001:db8::/64');
    expect(chunkIndexOf(v6, v6.network + 0x10000n)).toBe(1024n);
    expect(chunkPlaceOf(p, p.network + 70n)).toEqual({ index: 1n, offset: 6 });
    expect(chunkAddress(p, 1n, 6)).toBe(p.network + 70n);
    expect(chunkPlaceOf(v6, v6.network + 0x10005n)).toEqual({ index: 1024n, offset: 5 });
    expect(keys.chunk(NI, v6.id, 1024n)).toBe(`/netpipe/v1/ni/vpc-n3/block/2001%3Adb8%3A%3A%2F64/${'400'.padStart(32, '0')}`);
  });
});

describe('allocate: a cluster in its own chunks', () => {
  it('a cluster without a block asks for one to be carved, and changes nothing', () => {
    const s = spaceOf({});
    const e = errorOf(s.allocate('edge1/ns/a', [V4]));
    expect(e.code).toBe('ledger-pending');
    expect(s.wants).toEqual([{ kind: 'carve', ni: NI, poolId: V4, cluster: 'edge1' }]);
    expect(s.touched.size).toBe(0);
    expect(s.allocations()).toEqual([]);
  });

  it('takes the first usable address of a freshly carved block and makes the block its own', () => {
    const s = spaceOf({ carved: { [`${V4}|edge1`]: [0n] }, chunks: [chunk(V4, 0n, { exists: false })] });
    expect(unwrap(s.allocate('edge1/ns/a', [V4])).prefix).toBe('10.0.0.2/24');
    expect(touched(s, V4, 0n)).toEqual({ cluster: 'edge1', cursor: 2, held: { 2: 'edge1/ns/a' } });
    expect(s.wants).toEqual([]);
  });

  it('asks for the current block when the snapshot lacks it', () => {
    const s = spaceOf({ affinity: { edge1: { [V4]: 2n } } });
    expect(errorOf(s.allocate('edge1/ns/a', [V4])).code).toBe('ledger-pending');
    expect(s.wants).toEqual([{ kind: 'chunk', ni: NI, poolId: V4, index: 2n }]);
  });

  it('continues after the cursor of the current block (next-fit), so a freed address waits', () => {
    const s = spaceOf({ affinity: { edge1: { [V4]: 0n } }, chunks: [chunk(V4, 0n, { cluster: 'edge1', cursor: 5, held: { 5: 'edge1/ns/old' } })] });
    expect(unwrap(s.allocate('edge1/ns/a', [V4])).address).toBe('10.0.0.6');
    expect(unwrap(s.allocate('edge1/ns/b', [V4])).address).toBe('10.0.0.7');
    expect(s.release('edge1/ns/a').map((a) => a.address)).toEqual(['10.0.0.6']);
    expect(unwrap(s.allocate('edge1/ns/c', [V4])).address).toBe('10.0.0.8');
    expect(touched(s, V4, 0n)).toEqual({ cluster: 'edge1', cursor: 8, held: { 5: 'edge1/ns/old', 7: 'edge1/ns/b', 8: 'edge1/ns/c' } });
  });

  it('a block starts at its own first address: offset 0 of block 1 is usable, the network address is not', () => {
    const s = spaceOf({ affinity: { edge1: { [V4]: 1n } }, chunks: [chunk(V4, 1n, { cluster: 'edge1' })] });
    expect(unwrap(s.allocate('edge1/ns/a', [V4])).address).toBe('10.0.0.64');
    expect(touched(s, V4, 1n)?.held).toEqual({ 0: 'edge1/ns/a' });
  });

  it('never leaves its block: a block whose cursor is at its last offset asks for a new one', () => {
    const s = spaceOf({ affinity: { edge1: { [V4]: 1n } }, chunks: [chunk(V4, 1n, { cluster: 'edge1', cursor: 63, held: { 63: 'edge1/ns/x' } })] });
    expect(errorOf(s.allocate('edge1/ns/a', [V4])).code).toBe('ledger-pending');
    expect(s.wants).toEqual([{ kind: 'carve', ni: NI, poolId: V4, cluster: 'edge1' }]);
    expect(s.holderOf('10.0.0.128')).toBeUndefined();
  });

  it('skips the broadcast address at the end of the last block', () => {
    const s = spaceOf({ affinity: { edge1: { [V4]: 3n } }, chunks: [chunk(V4, 3n, { cluster: 'edge1', cursor: 61 })] });
    expect(unwrap(s.allocate('edge1/ns/a', [V4])).address).toBe('10.0.0.254');
    expect(errorOf(s.allocate('edge1/ns/b', [V4])).code).toBe('ledger-pending');
  });

  it('does not reuse a free offset before the cursor while chunks remain to carve', () => {
    const held = fullExcept('edge1', [0, 1, 3]);
    const s = spaceOf({ affinity: { edge1: { [V4]: 0n } }, chunks: [chunk(V4, 0n, { cluster: 'edge1', cursor: 63, held })] });
    expect(errorOf(s.allocate('edge1/ns/a', [V4])).code).toBe('ledger-pending');
    expect(s.wants.map((w) => w.kind)).toEqual(['carve']);
  });

  it('moves on to the chunks carved for this render, in order', () => {
    const s = spaceOf({
      affinity: { edge1: { [V4]: 0n } },
      carved: { [`${V4}|edge1`]: [2n, 3n] },
      chunks: [chunk(V4, 0n, { cluster: 'edge1', cursor: 63, held: fullExcept('edge1', [0, 1]) }), chunk(V4, 2n, { exists: false }), chunk(V4, 3n, { exists: false })],
    });
    expect(unwrap(s.allocate('edge1/ns/a', [V4])).address).toBe('10.0.0.128');
    expect(touched(s, V4, 2n)).toEqual({ cluster: 'edge1', cursor: 0, held: { 0: 'edge1/ns/a' } });
    expect(touched(s, V4, 3n)).toBeUndefined();
  });

  it('small pools have small chunks: a /28 is four chunks of four', () => {
    const p = '10.0.0.16/28';
    const s = spaceOf({ affinity: { edge1: { [p]: 0n } }, chunks: [chunk(p, 0n, { cluster: 'edge1' })] }, [p]);
    expect(unwrap(s.allocate('edge1/ns/a', [p])).address).toBe('10.0.0.18');
    expect(unwrap(s.allocate('edge1/ns/b', [p])).address).toBe('10.0.0.19');
    expect(errorOf(s.allocate('edge1/ns/c', [p])).code).toBe('ledger-pending');
    expect(touched(s, p, 0n)).toEqual({ cluster: 'edge1', cursor: 3, held: { 2: 'edge1/ns/a', 3: 'edge1/ns/b' } });
  });

  it('IPv6: the block index is a 128-bit offset, not a number that overflows', () => {
    const p = '2001:db8::/64';
    const far = 1n << 57n;
    const s = spaceOf({ affinity: { edge1: { [p]: far } }, chunks: [chunk(p, far, { cluster: 'edge1', cursor: 9 })] }, [p]);
    expect(unwrap(s.allocate('edge1/ns/a', [p])).address).toBe('2001:db8::8000:0:0:a');
  });

  it('gives an identity back what the ledger already records for it, without looking at chunks', () => {
    const owners = { 'edge1/ns/a': { address: '10.0.0.9', prefix: '10.0.0.9/24', pool: V4, cluster: 'edge1', package: 'edge1-pkg' } };
    const s = spaceOf({ owners });
    expect(unwrap(s.allocate('edge1/ns/a', [V4])).address).toBe('10.0.0.9');
    expect(s.wants).toEqual([]);
  });
});

describe('reserve: recorded addresses', () => {
  it('a binding the ledger records needs no block', () => {
    const owners = { 'edge1/ns/a': { address: '10.0.0.130', prefix: '10.0.0.130/24', pool: V4, cluster: 'edge1', package: 'edge1-pkg' } };
    const s = spaceOf({ owners });
    expect(unwrap(s.reserve('edge1/ns/a', '10.0.0.130/24')).address).toBe('10.0.0.130');
    expect(s.wants).toEqual([]);
    expect(s.touched.size).toBe(0);
  });

  it('any other recorded address waits for its block, then is held at its offset in that block', () => {
    const first = spaceOf({});
    expect(errorOf(first.reserve('edge1/ns/a', '10.0.0.130/24')).code).toBe('ledger-pending');
    expect(first.wants).toEqual([{ kind: 'chunk', ni: NI, poolId: V4, index: 2n }]);
    const s = spaceOf({ chunks: [chunk(V4, 2n, { exists: false })] });
    unwrap(s.reserve('edge1/ns/a', '10.0.0.130/24'));
    expect(touched(s, V4, 2n)).toEqual({ cluster: 'edge1', cursor: null, held: { 2: 'edge1/ns/a' } });
  });

  it('an address another identity holds in the ledger is a conflict naming both and their packages', () => {
    const s = spaceOf({ chunks: [chunk(V4, 0n, { cluster: 'edge2', held: { 7: 'edge2/ns/x' } })] });
    const e = errorOf(s.reserve('edge1/ns/y', '10.0.0.7/24'));
    expect(e.code).toBe('address-conflict');
    expect(e.owners).toEqual(['edge2/ns/x', 'edge1/ns/y']);
    expect(e.address).toBe('10.0.0.7');
    expect(e.pools).toEqual([V4]);
    expect(e.message).toContain(`held in the shared ledger (${LEDGER}) by "edge2/ns/x" of package edge2-pkg`);
    expect(e.message).toContain('claimed by "edge1/ns/y" of package edge1-pkg');
    expect(s.touched.size).toBe(0);
    expect(s.holderOf('10.0.0.7')).toBeUndefined();
  });

  it('an address held by an identity this render releases goes to the claim that inherited it (a rename)', () => {
    const seed = { chunks: [chunk(V4, 0n, { cluster: 'edge1', held: { 7: 'edge1/ns/upf-n4-ipv4' } })] };
    const s = new LedgerSpace(snapshot(seed), keys, packageOf, LEDGER, (owner) => owner === 'edge1/ns/upf-n4-ipv4');
    unwrap(s.addPool({ prefix: V4 }));
    unwrap(s.reserve('edge1/ns/upf-pfcp-ipv4', '10.0.0.7/24'));
    expect(touched(s, V4, 0n)).toEqual({ cluster: 'edge1', cursor: null, held: { 7: 'edge1/ns/upf-pfcp-ipv4' } });
    // Held by an identity the render keeps: still a conflict.
    const kept = new LedgerSpace(snapshot(seed), keys, packageOf, LEDGER, (owner) => owner === 'edge1/ns/other');
    unwrap(kept.addPool({ prefix: V4 }));
    expect(errorOf(kept.reserve('edge1/ns/upf-pfcp-ipv4', '10.0.0.7/24')).code).toBe('address-conflict');
  });

  it("re-reserving one's own holding is no conflict and keeps the block's cluster", () => {
    const s = spaceOf({ chunks: [chunk(V4, 0n, { cluster: 'edge2', held: { 7: 'edge2/ns/x' } })] });
    unwrap(s.reserve('edge2/ns/x', '10.0.0.7/24'));
    expect(touched(s, V4, 0n)).toEqual({ cluster: 'edge2', cursor: null, held: { 7: 'edge2/ns/x' } });
  });

  it('addresses outside every pool or reserved in one fail as the allocator says, without a want', () => {
    const s = spaceOf({});
    expect(errorOf(s.reserve('edge1/ns/a', '10.9.0.1/24')).code).toBe('outside-pools');
    expect(errorOf(s.reserve('edge1/ns/a', '10.0.0.1/24')).code).toBe('reserved-address');
    expect(s.wants).toEqual([]);
  });
});

describe('borrowing once every block is carved', () => {
  // edge1 owns block 2; edge2 the others. Offsets 0 and 1 of block 0 are the network address and
  // the gateway, offset 63 of block 3 the broadcast address: reserved, never held.
  const chunks = (): ChunkState[] => [
    chunk(V4, 0n, { cluster: 'edge2', cursor: 63, held: fullExcept('edge2', [0, 1, 9]) }),
    chunk(V4, 1n, { cluster: 'edge2', cursor: 63, held: fullExcept('edge2', [5]) }),
    chunk(V4, 2n, { cluster: 'edge1', cursor: 40, held: fullExcept('edge1', [3]) }),
    chunk(V4, 3n, { cluster: 'edge2', cursor: 20, held: fullExcept('edge2', [63]) }),
  ];
  const seed = (): SnapshotSeed => ({ affinity: { edge1: { [V4]: 2n } }, chunks: chunks(), borrow: [V4] });

  it("wraps inside the cluster's own chunks first: a freed address is reused", () => {
    const s = spaceOf(seed());
    expect(unwrap(s.allocate('edge1/ns/a', [V4])).address).toBe('10.0.0.131');
    expect(touched(s, V4, 2n)?.cursor).toBe(3);
  });

  it("then borrows from other clusters' chunks, lowest first, leaving them theirs", () => {
    const s = spaceOf(seed());
    unwrap(s.allocate('edge1/ns/a', [V4]));
    expect(unwrap(s.allocate('edge1/ns/b', [V4])).address).toBe('10.0.0.9');
    expect(touched(s, V4, 0n)).toMatchObject({ cluster: 'edge2', cursor: 9 });
    expect(unwrap(s.allocate('edge1/ns/c', [V4])).address).toBe('10.0.0.69');
    expect(touched(s, V4, 1n)).toMatchObject({ cluster: 'edge2', cursor: 5 });
  });

  it('with no room anywhere, the pool is exhausted: the error names the owner and the pools', () => {
    const s = spaceOf(seed());
    for (const o of ['a', 'b', 'c']) unwrap(s.allocate(`edge1/ns/${o}`, [V4]));
    const e = errorOf(s.allocate('edge1/ns/d', [V4]));
    expect(e.code).toBe('exhausted');
    expect(e.owners).toEqual(['edge1/ns/d']);
    expect(e.pools).toEqual([V4]);
    expect(e.message).toContain(`in the shared ledger (${LEDGER})`);
    expect(s.wants).toEqual([]);
  });
});

describe('allocateMany: all families or none', () => {
  const V6 = '2001:db8:6::/126';
  // A /126 is four one-address chunks: ::0 (anycast) and ::1 (gateway) reserved, ::2 and ::3 held.
  const v6Full = (): ChunkState[] => [0n, 1n, 2n, 3n].map((i) => chunk(V6, i, { cluster: 'edge2', cursor: 0, held: i >= 2n ? { 0: `edge2/ns/v6-${i}` } : {} }));

  it('when the second family has no room, the first is handed back and the chunks are as before', () => {
    const s = spaceOf(
      { affinity: { edge1: { [V4]: 0n } }, chunks: [chunk(V4, 0n, { cluster: 'edge1' }), ...v6Full()], borrow: [V6] },
      [V4, V6],
    );
    const e = errorOf(s.allocateMany([{ owner: 'edge1/ns/a', poolIds: [V4] }, { owner: 'edge1/ns/a', poolIds: [V6] }]));
    expect(e.code).toBe('exhausted');
    expect(e.message).toMatch(/^nothing was allocated for "edge1\/ns\/a" \(all families or none\): /);
    expect(s.allocationsOf('edge1/ns/a')).toEqual([]);
    expect(s.touched.size).toBe(0);
  });

  it('a pending second family rolls back too and passes the want on', () => {
    const s = spaceOf({ affinity: { edge1: { [V4]: 0n } }, chunks: [chunk(V4, 0n, { cluster: 'edge1' })] }, [V4, V6]);
    const e = errorOf(s.allocateMany([{ owner: 'edge1/ns/a', poolIds: [V4] }, { owner: 'edge1/ns/a', poolIds: [V6] }]));
    expect(e.code).toBe('ledger-pending');
    expect(s.wants).toEqual([{ kind: 'carve', ni: NI, poolId: V6, cluster: 'edge1' }]);
    expect(s.allocationsOf('edge1/ns/a')).toEqual([]);
    expect(s.touched.size).toBe(0);
  });
});

describe('release', () => {
  it("removes the owner's holding from its block and nothing else", () => {
    const s = spaceOf({ affinity: { edge1: { [V4]: 0n } }, chunks: [chunk(V4, 0n, { cluster: 'edge1', cursor: 2, held: { 2: 'edge1/ns/old' } })] });
    unwrap(s.reserve('edge1/ns/old', '10.0.0.2/24'));
    unwrap(s.allocate('edge1/ns/a', [V4]));
    expect(s.release('edge1/ns/old').map((a) => a.address)).toEqual(['10.0.0.2']);
    expect(touched(s, V4, 0n)).toEqual({ cluster: 'edge1', cursor: 3, held: { 3: 'edge1/ns/a' } });
    expect(s.release('edge1/ns/nobody')).toEqual([]);
  });
});

describe('aligned prefixes (pool claims) in a pool-kind prefix', () => {
  const UE = '10.64.0.0/16';
  // As ipam-fn adds a pool-kind prefix: no gateway.
  const UE_POOL: PoolSpec = { prefix: UE, gateway: null };

  it('waits for the prefix record of the pool, then allocates from an empty one', () => {
    const first = spaceOf({}, [UE_POOL]);
    expect(errorOf(first.allocateBlock('edge1/ns/ue', [UE], 24)).code).toBe('ledger-pending');
    expect(first.wants).toEqual([{ kind: 'prefixes', ni: NI, poolId: UE }]);
    const s = spaceOf({ prefixPools: { [UE]: null } }, [UE_POOL]);
    expect(unwrap(s.allocateBlock('edge1/ns/ue', [UE], 24)).prefix).toBe('10.64.0.0/24');
    expect(s.prefixPoolState(UE)).toEqual({ cursor: '10.64.0.255', held: { '10.64.0.0/24': ['edge1/ns/ue', 'edge1-pkg'] } });
  });

  it("continues after the ledger's cursor and keeps the package the ledger records for others", () => {
    const rec: PrefixPoolRecord = { cursor: '10.64.1.255', held: { '10.64.1.0/24': ['edge2/ns/ue', 'published-by-edge2'] } };
    const s = spaceOf({ prefixPools: { [UE]: rec } }, [UE_POOL]);
    expect(unwrap(s.allocateBlock('edge1/ns/ue', [UE], 24)).prefix).toBe('10.64.2.0/24');
    expect(s.prefixPoolState(UE)).toEqual({
      cursor: '10.64.2.255',
      held: { '10.64.1.0/24': ['edge2/ns/ue', 'published-by-edge2'], '10.64.2.0/24': ['edge1/ns/ue', 'edge1-pkg'] },
    });
    expect(s.prefixPoolState('10.65.0.0/16')).toBeUndefined();
  });

  it('a recorded prefix another identity holds names it and its package', () => {
    const rec: PrefixPoolRecord = { cursor: null, held: { '10.64.1.0/24': ['edge2/ns/ue', 'published-by-edge2'] } };
    const s = spaceOf({ prefixPools: { [UE]: rec } }, [UE_POOL]);
    const e = errorOf(s.reserveBlock('edge1/ns/ue', '10.64.1.0/24', [UE]));
    expect(e.owners).toContain('edge2/ns/ue');
    expect(e.message).toContain(`The shared ledger (${LEDGER}) records "edge2/ns/ue" of package published-by-edge2; claimed here by "edge1/ns/ue" of package edge1-pkg.`);
  });

  it('a claim recording another prefix than the ledger says how to restore it', () => {
    const owners = { 'edge1/ns/ue': { address: '10.64.3.0/24', prefix: '10.64.3.0/24', pool: UE, cluster: 'edge1', package: 'edge1-pkg', block: true as const } };
    const rec: PrefixPoolRecord = { cursor: '10.64.3.255', held: { '10.64.3.0/24': ['edge1/ns/ue', 'edge1-pkg'] } };
    const s = spaceOf({ owners, prefixPools: { [UE]: rec } }, [UE_POOL]);
    const e = errorOf(s.reserveBlock('edge1/ns/ue', '10.64.4.0/24', [UE]));
    expect(e.code).toBe('owner-conflict');
    expect(e.message).toContain('records 10.64.3.0/24 for "edge1/ns/ue", the claim records 10.64.4.0/24: restore 10.64.3.0/24 in the claim');
  });
});

describe('cursors live in the ledger, not in Git', () => {
  it('exports no cursor state and ignores imported state', () => {
    const s = spaceOf({ affinity: { edge1: { [V4]: 0n } }, chunks: [chunk(V4, 0n, { cluster: 'edge1' })] });
    unwrap(s.allocate('edge1/ns/a', [V4]));
    expect(s.exportState()).toEqual({});
    expect(unwrap(s.importState())).toEqual({ ignored: [] });
    expect(unwrap(s.allocate('edge1/ns/b', [V4])).address).toBe('10.0.0.3');
  });
});
