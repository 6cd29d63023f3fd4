/**
 * Operator views and repairs of the shared ledger: status, who-has, release, verify against the
 * Git packages, rebuild from them. Unlike a render these read whole network instances - they are
 * run by hand, not on every render.
 */
import { IPClaim } from '../../functions/lib/src/api/types';
import { claimedPrefix, isIPClaim } from '../../functions/lib/src/claims';
import { claimBinding } from '../../functions/lib/src/claim-binding';
import { isGetClaim, lookupRecord } from '../../functions/lib/src/allocation-labels';
import { KubeObject, scalarText } from '../../functions/lib/src/kube/object';
import { collectPools } from '../../functions/lib/src/pools';
import { collectNetworkPrefixes } from '../../functions/lib/src/networks';
import { formatAddress, parseAddress } from '../../functions/lib/src/ipam/address';
import { Pool } from '../../functions/lib/src/ipam/pool';
import { TXN_BUDGET } from '../../functions/lib/src/ledger/commit';
import { Compare, EtcdClient, KeyValue, prefixEnd } from '../../functions/lib/src/ledger/etcd';
import { markerOf } from '../../functions/lib/src/ledger/init';
import { AnyRecord, decodeAny, LedgerRecordError } from '../../functions/lib/src/ledger/records';
import { readView, Snapshot, SnapshotReader } from '../../functions/lib/src/ledger/snapshot';
import { freePlaces, opsOf, packageRecordOf, releaseHoldings, WriteSet } from '../../functions/lib/src/ledger/address-commit';
import { withoutHolders } from '../../functions/lib/src/ledger/vlan-edge';
import { definedByPackage, renderFacts } from '../../functions/lib/src/ledger/render-facts';
import { chunkAddress, chunkCount, chunkPlaceOf } from '../../functions/lib/src/ledger/chunks';
import {
  ChunkRecord,
  definitionOf,
  indexOfText,
  indexText,
  LedgerKeys,
  CARVED_FROM,
  OwnerHolding,
  OwnerRecord,
  PackageHolding,
  PackageRecord,
  PoolDefinition,
  PoolsRecord,
  PrefixPoolRecord,
  PublishedRecord,
  publishedRecordOf,
  SubnetsRecord,
  VlanIndexRecord,
} from '../../functions/lib/src/ledger/keys';
import { parseAddressWithLength } from '../../functions/lib/src/ipam/address';
import { clusterOfBinding } from '../../functions/lib/src/ledger/space';
import { rebuildVlans, VlanDump, verifyVlans } from './ledger-vlans';
import { rebuildSubnets, SubnetDump, verifySubnets, withoutCarved } from './ledger-subnets';

/** Everything under the prefix, decoded. */
export interface LedgerDump {
  readonly pools: Map<string, PoolsRecord>;
  /** ni -> binding -> record */
  readonly owners: Map<string, Map<string, OwnerRecord & { key: string; mod: string }>>;
  /** ni -> chunk key -> chunk */
  readonly chunks: Map<string, Map<string, { pool: string; index: bigint; rec: ChunkRecord; mod: string }>>;
  readonly affinity: Map<string, Map<string, Record<string, string>>>;
  readonly packages: Map<string, PackageRecord & { key: string; mod: string }>;
  /** Package -> the pools and aggregates its last render defined (withdraw.ts). */
  readonly published: Map<string, PublishedRecord & { key: string }>;
  /** VLAN index -> its record */
  readonly vlans: VlanDump;
  /** routing table (ni) -> its carved subnets */
  readonly subnets: SubnetDump;
  /** ni -> pool-kind prefix -> the prefixes held in it */
  readonly prefixPools: Map<string, Map<string, PrefixPoolRecord & { key: string; mod: string }>>;
  /** Keys whose value does not decode, or that the layout does not have: verify reports them. */
  readonly bad: { key: string; problem: string }[];
  /** The records that decode, as a render's snapshot holds them: releases are computed on it. */
  readonly snapshot: SnapshotReader;
  /** Whether the marker of `netpipe ledger init` / `rebuild` is there. */
  initialised: boolean;
  readonly keyCount: number;
}

