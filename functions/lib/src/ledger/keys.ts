/**
 * The ledger's key layout in etcd. Everything of one network instance lives under
 * `<prefix>/v1/ni/<ni>/`, split so that a render reads and writes only what concerns it:
 *
 * | key | value (JSON) | written by |
 * |---|---|---|
 * | `ni/<ni>/pools` | the published pool definitions | the render that contains the pools |
 * | `ni/<ni>/owner/<binding>` | the address a claim identity holds, its pool, package | renders of that claim |
 * | `ni/<ni>/block/<pool>/<index>` | one chunk of a pool (`ledger/chunks.ts`; the segment keeps its first name): affinity cluster, cursor, holdings | renders of the affine cluster (or borrowers) |
 * | `ni/<ni>/affinity/<cluster>` | per pool, the cluster's current chunk | renders of that cluster |
 * | `ni/<ni>/carve` | per pool, the next chunk never handed to a cluster | renders that need a new chunk |
 * | `ni/<ni>/subnets` | per-cluster subnets carved out of the routing table's Network aggregates, and the carving cursors | renders that contain the Network |
 * | `ni/<ni>/prefix/<pool>` | the aligned prefixes (`kind: pool` claims) held in one pool-kind prefix, and its cursor | renders of pool claims on it |
 * | `package/<package>` | the holdings each package made, for releases | renders of that package |
 * | `published/<package>` | the pools and aggregates the package defines, per network instance: a render that drops a whole network instance withdraws its pools too, and a pool its publisher drops passes to another package that defines it | renders of that package |
 *
 * A chunk is an aligned run of at most 64 addresses of one pool (Calico's design): each cluster
 * allocates from its own chunks, so concurrent renders of different clusters touch different keys
 * and a render's cost does not depend on how many addresses the network instance holds.
 *
 * Aligned prefixes (`kind: pool` claims: a UE pool of `spec.prefixLength`) are not cut into
 * address chunks: they come only out of `kind: pool` prefixes, and addresses (network and loopback
 * claims, host /32 and /128 included) only out of network and loopback prefixes. The prefixes of a
 * network instance never overlap (each render checks the published ones and its own together), so
 * a prefix claim and an address chunk can never share an address; each pool-kind prefix keeps its
 * held prefixes and next-fit cursor in one key, read only by renders that have pool claims on it.
 * A pool claim's owner record is marked `block` and holds the prefix itself.
 *
 * VLAN indexes live under `<prefix>/v1/vlan/<index>`, ONE key per index (an index holds at most
 * 4094 IDs): its published definition (range, exclusions), the next-fit cursor and every held ID
 * with its holder (the bridge-domain binding) and the packages (and their clusters) whose claims
 * share it. A render reads and writes only the indexes its VLANClaims and VLANIndexes name (and
 * those its packages held IDs in, to release them), so renders of different clusters on
 * per-cluster indexes never touch the same key. An ID is freed when its last holding package drops
 * it.
 *
 * Every variable segment is URI-encoded, so no segment contains `/` and a range over
 * `package/<a>/` never catches `package/<a>/<b>`.
 */
import type { Pool } from '../ipam';

const seg = encodeURIComponent;

export const LAYOUT_VERSION = 'v1';

export class LedgerKeys {
  constructor(readonly prefix: string) {}

