/**
 * What a render writes to the ledger, computed without I/O from the render's facts, what the
 * snapshot read and the spaces the ipam step left: every record put and every key deleted, and
 * the facts the guarded batches of commit.ts need (which owner key names which identity, which
 * records hold slots). The edge reads what these functions ask for, then commits their result.
 *
 * Removing a holding from a slot record (a chunk's offset, a pool-prefix record's prefix) and
 * writing a chunk back (a chunk nothing was allocated from that holds nothing more goes) happen
 * here only: the render and `netpipe ledger release` use the same functions.
 */
import { byKey } from '../order';
import type { KubeObject } from '../kube/object';
import type { Pool } from '../ipam/pool';
import type { CommitPlan } from './commit';
import type { TxnOp } from './etcd';
import { indexOfText, indexText, publishedRecordOf } from './keys';
import type { LedgerKeys, OwnerHolding, OwnerRecord, PackageHolding, PackageRecord, PoolsRecord, PrefixPoolRecord, SubnetsRecord } from './keys';
import { definedByPackage, inScope, lookupFacts, RenderFacts } from './render-facts';
import type { SnapshotReader } from './snapshot';
import type { LedgerSpace } from './space';
import { ChunkPlace, ChunkState, chunkOfAddress, chunkRecordOf, withoutPrefix, withoutSlot } from './slots';
import { packageVlans, vlanCommit, VlanEdge } from './vlan-edge';

/** A holding of one of the render's packages that the render no longer contains. */
export interface ReleasableHolding extends PackageHolding {
  readonly pkg: string;
}

/** What the render's packages hold that it may release, and what to read before the step runs. */
export interface HoldingScope {
  readonly releasable: readonly ReleasableHolding[];
  /** VLAN indexes the render's packages hold IDs in. */
  readonly heldIndexes: readonly string[];
  /** The owner records of the releasable holdings, the clusters' current chunks, the held indexes. */
  readonly reads: readonly string[];
}

/**
 * Holdings this render may release (its packages' holdings of its clusters that it no longer
 * contains) and the clusters' current chunks.
 */
export function holdingScope(facts: RenderFacts, snap: SnapshotReader, keys: LedgerKeys): HoldingScope {
  const present = presentIdentities(facts);
  const releasable: ReleasableHolding[] = [];
  for (const pkg of facts.packages) {
    for (const h of snap.record('package', keys.package(pkg))?.holdings ?? []) {
      if (!present.has(`${h.ni}|${h.owner}`) && inScope(facts, h.owner)) releasable.push({ ...h, pkg });
    }
  }
  const currentChunks: string[] = [];
  for (const [ni, cluster] of clusterPairs(facts)) {
    const aff = snap.record('affinity', keys.affinity(ni, cluster)) ?? {};
    for (const [poolId, idx] of Object.entries(aff)) currentChunks.push(keys.chunk(ni, poolId, indexOfText(idx)));
  }
  const heldIndexes = [...new Set(facts.packages.flatMap((p) => packageVlans(snap.record('package', keys.package(p)))))].sort();
  // A network instance the render no longer has a claim of still has pools its frees lie in.
  const releasedNis = [...new Set(releasable.map((h) => h.ni))].filter((ni) => !facts.nis.includes(ni)).sort();
  return {
    releasable,
    heldIndexes,
    reads: [...releasable.map((h) => keys.owner(h.ni, h.owner)), ...currentChunks, ...heldIndexes.map((i) => keys.vlan(i)), ...releasedNis.map((ni) => keys.pools(ni))],
  };
}

/** `<ni>|<binding>` of every claim the render contains. */
export function presentIdentities(facts: RenderFacts): Set<string> {
  return new Set(facts.claims.map((c) => `${c.ni}|${c.binding}`));
}

/** The (network instance, cluster) pairs of the render's claims, in claim order. */
export function clusterPairs(facts: RenderFacts): [string, string][] {
  return [...new Set(facts.claims.map((c) => `${c.ni}\u0000${c.cluster}`))].map((s) => s.split('\u0000') as [string, string]);
}

/** The holdings a commit frees: released claim identities, and bindings whose address changed. */
export function addressFrees(
  facts: RenderFacts,
  snap: SnapshotReader,
  keys: LedgerKeys,
  spaces: ReadonlyMap<string, LedgerSpace>,
  releasable: readonly ReleasableHolding[],
): OwnerHolding[] {
  const frees: OwnerHolding[] = [];
  for (const h of releasable) {
    const record = snap.record('owner', keys.owner(h.ni, h.owner));
    if (record && record.package === h.pkg) frees.push({ ni: h.ni, owner: h.owner, record });
  }
  for (const c of facts.claims) {
    const record = snap.record('owner', keys.owner(c.ni, c.binding));
    const now = holdingOf(spaces.get(c.ni), c.binding);
    if (record && now && (record.address !== now.address || record.pool !== now.pool)) frees.push({ ni: c.ni, owner: c.binding, record });
  }
  return frees;
}

