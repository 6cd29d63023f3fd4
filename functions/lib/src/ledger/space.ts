/**
 * An `AddressSpace` over a snapshot of the shared ledger: the allocator's own address space
 * (same pools, same reserved addresses, same checks) seeded with what the snapshot loaded, plus the
 * chunk rules that keep a render local (a cluster allocates in its own chunks).
 *
 * It never does I/O. When it needs a part of the ledger the snapshot lacks (the chunk of an
 * address a claim records, a new chunk for a cluster), it notes a `Want` and answers
 * `ledger-pending`; the edge loads what was wanted and runs the transform again from scratch.
 *
 * Next-fit, per cluster and pool: allocation continues after the cursor of the cluster's current
 * chunk; when that chunk has no never-used address left, the cluster gets a fresh chunk carved
 * from the pool. Freed addresses are reused only once every chunk of the pool has been carved,
 * and then (borrowing, as Calico does) from any chunk with room.
 */
import { formatAddress, parseAddress, parseAddressWithLength } from '../ipam/address';
import { InMemoryAddressSpace } from '../ipam/allocator';
import type { AddressSpace, Allocation, AllocationRequest, BlockAllocation, CursorState, PoolUsage } from '../ipam/address-space';
import { Pool, PoolSpec } from '../ipam/pool';
import { fail, ok, Outcome as Result } from '../ipam/result';
import type { IpFamily } from '../ipam/address';
import { chunkAddress, chunkPlaceOf, chunkSize } from './chunks';
import { LedgerKeys, OwnerRecord, PrefixPoolRecord } from './keys';
import { nextFit } from '../ipam/next-fit';
import { ChunkState, chunkOfAddress, cloneChunk, withoutSlot } from './slots';

export type Want =
  | { readonly kind: 'chunk'; readonly ni: string; readonly poolId: string; readonly index: bigint }
  | { readonly kind: 'carve'; readonly ni: string; readonly poolId: string; readonly cluster: string }
  | { readonly kind: 'prefixes'; readonly ni: string; readonly poolId: string };

/** What the snapshot knows about one network instance; the space only reads it. */
export interface NiSnapshot {
  readonly ni: string;
  /** Claim identity -> its record; identities the snapshot looked up and found absent are absent. */
  readonly owners: ReadonlyMap<string, OwnerRecord>;
  /** Loaded chunks by key. */
  readonly chunks: ReadonlyMap<string, ChunkState>;
  /** Cluster -> pool id -> index of its current chunk. */
  readonly affinity: ReadonlyMap<string, ReadonlyMap<string, bigint>>;
  /** `pool|cluster` -> fresh chunks carved for this render, in order. */
  readonly carved: ReadonlyMap<string, readonly bigint[]>;
  /** Pools with every chunk carved and loaded: allocation may borrow and wrap. */
  readonly borrow: ReadonlySet<string>;
  /** Pool id -> the prefixes held in it (null: loaded, none yet), for pool-kind prefixes loaded. */
  readonly prefixPools: ReadonlyMap<string, PrefixPoolRecord | null>;
}

export const clusterOfBinding = (binding: string): string => binding.slice(0, Math.max(0, binding.indexOf('/')));

export class LedgerSpace implements AddressSpace {
  readonly name: string;
  readonly wants: Want[] = [];
  private readonly inner: InMemoryAddressSpace;
  /** Chunks this render changed (copies of the snapshot's). */
  readonly touched = new Map<string, ChunkState>();
  /** Pool-kind prefixes whose held prefixes are loaded into the inner space. */
  readonly prefixPoolsLoaded = new Set<string>();

  constructor(
    private readonly snap: NiSnapshot,
    private readonly keys: LedgerKeys,
    private readonly packageOf: (owner: string) => string,
    /** `etcd <endpoints> <prefix>`, for messages. */
    private readonly ledgerName: string,
    /**
     * Identities this render releases (their claims left its packages): an address one of them
     * holds is free for a claim of this render - the claim a rename or a namespace move made,
     * which inherits the address in the same render.
     */
    private readonly releasedHere: (owner: string) => boolean = () => false,
  ) {
    this.name = snap.ni;
    this.inner = new InMemoryAddressSpace(snap.ni);
  }

  addPool(pool: Pool | PoolSpec): Result<Pool> {
    return this.inner.addPool(pool);
  }
  pools(): readonly Pool[] {
    return this.inner.pools();
  }

  private poolById(id: string): Pool | undefined {
    return this.inner.pools().find((p) => p.id === id);
  }