export async function dump(client: EtcdClient, keys: LedgerKeys): Promise<LedgerDump> {
  const all: KeyValue[] = [];
  let start = keys.root();
  const end = prefixEnd(keys.root());
  for (;;) {
    const page = await client.range(start, end, 5000);
    all.push(...page);
    if (page.length < 5000) break;
    start = `${page[page.length - 1].key}\0`;
  }
  const good: KeyValue[] = [];
  const out: Omit<LedgerDump, 'snapshot'> = { pools: new Map(), owners: new Map(), chunks: new Map(), affinity: new Map(), packages: new Map(), published: new Map(), vlans: new Map(), prefixPools: new Map(), subnets: new Map(), bad: [], initialised: false, keyCount: all.length };
  const inNi = <V>(m: Map<string, Map<string, V>>, ni: string): Map<string, V> => m.get(ni) ?? m.set(ni, new Map<string, V>()).get(ni)!;
  for (const kv of all) {
    // The one decoder of the layout (keys.ts parses the key, records.ts checks the value).
    const key = keys.parse(kv.key);
    if (!key) {
      out.bad.push({ key: kv.key, problem: 'is not a key of the ledger layout (another tool sharing the prefix?)' });
      continue;
    }
    let d: AnyRecord;
    try {
      d = decodeAny(key, kv.value);
    } catch (e) {
      out.bad.push({ key: kv.key, problem: e instanceof LedgerRecordError ? e.problem : String(e) });
      continue;
    }
    good.push(kv);
    const mod = kv.modRevision;
    switch (d.kind) {
      case 'init':
        out.initialised = true;
        break;
      case 'vlan':
        out.vlans.set(d.key.index, { ...d.record, key: kv.key, mod });
        break;
      case 'package':
        out.packages.set(d.key.pkg, { ...d.record, key: kv.key, mod });
        break;
      case 'pools':
        // A Network aggregate hands out subnets (kept in the carving record), never addresses.
        out.pools.set(d.key.ni, { ...d.record, pools: d.record.pools.filter((def) => def.kind !== 'aggregate') });
        break;
      case 'subnets':
        out.subnets.set(d.key.ni, { ...d.record, key: kv.key, mod });
        break;
      case 'owner':
        inNi(out.owners, d.key.ni).set(d.key.binding, { ...d.record, key: kv.key, mod });
        break;
      case 'chunk':
        inNi(out.chunks, d.key.ni).set(kv.key, { pool: d.key.pool, index: d.key.index, rec: d.record, mod });
        break;
      case 'prefixPool':
        inNi(out.prefixPools, d.key.ni).set(d.key.pool, { ...d.record, key: kv.key, mod });
        break;
      case 'affinity':
        inNi(out.affinity, d.key.ni).set(d.key.cluster, { ...d.record });
        break;
      case 'published':
        out.published.set(d.key.pkg, { ...d.record, key: kv.key });
        break;
      case 'carve':
        break;
    }
  }
  // A published pool that is not a valid pool is a bad record too (status and verify read them).
  for (const [ni, rec] of out.pools) {
    const invalid = rec.pools.map((def) => Pool.create({ prefix: def.prefix, gateway: def.gateway, exclusions: def.exclusions })).find((r) => !r.ok);
    if (invalid && !invalid.ok) {
      out.bad.push({ key: keys.pools(ni), problem: `a published pool is invalid: ${invalid.error.message}` });
      out.pools.delete(ni);
    }
  }
  // Carved subnets are pools of their routing table (not published as such): add them, with the
  // gateway a carved IPPrefix gets (its first address), so chunks in them are read like any.
  for (const [ni, rec] of out.subnets) {
    const pools = out.pools.get(ni) ?? { pools: [], package: '' };
    const extra: PoolDefinition[] = [];
    for (const byCluster of Object.values(rec.carved)) {
      for (const [cluster, subnet] of Object.entries(byCluster)) {
        if (pools.pools.some((p) => p.prefix === subnet) || extra.some((p) => p.prefix === subnet)) continue;
        const pool = Pool.create({ prefix: subnet });
        if (pool.ok) extra.push({ prefix: pool.value.id, gateway: pool.value.gatewayAddress ?? null, exclusions: [], labels: { 'nephio.org/cluster-name': cluster } });
      }
    }
    if (extra.length) out.pools.set(ni, { ...pools, pools: [...pools.pools, ...extra].sort((a, b) => (a.prefix < b.prefix ? -1 : 1)) });
  }
  return { ...out, snapshot: Snapshot.of(keys, good) };
}

/** The bad records of a dump in one line, for refusals and warnings. */
export function badSummary(d: LedgerDump): string {
  return `the ledger holds ${d.bad.length} record(s) that do not decode (${d.bad.slice(0, 3).map((b) => `${b.key} ${b.problem}`).join('; ')}${d.bad.length > 3 ? '; ...' : ''}); netpipe ledger verify lists them all`;
}

function poolOf(def: PoolDefinition): Pool {
  const r = Pool.create({ prefix: def.prefix, gateway: def.gateway, exclusions: def.exclusions });
  if (!r.ok) throw new Error(`published pool ${def.prefix} is invalid: ${r.error.message}`);
  return r.value;
}

const addressAt = (pool: Pool, index: bigint, offset: number): string =>
  formatAddress(pool.family, chunkAddress(pool, index, offset));