  root(): string {
    return `${this.prefix}/${LAYOUT_VERSION}/`;
  }
  ni(ni: string): string {
    return `${this.prefix}/${LAYOUT_VERSION}/ni/${seg(ni)}/`;
  }
  niPrefix(): string {
    return `${this.prefix}/${LAYOUT_VERSION}/ni/`;
  }
  pools(ni: string): string {
    return `${this.ni(ni)}pools`;
  }
  owner(ni: string, binding: string): string {
    return `${this.ni(ni)}owner/${seg(binding)}`;
  }
  ownerPrefix(ni: string): string {
    return `${this.ni(ni)}owner/`;
  }
  chunk(ni: string, poolId: string, index: bigint): string {
    return `${this.chunkPrefix(ni, poolId)}${index.toString(16).padStart(32, '0')}`;
  }
  chunkPrefix(ni: string, poolId: string): string {
    return `${this.ni(ni)}block/${seg(poolId)}/`;
  }
  affinity(ni: string, cluster: string): string {
    return `${this.ni(ni)}affinity/${seg(cluster)}`;
  }
  carve(ni: string): string {
    return `${this.ni(ni)}carve`;
  }
  subnets(ni: string): string {
    return `${this.ni(ni)}subnets`;
  }
  prefixPool(ni: string, poolId: string): string {
    return `${this.ni(ni)}prefix/${seg(poolId)}`;
  }
  vlan(index: string): string {
    return `${this.vlanPrefix()}${seg(index)}`;
  }
  vlanPrefix(): string {
    return `${this.prefix}/${LAYOUT_VERSION}/vlan/`;
  }
  package(pkg: string): string {
    return `${this.prefix}/${LAYOUT_VERSION}/package/${seg(pkg)}`;
  }
  packagePrefix(): string {
    return `${this.prefix}/${LAYOUT_VERSION}/package/`;
  }
  published(pkg: string): string {
    return `${this.publishedPrefix()}${seg(pkg)}`;
  }
  publishedPrefix(): string {
    return `${this.prefix}/${LAYOUT_VERSION}/published/`;
  }
  /** The marker that says the ledger was initialised (`netpipe ledger init` or `rebuild`). */
  init(): string {
    return `${this.prefix}/${LAYOUT_VERSION}/init`;
  }
  /** The network instance and the rest of a key under `ni/`, or undefined. */
  parseNi(key: string): { ni: string; rest: string } | undefined {
    const p = this.niPrefix();
    if (!key.startsWith(p)) return undefined;
    const tail = key.slice(p.length);
    const slash = tail.indexOf('/');
    const ni = slash === -1 ? undefined : unseg(tail.slice(0, slash));
    return ni === undefined ? undefined : { ni, rest: tail.slice(slash + 1) };
  }

  /** What a key under the prefix is, or undefined for a key this layout does not have. */
  parse(key: string): LedgerKey | undefined {
    if (key === this.init()) return { kind: 'init', text: key };
    const under = (p: string): string | undefined => (key.startsWith(p) ? unseg(key.slice(p.length)) : undefined);
    const vlan = under(this.vlanPrefix());
    if (vlan !== undefined) return { kind: 'vlan', text: key, index: vlan };
    const pkg = under(this.packagePrefix());
    if (pkg !== undefined) return { kind: 'package', text: key, pkg };
    const publisher = under(this.publishedPrefix());
    if (publisher !== undefined) return { kind: 'published', text: key, pkg: publisher };
    const n = this.parseNi(key);
    if (!n) return undefined;
    const { ni, rest } = n;
    if (rest === 'pools') return { kind: 'pools', text: key, ni };
    if (rest === 'carve') return { kind: 'carve', text: key, ni };
    if (rest === 'subnets') return { kind: 'subnets', text: key, ni };
    const [part, a, b, more] = rest.split('/');
    if (more !== undefined || a === undefined) return undefined;
    const name = unseg(a);
    if (name === undefined) return undefined;
    if (part === 'owner' && b === undefined) return { kind: 'owner', text: key, ni, binding: name };
    if (part === 'affinity' && b === undefined) return { kind: 'affinity', text: key, ni, cluster: name };
    if (part === 'prefix' && b === undefined) return { kind: 'prefixPool', text: key, ni, pool: name };
    if (part === 'block' && b !== undefined && /^[0-9a-f]{32}$/.test(b)) return { kind: 'chunk', text: key, ni, pool: name, index: BigInt(`0x${b}`) };
    return undefined;
  }
}

/** Every key kind of the layout, parsed. */
export type LedgerKey =
  | { readonly kind: 'init'; readonly text: string }
  | { readonly kind: 'pools'; readonly text: string; readonly ni: string }
  | { readonly kind: 'carve'; readonly text: string; readonly ni: string }
  | { readonly kind: 'subnets'; readonly text: string; readonly ni: string }
  | { readonly kind: 'owner'; readonly text: string; readonly ni: string; readonly binding: string }
  | { readonly kind: 'affinity'; readonly text: string; readonly ni: string; readonly cluster: string }
  | { readonly kind: 'prefixPool'; readonly text: string; readonly ni: string; readonly pool: string }
  | { readonly kind: 'chunk'; readonly text: string; readonly ni: string; readonly pool: string; readonly index: bigint }
  | { readonly kind: 'vlan'; readonly text: string; readonly index: string }
  | { readonly kind: 'package'; readonly text: string; readonly pkg: string }
  | { readonly kind: 'published'; readonly text: string; readonly pkg: string };