  private chunk(pool: Pool, index: bigint): ChunkState | undefined {
    const key = this.keys.chunk(this.snap.ni, pool.id, index);
    return this.touched.get(key) ?? this.snap.chunks.get(key);
  }

  private touch(b: ChunkState): ChunkState {
    let t = this.touched.get(b.key);
    if (!t) this.touched.set(b.key, (t = cloneChunk(b)));
    return t;
  }

  private pending(want: Want, what: string): Result<never> {
    this.wants.push(want);
    return fail({ code: 'ledger-pending', message: `waiting for the ledger: ${what}` });
  }

  reserve(owner: string, address: string, poolIds?: readonly string[]): Result<Allocation> {
    const slash = address.indexOf('/');
    const parsed = slash === -1 ? parseAddress(address) : parseAddressWithLength(address);
    if (!parsed.ok) return this.inner.reserve(owner, address, poolIds);
    const { family, value } = parsed.value;
    const text = formatAddress(family, value);
    const record = this.snap.owners.get(owner);
    const pool = this.inner
      .pools()
      .find((p) => p.family === family && p.contains(value) && (poolIds === undefined || poolIds.includes(p.id)));
    if (!pool || pool.reservedReason(value) !== undefined) return this.inner.reserve(owner, address, poolIds);
    // The ledger already records this binding: no need to look at its chunk.
    if (record && record.address === text && record.pool === pool.id) return this.inner.reserve(owner, address, poolIds);
    const { index, offset } = chunkPlaceOf(pool, value);
    const b = this.chunk(pool, index);
    if (!b) return this.pending({ kind: 'chunk', ni: this.snap.ni, poolId: pool.id, index }, `chunk ${index} of ${pool.id}`);
    const holder = b.held.get(offset);
    if (holder && holder[0] !== owner && !this.releasedHere(holder[0])) {
      return fail({
        code: 'address-conflict',
        message:
          `${text} in ${pool.describe()} is held in the shared ledger (${this.ledgerName}) by "${holder[0]}" of package ${holder[1] || '(unknown)'} ` +
          `and also claimed by "${owner}" of package ${this.packageOf(owner)} (a duplicate, e.g. after a Git merge); remove the address from one of the two claims so it gets a new one`,
        owners: [holder[0], owner],
        address: text,
        pools: [pool.id],
      });
    }
    const r = this.inner.reserve(owner, address, poolIds);
    if (!r.ok) return r;
    const t = this.touch(b);
    t.held.set(offset, [owner, this.packageOf(owner)]);
    if (t.cluster === '') t.cluster = clusterOfBinding(owner);
    return r;
  }

  allocate(owner: string, poolIds: readonly string[]): Result<Allocation> {
    const pools = poolIds.map((id) => this.poolById(id));
    if (pools.some((p) => p === undefined) || pools.length === 0) return this.inner.allocate(owner, poolIds);
    const family = pools[0]!.family;
    const held = this.inner.allocationsOf(owner).find((a) => a.family === family);
    if (held && poolIds.includes(held.poolId)) return ok(held);
    // Idempotent per owner: what the ledger already gave this identity (e.g. to a render killed
    // before kpt wrote the files) comes back.
    const record = this.snap.owners.get(owner);
    if (record && poolIds.includes(record.pool) && !held) {
      const r = this.inner.reserve(owner, record.address, [record.pool]);
      if (r.ok) return r;
    }
    const cluster = clusterOfBinding(owner);
    for (const pool of pools as Pool[]) {
      const current = this.snap.affinity.get(cluster)?.get(pool.id);
      if (current !== undefined) {
        const b = this.chunk(pool, current);
        if (!b) return this.pending({ kind: 'chunk', ni: this.snap.ni, poolId: pool.id, index: current }, `chunk ${current} of ${pool.id}`);
        const r = this.tryChunk(owner, pool, b, false);
        if (r) return r;
      }
      for (const index of this.snap.carved.get(`${pool.id}|${cluster}`) ?? []) {
        const b = this.chunk(pool, index);
        const r = b && this.tryChunk(owner, pool, b, false);
        if (r) return r;
      }
      if (!this.snap.borrow.has(pool.id)) {
        return this.pending({ kind: 'carve', ni: this.snap.ni, poolId: pool.id, cluster }, `a new chunk of ${pool.id} for cluster ${cluster}`);
      }
      const all = [...this.snap.chunks.values()]
        .filter((b) => b.poolId === pool.id)
        .map((b) => this.touched.get(b.key) ?? b)
        .sort((a, b) => (a.cluster === cluster) !== (b.cluster === cluster) ? (a.cluster === cluster ? -1 : 1) : a.index < b.index ? -1 : a.index > b.index ? 1 : 0);
      for (const b of all) {
        const r = this.tryChunk(owner, pool, b, true);
        if (r) return r;
      }
    }
    const usage = pools.map((p) => `${p!.describe()}: ${p!.usableSize} usable; ${p!.describeReserved()}`).join('; ');
    return fail({
      code: 'exhausted',
      message: `no free ${family} address for "${owner}" in the shared ledger (${this.ledgerName}): every address of ${usage} is held; add a prefix or release addresses (netpipe ledger status)`,
      owners: [owner],
      pools: [...poolIds],
    });
  }