export interface PoolStatus {
  ni: string;
  pool: string;
  size: string;
  used: number;
  free: string;
  /** What the pool is cut into so far: `3/16 chunks` (addresses), `2 prefixes` (pool claims). */
  carved: string;
  /** cluster -> last address handed out in its current chunk */
  cursors: Record<string, string>;
}

export function status(d: LedgerDump): PoolStatus[] {
  const rows: PoolStatus[] = [];
  for (const [ni, rec] of [...d.pools].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    for (const def of rec.pools) {
      const pool = poolOf(def);
      if (def.kind === 'pool') {
        // Aligned prefixes: USED counts the addresses inside them, CARVED the prefixes.
        const held = Object.keys(d.prefixPools.get(ni)?.get(pool.id)?.held ?? {});
        const inside = held.reduce((n, p) => n + sizeOf(p), 0n);
        const rec = d.prefixPools.get(ni)?.get(pool.id);
        rows.push({
          ni,
          pool: pool.id,
          size: (pool.lastAddress - pool.network + 1n).toString(),
          used: Number(inside),
          free: (pool.lastAddress - pool.network + 1n - inside).toString(),
          carved: `${held.length} prefixes`,
          cursors: rec?.cursor ? { prefixes: rec.cursor } : {},
        });
        continue;
      }
      const chunks = [...(d.chunks.get(ni)?.values() ?? [])].filter((b) => b.pool === pool.id);
      const used = chunks.reduce((n, b) => n + Object.keys(b.rec.held).length, 0);
      const cursors: Record<string, string> = {};
      for (const [cluster, aff] of d.affinity.get(ni) ?? []) {
        const idx = aff[pool.id];
        if (idx === undefined) continue;
        const b = chunks.find((x) => x.index === indexOfText(idx));
        if (b && b.rec.cursor !== null) cursors[cluster] = addressAt(pool, b.index, b.rec.cursor);
      }
      rows.push({
        ni,
        pool: pool.id,
        size: pool.usableSize.toString(),
        used,
        free: (pool.usableSize - BigInt(used)).toString(),
        carved: `${chunks.length}/${chunkCount(pool)} chunks`,
        cursors,
      });
    }
  }
  return rows;
}

function sizeOf(cidr: string): bigint {
  const p = parseAddressWithLength(cidr);
  return p.ok ? 1n << BigInt((p.value.family === 'ipv4' ? 32 : 128) - p.value.length) : 0n;
}

/** Whether `cidr` contains the address value of `family`. */
function prefixContains(cidr: string, family: string, value: bigint): boolean {
  const p = parseAddressWithLength(cidr);
  if (!p.ok || p.value.family !== family) return false;
  const size = 1n << BigInt((family === 'ipv4' ? 32 : 128) - p.value.length);
  return value >= p.value.value && value < p.value.value + size;
}

/**
 * A row of `who-has` and `release`: a claim identity's holding (or a VLAN binding's, or a carved
 * subnet's, with `vlan:<index>` / the routing table as `ni`) and the address or ID it holds.
 */
export interface HeldAddress extends PackageHolding {
  readonly address: string;
  readonly package: string;
}

export function whoHas(d: LedgerDump, address: string): HeldAddress[] {
  const parsed = parseAddress(address.split('/')[0]);
  if (!parsed.ok) throw new Error(`${address} is not an IP address`);
  const out: HeldAddress[] = [];
  for (const [ni, rec] of d.pools) {
    for (const def of rec.pools) {
      const pool = poolOf(def);
      if (pool.family !== parsed.value.family || !pool.contains(parsed.value.value)) continue;
      for (const [prefix, [owner, pkg]] of Object.entries(d.prefixPools.get(ni)?.get(pool.id)?.held ?? {})) {
        if (prefixContains(prefix, pool.family, parsed.value.value)) out.push({ ni, address: prefix, owner, package: pkg });
      }
      const { index, offset } = chunkPlaceOf(pool, parsed.value.value);
      for (const b of d.chunks.get(ni)?.values() ?? []) {
        if (b.pool !== pool.id || b.index !== index) continue;
        const h = b.rec.held[String(offset)];
        if (h) out.push({ ni, address: formatAddress(pool.family, parsed.value.value), owner: h[0], package: h[1] });
      }
    }
  }
  return out;
}