/** Where a freed address sits, and whose it is. */
export interface ChunkFree extends ChunkPlace {
  readonly owner: string;
}

/** The records the frees change: one key per pool-kind prefix, the chunk of every address. */
export interface FreePlaces {
  readonly prefixKeys: readonly string[];
  readonly chunks: readonly ChunkFree[];
}

export function freePlaces(frees: readonly OwnerHolding[], pools: ReadonlyMap<string, readonly Pool[]>, keys: LedgerKeys): FreePlaces {
  const prefixKeys = frees.filter((f) => f.record.block).map((f) => keys.prefixPool(f.ni, f.record.pool));
  const chunks = frees.flatMap((f): ChunkFree[] => {
    if (f.record.block) return [];
    const place = chunkOfAddress(pools.get(f.ni) ?? [], f.record.pool, f.record.address, keys, f.ni);
    return place ? [{ owner: f.owner, ...place }] : [];
  });
  return { prefixKeys, chunks };
}

/** A package record, or undefined when it goes (it holds nothing and lists no VLAN index). */
export function packageRecordOf(holdings: readonly PackageHolding[], vlans: readonly string[]): PackageRecord | undefined {
  if (holdings.length === 0 && vlans.length === 0) return undefined;
  return vlans.length > 0 ? { holdings: [...holdings], vlans: [...vlans] } : { holdings: [...holdings] };
}

/** What a claim identity holds in a space after the step, as its owner record will say: an address, or a pool claim's prefix. */
export function holdingOf(space: LedgerSpace | undefined, binding: string): Pick<OwnerRecord, 'address' | 'prefix' | 'pool' | 'block'> | undefined {
  const a = space?.allocationsOf(binding)[0];
  if (a) return { address: a.address, prefix: a.prefix, pool: a.poolId };
  const b = space?.blocksOf(binding)[0];
  return b ? { address: b.prefix, prefix: b.prefix, pool: b.poolId, block: true } : undefined;
}

export interface AddressCommitInput {
  readonly facts: RenderFacts;
  readonly keys: LedgerKeys;
  /** The step's output items: get claims of other packages look holdings up by their labels. */
  readonly items: readonly KubeObject[];
  readonly frees: readonly OwnerHolding[];
  readonly places: FreePlaces;
  readonly vlans: VlanEdge;
  readonly heldIndexes: readonly string[];
  /** Carving of routing tables after this render. */
  readonly subnets: ReadonlyMap<string, SubnetsRecord>;
  /** Pool definitions to publish. */
  readonly publish: ReadonlyMap<string, PoolsRecord>;
}

/** Every change of one commit; a put whose value the snapshot already holds is left out. */
export interface LedgerWrites {
  /** Key -> record text, in the order the records were made. */
  readonly puts: ReadonlyMap<string, string>;
  readonly deletes: readonly string[];
  /** Keys of every slot record the render changed or would have (chunks, pool prefixes). */
  readonly slotKeys: ReadonlySet<string>;
}

/** Puts and deletes as they are made; a put of the value the snapshot holds is left out. */
export class WriteSet implements LedgerWrites {
  readonly puts = new Map<string, string>();
  readonly deletes: string[] = [];
  readonly slotKeys = new Set<string>();
  constructor(private readonly snap: SnapshotReader) {}
  put(key: string, value: unknown): void {
    const text = JSON.stringify(value);
    if (this.snap.kv.get(key)?.value === text) return;
    this.puts.set(key, text);
  }
  del(key: string): void {
    this.deletes.push(key);
  }
}

/** Slot records changed so far: chunks by key, pool-prefix records by key. */
export interface SlotChanges {
  readonly chunks: Map<string, ChunkState>;
  readonly prefixPools: Map<string, PrefixPoolRecord>;
}

/**
 * Frees the slots of `frees` (a slot another identity holds by now stays), then writes every
 * changed slot record and deletes the owner records of the frees `released` says go. The render
 * passes the slots its step changed; `netpipe ledger release` passes none.
 */