  /** Next-fit inside one chunk: after its cursor; `wrap` also before it (reuse). */
  private tryChunk(owner: string, pool: Pool, b: ChunkState, wrap: boolean): Result<Allocation> | undefined {
    const size = chunkSize(pool);
    // Free: in the pool, not reserved, held neither in the ledger's chunk nor in this render.
    const free = (offset: number): boolean => {
      const value = chunkAddress(pool, b.index, offset);
      return pool.contains(value) && pool.reservedReason(value) === undefined && !b.held.has(offset) && this.inner.holderOf(formatAddress(pool.family, value)) === undefined;
    };
    const found = nextFit(0n, BigInt(size - 1), b.cursor === null ? undefined : BigInt(b.cursor), (from, before) => {
      const end = before === undefined ? size : Number(before);
      for (let o = Number(from); o < end; o++) if (free(o)) return BigInt(o);
      return undefined;
    }, wrap);
    if (found === undefined) return undefined;
    const offset = Number(found);
    const r = this.inner.reserve(owner, formatAddress(pool.family, chunkAddress(pool, b.index, offset)), [pool.id]);
    if (!r.ok) return r;
    const t = this.touch(b);
    t.held.set(offset, [owner, this.packageOf(owner)]);
    t.cursor = offset;
    if (t.cluster === '') t.cluster = clusterOfBinding(owner);
    return r;
  }

  allocateMany(requests: readonly AllocationRequest[]): Result<readonly Allocation[]> {
    const saved = new Map([...this.touched].map(([k, b]) => [k, cloneChunk(b)]));
    const before = new Set(requests.flatMap((r) => this.inner.allocationsOf(r.owner).map((a) => `${a.owner}|${a.family}`)));
    const out: Allocation[] = [];
    for (const request of requests) {
      const r = this.allocate(request.owner, request.poolIds);
      if (!r.ok) {
        for (const a of out) if (!before.has(`${a.owner}|${a.family}`)) this.inner.release(a.owner, a.family);
        this.touched.clear();
        for (const [k, b] of saved) this.touched.set(k, b);
        if (r.error.code === 'ledger-pending') return r;
        const owners = [...new Set(requests.map((q) => q.owner))];
        return fail({
          ...r.error,
          message: `nothing was allocated for ${owners.map((o) => `"${o}"`).join(', ')} (all families or none): ${r.error.message}`,
          owners,
        });
      }
      out.push(r.value);
    }
    return ok(out);
  }

  release(owner: string, family?: IpFamily): readonly Allocation[] {
    const freed = this.inner.release(owner, family);
    for (const a of freed) {
      const place = chunkOfAddress(this.inner.pools(), a.poolId, a.address, this.keys, this.snap.ni);
      const b = place && this.chunk(place.pool, place.index);
      // Only a chunk whose slot changes is touched: the commit writes every touched chunk.
      if (place && b && b.held.get(place.offset)?.[0] === owner) this.touched.set(b.key, withoutSlot(b, place.offset, owner));
    }
    return freed;
  }