/** Releases by package or owner, in one guarded transaction. Returns what was released. */
export async function release(
  client: EtcdClient,
  keys: LedgerKeys,
  by: { package?: string; owner?: string; ni?: string; dryRun?: boolean },
): Promise<HeldAddress[]> {
  const d = await dump(client, keys);
  // A package is released with its subpackages: a deleted package takes them with it.
  const ofPackage = (p: string): boolean => by.package !== undefined && (p === by.package || p.startsWith(`${by.package}/`));
  if (d.bad.length > 0) throw new Error(`refusing to release: ${badSummary(d)}`);
  const targets: HeldAddress[] = [];
  // VLANs: the package's share of each ID (an ID shared with other packages stays theirs), or
  // the ID of one binding (--owner "bridge domain ..."), by the rule renders release them by.
  const vlansAfter = new Map<string, VlanIndexRecord>();
  for (const [index, rec] of d.vlans) {
    if (by.ni && by.ni !== `vlan:${index}`) continue;
    const left = withoutHolders(rec.held, (h, [p]) => ofPackage(p) || (by.owner !== undefined && h.binding === by.owner));
    if (left.dropped.length === 0) continue;
    for (const x of left.dropped) targets.push({ ni: `vlan:${index}`, address: x.id, owner: x.binding, package: x.holder[0] });
    vlansAfter.set(rec.key, { definition: rec.definition, package: rec.package, cursor: rec.cursor, held: left.held });
  }
  // A carved subnet: `--owner subnet:<cluster>/<routing table>/<aggregate>` (subnets belong to clusters, not packages).
  const subnetsAfter = new Map<string, SubnetsRecord>();
  for (const [ni, rec] of d.subnets) {
    if (by.owner === undefined || (by.ni && by.ni !== ni)) continue;
    const left = withoutCarved(rec, ni, by.owner);
    if (!left) continue;
    for (const subnet of left.subnets) targets.push({ ni, address: subnet, owner: by.owner, package: '' });
    subnetsAfter.set(rec.key, left.record);
  }
  const frees: OwnerHolding[] = [];
  for (const [ni, owners] of d.owners) {
    if (by.ni && ni !== by.ni) continue;
    for (const [owner, rec] of owners) {
      if (ofPackage(rec.package) || (by.owner !== undefined && owner === by.owner)) {
        targets.push({ ni, address: rec.address, owner, package: rec.package });
        const record = d.snapshot.record('owner', rec.key);
        if (record) frees.push({ ni, owner, record });
      }
    }
  }
  // What a deleted package defined goes too: a pool its publisher drops must not pass to a package that is gone.
  const definitions = [...d.published].filter(([pkg]) => ofPackage(pkg));
  for (const [pkg, rec] of definitions) {
    for (const [ni, ids] of Object.entries(rec.defines)) for (const id of ids) targets.push({ ni, address: id, owner: 'its pool definition', package: pkg });
  }
  if (targets.length === 0 || by.dryRun) return targets;
  const out = new WriteSet(d.snapshot);
  for (const [, rec] of definitions) out.del(rec.key);
  for (const [key, rec] of [...vlansAfter, ...subnetsAfter]) out.put(key, rec);
  // Slots, owner records: as a render releases the holdings its packages no longer contain.
  const places = freePlaces(frees, poolsOf(d), keys);
  releaseHoldings({ keys, frees, places, released: () => true }, d.snapshot, { chunks: new Map(), prefixPools: new Map() }, out);
  const released = new Set(frees.map((f) => `${f.ni}|${f.owner}`));
  for (const [pkg, rec] of d.packages) {
    const keep = rec.holdings.filter((h) => !released.has(`${h.ni}|${h.owner}`));
    const vlans = (rec.vlans ?? []).filter((index) => {
      const v = vlansAfter.get(keys.vlan(index));
      return !v || Object.values(v.held).some((h) => h.holders.some(([p]) => p === pkg));
    });
    if (keep.length === rec.holdings.length && vlans.length === (rec.vlans ?? []).length) continue;
    const next = packageRecordOf(keep, vlans);
    if (next) out.put(rec.key, next);
    else out.del(rec.key);
  }
  const read = readView(d.snapshot);
  const compares: Compare[] = [...out.puts.keys(), ...out.deletes].map((key) => {
    const mod = read.revision(key);
    return mod ? { key, modRevision: mod } : { key, absent: true };
  });
  const r = await client.txn(compares, opsOf(out));
  if (!r.succeeded) throw new Error('the ledger changed while releasing (a render ran); run the command again');
  return targets;
}

/** The pools of every network instance the dump publishes (carved subnets included). */
function poolsOf(d: LedgerDump): Map<string, Pool[]> {
  return new Map([...d.pools].map(([ni, rec]) => [ni, rec.pools.map(poolOf)]));
}

/** A claim as Git records it. */
interface GitClaim {
  ni: string;
  binding: string;
  address: string;
  prefix: string;
  package: string;
  file: string;
  /** A pool claim: `address` and `prefix` are the prefix. */
  block: boolean;
  /** What get claims find the holding by, recorded with its owner. */
  lookup: ReturnType<typeof lookupRecord>;
}