/** A URI-encoded segment decoded, or undefined when it is not one (a `/` inside, a bad escape). */
function unseg(s: string): string | undefined {
  if (s === '' || s.includes('/')) return undefined;
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** The marker of an initialised ledger. */
export interface InitRecord {
  /** When (ISO 8601), for operators. */
  readonly initialised: string;
  /** `init` or `rebuild`. */
  readonly by: string;
}

/** A pool definition as published: what must agree between every render of a network instance. */
export interface PoolDefinition {
  readonly prefix: string;
  /**
   * `pool` or `loopback` (absent: `network`), so a render without the pools uses each as its kind;
   * `aggregate` for a Network aggregate, which hands out per-cluster subnets, never addresses.
   */
  readonly kind?: 'pool' | 'loopback' | 'aggregate';
  readonly gateway: string | null;
  readonly exclusions: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /**
   * The package that published this pool, when it is not the record's `package` (absent in
   * ledgers whose network instance only one package ever published to): only it may withdraw it.
   */
  readonly by?: string;
}

/** The package that published `def` (and alone may withdraw it). */
export function publisherOf(def: PoolDefinition, record: PoolsRecord): string {
  return def.by ?? record.package;
}

/**
 * `defs` (of `from`) as they are written in a record whose `package` is `recordPackage`: each
 * names its publisher exactly when it differs from the record's.
 */
export function withPublishers(defs: readonly PoolDefinition[], from: PoolsRecord | undefined, recordPackage: string): PoolDefinition[] {
  return defs.map((d) => {
    const { by: _by, ...plain } = d;
    const publisher = from ? publisherOf(d, from) : recordPackage;
    return publisher === recordPackage ? plain : { ...plain, by: publisher };
  });
}

/** The pools and aggregates a package defines, as its last committed render had them. */
export interface PublishedRecord {
  /** Network instance -> pool and aggregate prefixes (sorted). */
  readonly defines: Readonly<Record<string, readonly string[]>>;
}

/** The record of what a package defines: network instance -> pool and aggregate prefixes, both sorted. */
export function publishedRecordOf(defines: ReadonlyMap<string, ReadonlySet<string>>): PublishedRecord {
  const nis = [...defines.keys()].sort();
  return { defines: Object.fromEntries(nis.map((ni) => [ni, [...defines.get(ni)!].sort()])) };
}

export interface PoolsRecord {
  readonly pools: readonly PoolDefinition[];
  /** The package that published pools last (the publisher of those without `by`). */
  readonly package: string;
}

export interface OwnerRecord {
  readonly address: string;
  /** `address/length`, as `status.prefix` records it. */
  readonly prefix: string;
  readonly pool: string;
  readonly cluster: string;
  readonly package: string;
  /** A pool claim's prefix: `address` and `prefix` are the prefix itself (`10.0.0.0/16`). */
  readonly block?: true;
  /** The labels of the claim's allocation, by which get claims of other packages find it. */
  readonly labels?: Readonly<Record<string, string>>;
  readonly gateway?: string;
}

/**
 * Marks an IPPrefix ipam-fn carved out of a Network aggregate: `<Network>/<routing table>/<aggregate>`.
 * Carved subnets are kept in the ledger's `subnets` record, not published as pools.
 */
export const CARVED_FROM = 'netpipe.dev/carved-from';

/** The carving of one routing table (network instance): which cluster got which subnet. */
export interface SubnetsRecord {
  /** Aggregate -> the carving cursor (last address of the last subnet carved). */
  readonly cursors: Readonly<Record<string, string>>;
  /** Aggregate -> cluster -> subnet (CIDR). */
  readonly carved: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** The prefixes held in one pool-kind prefix. */
export interface PrefixPoolRecord {
  /** The last address of the last prefix handed out (the allocator's cursor), null before the first. */
  readonly cursor: string | null;
  /** Prefix (CIDR) -> [claim identity, package]. */
  readonly held: Readonly<Record<string, readonly [string, string]>>;
}

export interface ChunkRecord {
  /** The cluster the chunk is affine to. */
  readonly cluster: string;
  /** Offset in the chunk of the last address handed out, null before the first. */
  readonly cursor: number | null;
  /** Offset -> [claim identity, package]. */
  readonly held: Readonly<Record<string, readonly [string, string]>>;
}

/** A chunk index as affinity and carving records write it (hex). */
export const indexText = (index: bigint): string => index.toString(16);
/** A chunk index of an affinity or carving record (records.ts checked it is hex). */
export const indexOfText = (hex: string): bigint => BigInt(`0x${hex}`);

/** Pool id -> chunk index (hex). */
export type AffinityRecord = Readonly<Record<string, string>>;
/** Pool id -> index (hex) of the next chunk never handed out. */
export type CarveRecord = Readonly<Record<string, string>>;

/**
 * A claim identity a package holds an address or prefix under: the key of its owner record. The
 * one shape of a holding; the others add what their use needs (its record, its package, its address).
 */
export interface PackageHolding {
  readonly ni: string;
  readonly owner: string;
}

/**
 * What one claim identity holds in a network instance: its owner record with the parts of its key.
 * The render's frees and `netpipe ledger release` release holdings in this shape.
 */
export interface OwnerHolding extends PackageHolding {
  readonly record: OwnerRecord;
}

export interface PackageRecord {
  /** Sorted by network instance, then owner. */
  readonly holdings: readonly PackageHolding[];
  /** VLAN indexes in which the package's claims hold an ID (sorted; absent when none). */
  readonly vlans?: readonly string[];
}

/** A VLAN index's range as published: what must agree between every render using the index. */
export interface VlanDefinition {
  readonly min: number;
  readonly max: number;
  /** Exclusions as `lo-hi`, sorted and merged as written. */
  readonly exclude: readonly string[];
}

/** One held VLAN ID: its binding and the `[package, cluster]` pairs whose claims share it. */
export interface VlanHolding {
  readonly binding: string;
  readonly holders: readonly (readonly [string, string])[];
}

export interface VlanIndexRecord {
  readonly definition: VlanDefinition | null;
  /** The package that published the definition (messages only). */
  readonly package: string;
  /** The last ID handed out (next-fit), null before the first. */
  readonly cursor: number | null;
  /** ID (decimal) -> holding. */
  readonly held: Readonly<Record<string, VlanHolding>>;
}

export function vlanDefinitionOf(range: { min: number; max: number; exclude?: readonly { lo: number; hi: number }[] }): VlanDefinition {
  const exclude = [...(range.exclude ?? [])].sort((a, b) => a.lo - b.lo || a.hi - b.hi).map((e) => (e.lo === e.hi ? `${e.lo}` : `${e.lo}-${e.hi}`));
  return { min: range.min, max: range.max, exclude };
}

export function vlanRangeOf(def: VlanDefinition): { min: number; max: number; exclude: { lo: number; hi: number }[] } {
  return {
    min: def.min,
    max: def.max,
    exclude: def.exclude.map((e) => {
      const [lo, hi] = e.split('-').map(Number);
      return { lo, hi: hi ?? lo };
    }),
  };
}

/** What differs between two definitions of one VLAN index, or undefined when they agree. */
export function vlanDefinitionDifference(published: VlanDefinition, mine: VlanDefinition): string | undefined {
  const diffs: string[] = [];
  if (published.min !== mine.min || published.max !== mine.max) diffs.push(`range ${published.min}-${published.max} in the ledger, ${mine.min}-${mine.max} here`);
  if (published.exclude.join(',') !== mine.exclude.join(',')) diffs.push(`exclusions [${published.exclude.join(', ')}] in the ledger, [${mine.exclude.join(', ')}] here`);
  return diffs.length ? diffs.join('; ') : undefined;
}

export function definitionOf(pool: Pool, labels: Readonly<Record<string, string>>, kind: 'network' | 'pool' | 'loopback' | 'aggregate' = 'network'): PoolDefinition {
  const sorted: Record<string, string> = {};
  for (const k of Object.keys(labels).sort()) sorted[k] = labels[k];
  const def = { prefix: pool.id, gateway: pool.gatewayAddress ?? null, exclusions: [...pool.exclusions], labels: sorted };
  return kind === 'network' ? def : { prefix: def.prefix, kind, gateway: def.gateway, exclusions: def.exclusions, labels: def.labels };
}

/** What differs between two definitions of one pool, or undefined when they agree. */
export function definitionDifference(published: PoolDefinition, mine: PoolDefinition): string | undefined {
  const diffs: string[] = [];
  if ((published.kind ?? 'network') !== (mine.kind ?? 'network')) diffs.push(`kind ${published.kind ?? 'network'} in the ledger, ${mine.kind ?? 'network'} here`);
  if (published.gateway !== mine.gateway) diffs.push(`gateway ${published.gateway ?? 'none'} in the ledger, ${mine.gateway ?? 'none'} here`);
  if (published.exclusions.join(',') !== mine.exclusions.join(',')) {
    diffs.push(`exclusions [${published.exclusions.join(', ')}] in the ledger, [${mine.exclusions.join(', ')}] here`);
  }
  const a = JSON.stringify(published.labels);
  const b = JSON.stringify(mine.labels);
  if (a !== b) diffs.push(`labels ${a} in the ledger, ${b} here`);
  return diffs.length ? diffs.join('; ') : undefined;
}