  holderOf(address: string): string | undefined {
    return this.inner.holderOf(address);
  }
  allocationsOf(owner: string): readonly Allocation[] {
    return this.inner.allocationsOf(owner);
  }
  allocations(): readonly Allocation[] {
    return this.inner.allocations();
  }
  /** Usage of what this render loaded; `netpipe ledger status` reports the whole ledger. */
  usage(poolId: string): PoolUsage | undefined {
    return this.inner.usage(poolId);
  }
  /**
   * Aligned prefixes (pool claims): the allocator's own aligned-block search, run on the inner
   * space seeded with every prefix the ledger holds in the candidate pools (one key per pool) and
   * their cursors, so next-fit, alignment and "never overlapping" are exactly the allocator's.
   */
  allocateBlock(owner: string, poolIds: readonly string[], length: number): Result<BlockAllocation> {
    const loading = this.loadPrefixPools(poolIds);
    if (loading) return loading;
    const r = this.inner.allocateBlock(owner, poolIds, length);
    return r.ok ? r : fail({ ...r.error, message: `${r.error.message} (shared ledger ${this.ledgerName}; netpipe ledger status lists the pools)` });
  }
  reserveBlock(owner: string, prefix: string, poolIds?: readonly string[]): Result<BlockAllocation> {
    const loading = this.loadPrefixPools(poolIds ?? this.inner.pools().map((p) => p.id));
    if (loading) return loading;
    const r = this.inner.reserveBlock(owner, prefix, poolIds);
    if (r.ok) return r;
    // Name the package the ledger records for the other holder.
    const other = (r.error.owners ?? []).find((o) => o !== owner);
    const pkg = other === undefined ? undefined : this.prefixHolderPackage(other);
    const ledgerOwn = this.snap.owners.get(owner);
    const extra =
      pkg !== undefined
        ? ` The shared ledger (${this.ledgerName}) records "${other}" of package ${pkg || '(unknown)'}; claimed here by "${owner}" of package ${this.packageOf(owner)}.`
        : ledgerOwn?.block && r.error.code === 'owner-conflict'
          ? ` The shared ledger (${this.ledgerName}) records ${ledgerOwn.prefix} for "${owner}", the claim records ${prefix}: restore ${ledgerOwn.prefix} in the claim, or release it (netpipe ledger release --owner) if the claim is right.`
          : '';
    return fail({ ...r.error, message: `${r.error.message}.${extra}` });
  }
  private prefixHolderPackage(holder: string): string | undefined {
    for (const rec of this.snap.prefixPools.values()) for (const h of Object.values(rec?.held ?? {})) if (h[0] === holder) return h[1];
    return undefined;
  }
  /** Seeds the inner space with the held prefixes of every pool-kind pool among `poolIds`. */
  private loadPrefixPools(poolIds: readonly string[]): Result<never> | undefined {
    let missing: Result<never> | undefined;
    for (const id of poolIds) {
      if (this.prefixPoolsLoaded.has(id)) continue;
      if (!this.inner.pools().some((p) => p.id === id)) continue;
      if (!this.snap.prefixPools.has(id)) {
        missing = this.pending({ kind: 'prefixes', ni: this.snap.ni, poolId: id }, `the prefixes held in ${id}`);
        continue;
      }
      const rec = this.snap.prefixPools.get(id);
      for (const [prefix, [holder]] of Object.entries(rec?.held ?? {})) {
        const r = this.inner.reserveBlock(holder, prefix, [id]);
        if (!r.ok) return fail({ ...r.error, message: `the shared ledger (${this.ledgerName}) holds ${prefix} in ${id} for "${holder}", which this render cannot place: ${r.error.message}; run netpipe ledger verify` });
      }
      if (rec?.cursor) this.inner.importState({ [id]: rec.cursor });
      this.prefixPoolsLoaded.add(id);
    }
    return missing;
  }
  /** The prefixes now held in a loaded pool-kind pool and its cursor: what the commit writes. */
  prefixPoolState(poolId: string): PrefixPoolRecord | undefined {
    if (!this.prefixPoolsLoaded.has(poolId)) return undefined;
    const old = this.snap.prefixPools.get(poolId);
    const held: Record<string, readonly [string, string]> = {};
    for (const b of this.inner.blocks().filter((x) => x.poolId === poolId)) {
      held[b.prefix] = old?.held[b.prefix]?.[0] === b.owner ? old.held[b.prefix] : [b.owner, this.packageOf(b.owner)];
    }
    return { cursor: this.inner.exportState()[poolId] ?? old?.cursor ?? null, held };
  }
  releaseBlock(owner: string, family?: IpFamily): readonly BlockAllocation[] {
    return this.inner.releaseBlock(owner, family);
  }
  blocksOf(owner: string): readonly BlockAllocation[] {
    return this.inner.blocksOf(owner);
  }
  blocks(): readonly BlockAllocation[] {
    return this.inner.blocks();
  }
  /** Cursors live in the ledger's chunks, not in Git. */
  exportState(): CursorState {
    return {};
  }
  importState(): Result<{ readonly ignored: readonly string[] }> {
    return ok({ ignored: [] });
  }
}