/** What Git records: claims, the pools as renders publish them, carved subnets, and which package defines pools where. */
interface GitLedger {
  claims: GitClaim[];
  pools: Map<string, PoolsRecord>;
  carved: Map<string, PoolDefinition[]>;
  problems: string[];
  /** Package -> network instance -> the pools and aggregates it defines there (carved subnets aside). */
  definers: Map<string, Map<string, Set<string>>>;
}

function gitClaims(trees: readonly KubeObject[][]): GitLedger {
  const claims: GitClaim[] = [];
  const pools = new Map<string, PoolsRecord>();
  const carved = new Map<string, PoolDefinition[]>();
  const problems: string[] = [];
  const definers = new Map<string, Map<string, Set<string>>>();
  for (const items of trees) {
    const facts = renderFacts({ items, results: [] } as never);
    for (const [pkg, byNi] of definedByPackage(facts)) {
      const into = definers.get(pkg) ?? definers.set(pkg, new Map()).get(pkg)!;
      for (const [ni, ids] of byNi) into.set(ni, new Set([...(into.get(ni) ?? []), ...ids]));
    }
    for (const o of items) {
      // A get claim's address is a copy of another claim's: it holds nothing.
      if (!isIPClaim(o) || isGetClaim(o)) continue;
      const c = o as IPClaim;
      const prefix = claimedPrefix(c);
      const ni = scalarText(c.spec?.networkInstance?.name);
      if (!prefix || !ni) continue;
      const parsed = parseAddress(prefix.split('/')[0]);
      if (!parsed.ok) continue;
      const block = scalarText(c.spec?.kind) === 'pool';
      claims.push({
        ni,
        binding: claimBinding(c),
        block,
        address: block ? prefix : formatAddress(parsed.value.family, parsed.value.value),
        prefix,
        package: facts.packageOf(c),
        file: o.metadata.annotations?.['internal.config.kubernetes.io/path'] ?? '',
        lookup: lookupRecord(c),
      });
    }
    const collected = collectPools(items);
    problems.push(...collected.results.map((r) => r.message));
    for (const p of collected.pools) {
      // Carved subnets go to their routing table's carving record, as renders keep them.
      if (p.definedBy.metadata.annotations?.[CARVED_FROM] !== undefined) {
        const list = carved.get(p.networkInstance) ?? [];
        if (!list.some((d) => d.prefix === p.pool.id)) list.push(definitionOf(p.pool, p.labels, p.kind));
        carved.set(p.networkInstance, list);
        continue;
      }
      const rec = pools.get(p.networkInstance) ?? { pools: [], package: facts.packageOf(p.definedBy) };
      if (rec.pools.some((d) => d.prefix === p.pool.id)) continue;
      pools.set(p.networkInstance, { ...rec, pools: [...rec.pools, definitionOf(p.pool, p.labels, p.kind)].sort((a, b) => (a.prefix < b.prefix ? -1 : 1)) });
    }
    // Network aggregates are published with the pools, as renders publish them.
    for (const a of collectNetworkPrefixes(items).prefixes.filter((x) => x.kind === 'network')) {
      const rec = pools.get(a.networkInstance) ?? { pools: [], package: facts.packageOf(a.definedBy) };
      if (rec.pools.some((d) => d.prefix === a.pool.id)) continue;
      pools.set(a.networkInstance, { ...rec, pools: [...rec.pools, definitionOf(a.pool, a.labels, 'aggregate')].sort((x, y) => (x.prefix < y.prefix ? -1 : 1)) });
    }
  }
  return { claims, pools, carved, problems, definers };
}

export interface VerifyReport {
  duplicates: string[];
  /** One claim identity in two packages: a copied package, or a moved one whose old name was not released. */
  copies: string[];
  drift: string[];
  orphans: string[];
  inconsistent: string[];
  /** Records that do not decode, and keys the layout does not have. */
  bad: string[];
}