export function releaseHoldings(
  r: { readonly keys: LedgerKeys; readonly frees: readonly OwnerHolding[]; readonly places: FreePlaces; readonly released: (f: OwnerHolding) => boolean },
  snap: SnapshotReader,
  slots: SlotChanges,
  out: WriteSet,
): void {
  const { keys, frees } = r;
  const { chunks, prefixPools } = slots;
  for (const f of frees) {
    if (!f.record.block) continue;
    const key = keys.prefixPool(f.ni, f.record.pool);
    const rec = prefixPools.get(key) ?? snap.record('prefixPool', key);
    if (!rec || rec.held[f.record.prefix]?.[0] !== f.owner) continue;
    prefixPools.set(key, withoutPrefix(rec, f.record.prefix, f.owner));
  }
  for (const f of r.places.chunks) {
    const b = chunks.get(f.key) ?? snap.chunkState(f.key, f.pool.id, f.index);
    if (!b || b.held.get(f.offset)?.[0] !== f.owner) continue;
    chunks.set(f.key, withoutSlot(b, f.offset, f.owner));
  }
  for (const b of chunks.values()) {
    const rec = chunkRecordOf(b);
    if (rec) out.put(b.key, rec);
    else if (snap.kv.get(b.key)) out.del(b.key);
  }
  for (const [key, rec] of prefixPools) if (snap.kv.get(key) || Object.keys(rec.held).length > 0) out.put(key, rec);
  for (const k of [...chunks.keys(), ...prefixPools.keys()]) out.slotKeys.add(k);
  for (const f of frees) if (r.released(f)) out.del(keys.owner(f.ni, f.owner));
}

/** The writes of a render: slots, owners, affinity and carving, VLAN indexes, subnets, package records, pools. */
export function addressCommit(c: AddressCommitInput, snap: SnapshotReader, spaces: ReadonlyMap<string, LedgerSpace>): LedgerWrites {
  const { facts, keys, frees } = c;
  const present = presentIdentities(facts);
  const out = new WriteSet(snap);
  const put = (key: string, value: unknown): void => out.put(key, value);

  const slots: SlotChanges = { chunks: new Map(), prefixPools: new Map() };
  for (const [ni, s] of spaces) {
    for (const id of s.prefixPoolsLoaded) {
      const state = s.prefixPoolState(id);
      if (state) slots.prefixPools.set(keys.prefixPool(ni, id), state);
    }
  }
  for (const s of spaces.values()) for (const [k, b] of s.touched) slots.chunks.set(k, b);
  const chunks = slots.chunks;
  releaseHoldings({ keys, frees, places: c.places, released: (f) => !present.has(`${f.ni}|${f.owner}`) }, snap, slots, out);
  // Owners: what each claim identity now holds.
  const lookupOf = lookupFacts(c.items);
  for (const claim of facts.claims) {
    const now = holdingOf(spaces.get(claim.ni), claim.binding);
    if (!now) continue;
    const base = { address: now.address, prefix: now.prefix, pool: now.pool, cluster: claim.cluster, package: claim.pkg, ...lookupOf.get(`${claim.ni}|${claim.binding}`) };
    const rec: OwnerRecord = now.block ? { ...base, block: true } : base;
    put(keys.owner(claim.ni, claim.binding), rec);
  }

  // Affinity and carving: a fresh chunk becomes the cluster's current one once used.
  for (const [ni, byPool] of snap.carved) {
    const carve: Record<string, string> = { ...(snap.record('carve', keys.carve(ni)) ?? {}) };
    const affinity = new Map<string, Record<string, string>>();
    for (const [poolCluster, indexes] of byPool) {
      const [poolId, cluster] = splitOnce(poolCluster, '|');
      const used = indexes.filter((i) => chunks.has(keys.chunk(ni, poolId, i)));
      if (used.length === 0) continue;
      const last = used[used.length - 1];
      const aff = affinity.get(cluster) ?? { ...(snap.record('affinity', keys.affinity(ni, cluster)) ?? {}) };
      aff[poolId] = indexText(last);
      affinity.set(cluster, aff);
      const next = indexOfText(carve[poolId] ?? '0');
      const maxUsed = used.reduce((a, b) => (a > b ? a : b));
      if (maxUsed + 1n > next) carve[poolId] = indexText(maxUsed + 1n);
    }
    for (const [cluster, aff] of affinity) put(keys.affinity(ni, cluster), sortedRecord(aff));
    put(keys.carve(ni), sortedRecord(carve));
  }

  // VLAN indexes: one key each.
  const vlan = vlanCommit({
    snap,
    keys,
    edge: c.vlans,
    claims: facts.vlanClaims,
    heldIndexes: c.heldIndexes,
    packages: facts.packages,
    inScope: (cluster) => cluster === '' || facts.clusters.size === 0 || facts.clusters.has(cluster),
    definingPackage: facts.packages[0] ?? '',
  });
  for (const [key, rec] of vlan.puts) put(key, rec);
  for (const [ni, rec] of c.subnets) {
    const key = keys.subnets(ni);
    if (snap.kv.get(key) || Object.keys(rec.carved).length > 0) put(key, rec);
  }

  // Package records: the holdings each package made.
  const freed = new Set(frees.filter((f) => !present.has(`${f.ni}|${f.owner}`)).map((f) => `${f.ni}|${f.owner}`));
  for (const pkg of facts.packages) {
    const before = snap.record('package', keys.package(pkg))?.holdings ?? [];
    const entries = new Map<string, PackageHolding>();
    for (const h of before) {
      const id = `${h.ni}|${h.owner}`;
      if (freed.has(id)) continue;
      // Stale entries (the identity moved to another package or was released) go too.
      if (!present.has(id) && inScope(facts, h.owner)) {
        const rec = snap.record('owner', keys.owner(h.ni, h.owner));
        if (!rec || rec.package !== pkg) continue;
      }
      if (present.has(id) && facts.bindingPackage.get(id) !== pkg) continue;
      entries.set(id, h);
    }
    for (const claim of facts.claims) if (claim.pkg === pkg) entries.set(`${claim.ni}|${claim.binding}`, { ni: claim.ni, owner: claim.binding });
    const holdings = [...entries.entries()].sort(byKey(([id]) => id)).map(([, h]) => h);
    const vlans = new Set(packageVlans(snap.record('package', keys.package(pkg))).filter((i) => !vlan.touched.has(i)));
    for (const i of vlan.packageIndexes.get(pkg) ?? []) vlans.add(i);
    // A package that never had a record and holds nothing gets none; one that had keeps an empty one.
    const record = packageRecordOf(holdings, [...vlans].sort()) ?? (snap.kv.get(keys.package(pkg)) ? { holdings } : undefined);
    if (record) put(keys.package(pkg), record);
  }
  for (const [ni, rec] of c.publish) put(keys.pools(ni), rec);
  publishedRecords(facts, keys, snap, out);
  return out;
}