export function verify(d: LedgerDump, trees: readonly KubeObject[][]): VerifyReport {
  const { claims } = gitClaims(trees);
  const report: VerifyReport = { duplicates: [], copies: [], drift: [], orphans: [], inconsistent: [], bad: d.bad.map((b) => `${b.key} ${b.problem}`) };
  const byAddress = new Map<string, GitClaim[]>();
  for (const c of claims) {
    const k = `${c.ni}|${c.address}`;
    byAddress.set(k, [...(byAddress.get(k) ?? []), c]);
  }
  for (const [k, list] of byAddress) {
    const owners = new Set(list.map((c) => c.binding));
    if (owners.size > 1) report.duplicates.push(`${k.replace('|', ' ')} is held in Git by ${list.map((c) => `${c.binding} (package ${c.package})`).join(' and ')}`);
  }
  report.copies.push(...copies(d, claims));
  const inGit = new Set(claims.map((c) => `${c.ni}|${c.binding}`));
  for (const c of claims) {
    const rec = d.owners.get(c.ni)?.get(c.binding);
    if (!rec) report.drift.push(`${c.ni} ${c.binding} (package ${c.package}) holds ${c.address} in Git, the ledger has nothing for it`);
    else if (rec.address !== c.address) report.drift.push(`${c.ni} ${c.binding} holds ${c.address} in Git, ${rec.address} in the ledger`);
  }
  // A holding of a package given here is one its Git copy never recorded: a render that failed
  // after its commit (a later function's error, kpt failing to write). A package not given may be
  // a deleted one, which only `release --package` frees.
  const given = new Set(trees.flatMap((items) => renderFacts({ items: [...items] }).packages));
  for (const [ni, owners] of d.owners) {
    for (const [binding, rec] of owners) {
      if (inGit.has(`${ni}|${binding}`)) continue;
      const why = given.has(rec.package)
        ? `package ${rec.package} is given but records no such claim: a render that failed after its commit left it; the next render of ${rec.package} takes it back or releases it`
        : `no claim in these packages; if ${rec.package} was deleted: netpipe ledger release --package ${rec.package}`;
      report.orphans.push(`${ni} ${binding} (package ${rec.package}) holds ${rec.address} in the ledger, ${why}`);
    }
  }
  // Chunks and owner records must tell the same story.
  for (const [ni, chunks] of d.chunks) {
    const def = d.pools.get(ni);
    for (const b of chunks.values()) {
      const pd = def?.pools.find((p) => p.prefix === b.pool);
      if (!pd) {
        report.inconsistent.push(`${ni} chunk ${b.index} of ${b.pool}: pool not published`);
        continue;
      }
      const pool = poolOf(pd);
      for (const [offset, [owner]] of Object.entries(b.rec.held)) {
        const address = addressAt(pool, b.index, Number(offset));
        const rec = d.owners.get(ni)?.get(owner);
        if (!rec || rec.address !== address) report.inconsistent.push(`${ni} ${address}: chunk says ${owner}, owner record says ${rec ? rec.address : 'nothing'}`);
      }
    }
  }
  for (const [ni, pools] of d.prefixPools) {
    for (const [poolId, pp] of pools) {
      for (const [prefix, [owner]] of Object.entries(pp.held)) {
        const rec = d.owners.get(ni)?.get(owner);
        if (!rec || rec.prefix !== prefix || rec.pool !== poolId) report.inconsistent.push(`${ni} ${prefix} in ${poolId}: prefix record says ${owner}, owner record says ${rec ? rec.prefix : 'nothing'}`);
      }
    }
  }
  for (const [ni, owners] of d.owners) {
    for (const [binding, rec] of owners) {
      if (rec.block) {
        if (d.prefixPools.get(ni)?.get(rec.pool)?.held[rec.prefix]?.[0] !== binding) report.inconsistent.push(`${ni} ${binding}: owner record says ${rec.prefix}, the prefixes of ${rec.pool} do not`);
        continue;
      }
      const who = whoHas(d, rec.address).filter((h) => h.ni === ni);
      if (!who.some((h) => h.owner === binding)) report.inconsistent.push(`${ni} ${binding}: owner record says ${rec.address}, its chunk does not`);
    }
  }
  for (const r of [verifyVlans(d.vlans, trees), verifySubnets(d.subnets, trees)]) {
    report.duplicates.push(...r.duplicates);
    report.drift.push(...r.drift);
    report.orphans.push(...r.orphans);
  }
  for (const k of Object.keys(report) as (keyof VerifyReport)[]) report[k].sort();
  return report;
}

/**
 * Copies: one claim identity recorded in Git by two packages (a render of the second refuses it),
 * or recorded in Git by a package while the ledger holds it for another that these packages do
 * not record it in (the original was not given, or was moved without `release --package`).
 */
function copies(d: LedgerDump, claims: readonly GitClaim[]): string[] {
  const out: string[] = [];
  const byIdentity = new Map<string, GitClaim[]>();
  for (const c of claims) byIdentity.set(`${c.ni}|${c.binding}`, [...(byIdentity.get(`${c.ni}|${c.binding}`) ?? []), c]);
  for (const list of byIdentity.values()) {
    const pkgs = [...new Set(list.map((c) => c.package))];
    const { ni, binding } = list[0];
    if (pkgs.length > 1) {
      out.push(`${ni} ${binding} is recorded in Git by ${list.map((c) => `package ${c.package} (${c.address}, ${c.file})`).join(' and ')}: a copied package must get its own workload or cluster`);
      continue;
    }
    const rec = d.owners.get(ni)?.get(binding);
    if (rec && rec.package !== pkgs[0]) {
      out.push(
        `${ni} ${binding} is recorded in Git by package ${pkgs[0]} (${list[0].address}), the ledger holds it (${rec.address}) for package ${rec.package}: ` +
          `a copy of ${rec.package}, or ${rec.package} moved without netpipe ledger release --package ${rec.package}`,
      );
    }
  }
  return out;
}