/**
 * The pools and aggregates each of the render's packages defines now (carved subnets aside): a
 * later render that drops a whole network instance withdraws its pools, and a pool its publisher
 * drops passes to another package that defines it (withdraw.ts).
 */
function publishedRecords(facts: RenderFacts, keys: LedgerKeys, snap: SnapshotReader, out: WriteSet): void {
  const defines = definedByPackage(facts);
  for (const pkg of facts.packages) {
    const key = keys.published(pkg);
    const byNi = defines.get(pkg);
    if (byNi) out.put(key, publishedRecordOf(byNi));
    else if (snap.kv.get(key)) out.del(key);
  }
}

/** The writes as etcd operations: puts in the order they were made, then deletes. */
export function opsOf(writes: LedgerWrites): TxnOp[] {
  return [...[...writes.puts].map(([key, value]): TxnOp => ({ put: key, value })), ...writes.deletes.map((key): TxnOp => ({ del: key }))];
}

/**
 * What the guarded batches of commit.ts need beside the operations: which owner key names which
 * claim identity and package, the slot and package records, what is written first and always guarded.
 */
export function guardedPlan(
  c: Pick<AddressCommitInput, 'facts' | 'keys' | 'frees' | 'subnets' | 'publish'>,
  writes: LedgerWrites,
  guarded: readonly string[],
): CommitPlan {
  const { facts, keys } = c;
  const ownerKeys = new Map<string, string>();
  const ownerPackage = new Map<string, string>();
  for (const claim of facts.claims) {
    ownerKeys.set(keys.owner(claim.ni, claim.binding), claim.binding);
    ownerPackage.set(keys.owner(claim.ni, claim.binding), keys.package(claim.pkg));
  }
  for (const f of c.frees) {
    const k = keys.owner(f.ni, f.owner);
    ownerKeys.set(k, f.owner);
    if (!ownerPackage.has(k)) ownerPackage.set(k, keys.package(f.record.package));
  }
  const isKind = (k: string, ...kinds: string[]): boolean => {
    const parsed = keys.parseNi(k);
    return parsed !== undefined && kinds.some((kind) => parsed.rest.startsWith(kind));
  };
  return {
    keys,
    ops: opsOf(writes),
    guarded,
    owners: ownerKeys,
    ownerPackage,
    slotKeys: writes.slotKeys,
    packageKeys: new Set(facts.packages.map((p) => keys.package(p))),
    firstKeys: new Set([...[...c.publish.keys()].map((ni) => keys.pools(ni)), ...[...c.subnets.keys()].map((ni) => keys.subnets(ni))]),
    alwaysGuard: facts.nis.map((ni) => keys.pools(ni)),
    unguardedWhenSplit: (k) => isKind(k, 'owner/', 'block/'),
  };
}

function splitOnce(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return [s.slice(0, i), s.slice(i + 1)];
}

function sortedRecord(r: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(r).sort()) out[k] = r[k];
  return out;
}