/** Recreates the ledger from Git packages. Refuses when the prefix is not empty or Git conflicts. */
export async function rebuild(client: EtcdClient, keys: LedgerKeys, trees: readonly KubeObject[][]): Promise<{ owners: number; pools: number; vlans: number; subnets: number }> {
  // A ledger only initialised (its marker and nothing else) counts as empty.
  const existing = (await client.range(keys.root(), prefixEnd(keys.root()), 2)).filter((kv) => kv.key !== keys.init());
  const marker = await client.get(keys.init());
  if (existing.length > 0) throw new Error(`the ledger under ${keys.prefix} is not empty; rebuild recreates a lost or wiped ledger only (delete the prefix first, or use another prefix)`);
  const { claims, pools, carved, problems, definers } = gitClaims(trees);
  if (problems.length) throw new Error(`the packages' pools are invalid: ${problems.join('; ')}`);
  const empty: LedgerDump = { pools, owners: new Map(), chunks: new Map(), affinity: new Map(), packages: new Map(), published: new Map(), vlans: new Map(), prefixPools: new Map(), subnets: new Map(), bad: [], initialised: false, keyCount: 0, snapshot: Snapshot.of(keys, []) };
  const found = verify(empty, trees);
  const dups = [...found.duplicates, ...found.copies];
  if (dups.length) throw new Error(`refusing to rebuild: ${dups.join('; ')}`);
  const puts = new Map<string, string>();
  const chunks = new Map<string, { ni: string; pool: Pool; index: bigint; rec: { cluster: string; cursor: number | null; held: Record<string, [string, string]> } }>();
  const packages = new Map<string, { ni: string; owner: string }[]>();
  const prefixPools = new Map<string, { cursor: bigint; family: string; held: Record<string, [string, string]> }>();
  for (const c of claims) {
    const rec = pools.get(c.ni);
    if (c.block) {
      const parsed = parseAddressWithLength(c.prefix);
      const def = rec?.pools.find((p) => p.kind === 'pool' && parsed.ok && prefixContains(p.prefix, parsed.value.family, parsed.value.value));
      if (!def || !parsed.ok) throw new Error(`refusing to rebuild: ${c.binding} (package ${c.package}) holds ${c.prefix}, outside every pool-kind prefix of ${c.ni} in these packages`);
      const key = keys.prefixPool(c.ni, def.prefix);
      const pp = prefixPools.get(key) ?? { cursor: -1n, family: parsed.value.family, held: {} };
      pp.held[c.prefix] = [c.binding, c.package];
      // The order prefixes were handed out in is not in Git: resume after the highest one.
      const last = parsed.value.value + sizeOf(c.prefix) - 1n;
      if (last > pp.cursor) pp.cursor = last;
      prefixPools.set(key, pp);
      puts.set(keys.owner(c.ni, c.binding), JSON.stringify({ address: c.prefix, prefix: c.prefix, pool: def.prefix, cluster: clusterOfBinding(c.binding), package: c.package, ...c.lookup, block: true } satisfies OwnerRecord));
      packages.set(c.package, [...(packages.get(c.package) ?? []), { ni: c.ni, owner: c.binding }]);
      continue;
    }
    const def = [...(rec?.pools ?? []).filter((p) => p.kind !== 'aggregate'), ...(carved.get(c.ni) ?? [])].find((p) => {
      const pool = poolOf(p);
      const parsed = parseAddress(c.address);
      return parsed.ok && pool.family === parsed.value.family && pool.contains(parsed.value.value);
    });
    if (!def) throw new Error(`refusing to rebuild: ${c.binding} (package ${c.package}) holds ${c.address}, outside every pool of ${c.ni} in these packages`);
    const pool = poolOf(def);
    const value = (parseAddress(c.address) as { ok: true; value: { value: bigint } }).value.value;
    const { index, offset } = chunkPlaceOf(pool, value);
    const key = keys.chunk(c.ni, pool.id, index);
    const b = chunks.get(key) ?? { ni: c.ni, pool, index, rec: { cluster: clusterOfBinding(c.binding), cursor: null, held: {} } };
    b.rec.held[String(offset)] = [c.binding, c.package];
    b.rec.cursor = Math.max(b.rec.cursor ?? -1, offset);
    chunks.set(key, b);
    const owner: OwnerRecord = { address: c.address, prefix: c.prefix, pool: pool.id, cluster: clusterOfBinding(c.binding), package: c.package, ...c.lookup };
    puts.set(keys.owner(c.ni, c.binding), JSON.stringify(owner));
    packages.set(c.package, [...(packages.get(c.package) ?? []), { ni: c.ni, owner: c.binding }]);
  }
  const affinity = new Map<string, Record<string, string>>();
  const carve = new Map<string, Record<string, string>>();
  for (const [key, b] of chunks) {
    const held: Record<string, [string, string]> = {};
    for (const o of Object.keys(b.rec.held).map(Number).sort((x, y) => x - y)) held[String(o)] = b.rec.held[String(o)];
    puts.set(key, JSON.stringify({ cluster: b.rec.cluster, cursor: b.rec.cursor, held }));
    const ak = keys.affinity(b.ni, b.rec.cluster);
    const aff = affinity.get(ak) ?? {};
    if (aff[b.pool.id] === undefined || indexOfText(aff[b.pool.id]) < b.index) aff[b.pool.id] = indexText(b.index);
    affinity.set(ak, aff);
    const ck = keys.carve(b.ni);
    const cv = carve.get(ck) ?? {};
    if (cv[b.pool.id] === undefined || indexOfText(cv[b.pool.id]) <= b.index) cv[b.pool.id] = indexText(b.index + 1n);
    carve.set(ck, cv);
  }
  for (const [k, v] of [...affinity, ...carve]) puts.set(k, JSON.stringify(Object.fromEntries(Object.entries(v).sort())));
  for (const [key, pp] of prefixPools) {
    const held = Object.fromEntries(Object.entries(pp.held).sort((a, b) => {
      const x = parseAddressWithLength(a[0]);
      const y = parseAddressWithLength(b[0]);
      return x.ok && y.ok ? (x.value.value < y.value.value ? -1 : 1) : 0;
    }));
    puts.set(key, JSON.stringify({ cursor: formatAddress(pp.family as 'ipv4' | 'ipv6', pp.cursor), held } satisfies PrefixPoolRecord));
  }
  const vlans = rebuildVlans(keys, trees);
  for (const [k, v] of vlans.puts) puts.set(k, v);
  const subnets = rebuildSubnets(keys, trees);
  for (const [k, v] of subnets.puts) puts.set(k, v);
  for (const pkg of [...new Set([...packages.keys(), ...vlans.packages.keys()])]) {
    const holdings = packages.get(pkg) ?? [];
    holdings.sort((a, b) => (`${a.ni}|${a.owner}` < `${b.ni}|${b.owner}` ? -1 : 1));
    const indexes = [...(vlans.packages.get(pkg) ?? [])].sort();
    puts.set(keys.package(pkg), JSON.stringify(indexes.length ? { holdings, vlans: indexes } : { holdings }));
  }
  for (const [ni, rec] of pools) puts.set(keys.pools(ni), JSON.stringify(rec));
  // Where each package defines pools, as its renders record it (withdraw.ts): a package that later drops a whole network instance withdraws its pools.
  for (const [pkg, byNi] of definers) puts.set(keys.published(pkg), JSON.stringify(publishedRecordOf(byNi)));
  // The pools go last, in a transaction that checks the prefix stayed empty of them: renders
  // wait for published pools, so none allocates from a half-written ledger.
  const isPools = (k: string): boolean => keys.parse(k)?.kind === 'pools';
  const entries = [...puts].filter(([k]) => !isPools(k));
  // Each batch writes only keys still absent: a render or another rebuild writing meanwhile stops it.
  const perBatch = Math.floor(TXN_BUDGET / 2);
  for (let i = 0; i < entries.length; i += perBatch) {
    const batch = entries.slice(i, i + perBatch);
    const r = await client.txn(
      batch.map(([k]) => ({ key: k, absent: true as const })),
      batch.map(([k, v]) => ({ put: k, value: v })),
    );
    if (!r.succeeded) throw new Error(`something else wrote to the ledger under ${keys.prefix} while it was being rebuilt (${i} of ${entries.length} records were written); stop the renders, wipe the prefix and rebuild again`);
  }
  const poolPuts = [...puts].filter(([k]) => isPools(k));
  // The marker comes with the pools: until both are there, renders refuse this ledger.
  const guards: Compare[] = [...poolPuts.map(([k]) => ({ key: k, absent: true as const })), marker ? { key: keys.init(), modRevision: marker.modRevision } : { key: keys.init(), absent: true }];
  const r = await client.txn(guards, [...poolPuts.map(([k, v]) => ({ put: k, value: v })), { put: keys.init(), value: JSON.stringify(markerOf('rebuild')) }]);
  if (!r.succeeded) throw new Error('a render published pools while the ledger was being rebuilt; wipe the prefix and rebuild again');
  return { owners: claims.length, pools: pools.size, vlans: vlans.count, subnets: subnets.count };
}
