/**
 * Per-cluster subnets carved out of the aggregates of Nephio `Network` routing tables.
 *
 * Nephio's network controller gives every cluster attached to a routing table a subnet of each of
 * its aggregates (and the claims of that cluster draw from it); without the controller and its
 * topology nothing is carved and claims fail with "no available routes" (Nephio issue 737). Here
 * the carving happens at package time: each cluster that has network claims on a routing table
 * gets an aligned subnet (default /24 for IPv4, /64 for IPv6) of the aggregate its claims select.
 * The subnet is recorded in Git as an `IPPrefix` beside the Network, marked as ours, and from
 * then on it is an ordinary pool: it is never moved, and carving avoids it and every other prefix
 * inside the aggregate. Carving is a pure function of the aggregates, the recorded subnets, the
 * clusters that want one and the carving cursors - the same inputs give the same subnets, in any
 * item order - so a shared ledger can run it against its own snapshot.
 */
import {
  ANNOTATIONS,
  API,
  collectNetworkPrefixes,
  errorFor,
  infoFor,
  fileNameProblem,
  packagePathOf,
  resourceNameProblem,
  getAnnotation,
  KubeObject,
  LABELS,
  nameOf,
  namespaceOf,
  NetworkPrefix,
  placementFrom,
  PoolSource,
  PREFIX_KIND_LABEL,
  Result,
} from '../../lib/src';
import { AddressSpace, createAddressSpace, createPool, formatCidr, networkOf, parseAddressWithLength } from '../../lib/src/ipam';
import type { CursorState, IpFamily } from '../../lib/src/ipam';
import { CARVED_FROM } from '../../lib/src/ledger/keys';
import { readSubnetLengths, SUBNET_LENGTH_KEY } from './config';
import type { SubnetsRecord } from '../../lib/src/ledger/keys';
import type { PublishedAggregate, SubnetLedgerHooks } from '../../lib/src/ledger/ipam-hooks';
import type { CheckedClaim, ClaimCheck } from './checked-claims';
import { isCursor, networkInstanceOfCursor, readCursor } from '../../lib/src/allocation-cursors';


export { CARVED_FROM };

/** One cluster's network claim on a routing table: what decides which aggregate it carves from. */
export interface SubnetWant {
  readonly ni: string;
  readonly cluster: string;
  readonly family: IpFamily;
  readonly selector: Readonly<Record<string, string>>;
  /** The address the claim records (`10.1.3.3/24`), if any: carving prefers the subnet it lies in. */
  readonly recorded?: string;
}

export interface CarvedSubnet {
  readonly aggregate: NetworkPrefix;
  readonly cluster: string;
  /** The subnet, canonical CIDR. */
  readonly prefix: string;
}

export interface CarveResult {
  readonly carved: readonly CarvedSubnet[];
  /** Per network instance, the carving cursors (aggregate -> last address carved). */
  readonly cursors: ReadonlyMap<string, CursorState>;
  readonly results: readonly Result[];
}

/** The holder of a carved subnet in its aggregate (and, later, in a shared ledger). */
export function carvedSubnetBinding(cluster: string, ni: string, aggregate: string): string {
  return `subnet:${cluster}/${ni}/${aggregate}`;
}

/** Selector agreement as for pools: a label both carry must match; returns how many do, or -1. */
function agreement(labels: Readonly<Record<string, string>>, selector: Readonly<Record<string, string>>, family: IpFamily): number {
  let n = 0;
  for (const [k, v] of Object.entries(selector)) {
    if (k === LABELS.addressFamily) {
      if (v !== family) return -1;
      continue;
    }
    const have = labels[k];
    if (have === undefined) continue;
    if (have !== v) return -1;
    n++;
  }
  return n;
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

export function carveSubnets(
  aggregates: readonly NetworkPrefix[],
  pools: readonly PoolSource[],
  wants: readonly SubnetWant[],
  cursors: ReadonlyMap<string, CursorState>,
  lengths: Readonly<Record<IpFamily, number>>,
  /** With a shared ledger: per routing table, what it records (`<aggregate>|<cluster>` -> subnet). */
  recorded?: ReadonlyMap<string, ReadonlyMap<string, string>>,
): CarveResult {
  const results: Result[] = [];
  const carved: CarvedSubnet[] = [];
  const outCursors = new Map<string, CursorState>();
  const byNi = new Map<string, NetworkPrefix[]>();
  for (const a of aggregates) byNi.set(a.networkInstance, [...(byNi.get(a.networkInstance) ?? []), a]);
  for (const ni of [...byNi.keys()].sort(compare)) {
    const table = openTable(ni, byNi.get(ni)!, cursors.get(ni), recorded, results);
    reserveLedgerCarving(table);
    reserveInside(table, pools);
    carveNeeds(table, subnetNeeds(table, pools, wants), lengths, carved);
    outCursors.set(ni, table.space.exportState());
  }
  return { carved, cursors: outCursors, results };
}

/** One routing table being carved: its aggregates' space and what the ledger records of it. */
interface TableCarving {
  readonly ni: string;
  readonly space: AddressSpace;
  /** The aggregates the space took (an overlapping one is refused, and said). */
  readonly usable: readonly NetworkPrefix[];
  /** With a shared ledger: its carving of this table (`<aggregate>|<cluster>` -> subnet); else empty. */
  readonly inLedger: ReadonlyMap<string, string>;
  readonly withLedger: boolean;
  readonly results: Result[];
}

function openTable(
  ni: string,
  aggregates: NetworkPrefix[],
  cursors: CursorState | undefined,
  recorded: ReadonlyMap<string, ReadonlyMap<string, string>> | undefined,
  results: Result[],
): TableCarving {
  const space = createAddressSpace(`${ni} (aggregates)`);
  const usable: NetworkPrefix[] = [];
  for (const a of aggregates.sort((x, y) => compare(x.pool.id, y.pool.id))) {
    const added = space.addPool(a.pool);
    if (!added.ok) results.push(errorFor(a.definedBy, added.error.message, `${a.field}.prefix`, a.pool.id));
    else if (added.value === a.pool) usable.push(a);
  }
  if (cursors) space.importState(cursors);
  return { ni, space, usable, inLedger: recorded?.get(ni) ?? new Map<string, string>(), withLedger: recorded !== undefined, results };
}

/** What the shared ledger records is carved already, whatever this render's Git holds. */
function reserveLedgerCarving(t: TableCarving): void {
  for (const [key, subnet] of [...t.inLedger].sort((x, y) => compare(x[0], y[0]))) {
    const [aggregate, cluster] = splitAt(key);
    if (!t.usable.some((a) => a.pool.id === aggregate)) continue;
    const r = t.space.reserveBlock(carvedSubnetBinding(cluster, t.ni, aggregate), subnet, [aggregate]);
    if (!r.ok) t.results.push(errorFor(t.usable.find((a) => a.pool.id === aggregate)!.definedBy, `the shared ledger's carving of routing table ${t.ni} cannot be placed: ${r.error.message}; run netpipe ledger verify`, 'spec'));
  }
}

/** Everything already inside an aggregate stays where it is and is carved around. */
function reserveInside(t: TableCarving, pools: readonly PoolSource[]): void {
  const { ni, results } = t;
  const ledgerSubnets = new Set(t.inLedger.values());
  const containing = (lo: bigint, family: IpFamily) => t.usable.find((a) => a.pool.family === family && a.pool.network <= lo && lo <= a.pool.lastAddress);
  for (const p of [...pools].filter((x) => x.networkInstance === ni).sort((x, y) => compare(x.pool.id, y.pool.id))) {
    const ours = getAnnotation(p.definedBy, CARVED_FROM) !== undefined;
    const a = containing(p.pool.network, p.pool.family);
    if (a === undefined) {
      if (ours) {
        results.push(
          errorFor(
            p.definedBy,
            `${p.pool.describe()} was carved for cluster ${p.labels[LABELS.clusterName] ?? '?'} out of an aggregate of routing table ${ni} that no Network has any more; ` +
              `restore the aggregate, or delete this IPPrefix (the claims in it then get new addresses)`,
            'spec.prefix',
            p.pool.id,
          ),
        );
      }
      continue;
    }
    const cluster = p.labels[LABELS.clusterName];
    if (ours && cluster && t.withLedger) {
      const inLedgerFor = t.inLedger.get(`${a.pool.id}|${cluster}`);
      if (inLedgerFor !== undefined && inLedgerFor !== p.pool.id) {
        results.push(
          errorFor(
            p.definedBy,
            `${p.pool.describe()} records ${p.pool.id} as the subnet of cluster ${cluster} in aggregate ${a.pool.id} of routing table ${ni}, but the shared ledger records ${inLedgerFor} for it; ` +
              `a carved subnet never moves: restore ${inLedgerFor} in this IPPrefix (or delete the file, and the render writes it back), or release the ledger's (netpipe ledger release --owner ${carvedSubnetBinding(cluster, ni, a.pool.id)}) if this one is right`,
            'spec.prefix',
            p.pool.id,
          ),
        );
        continue;
      }
    }
    // A subnet the ledger records (published as a pool by an older render) is reserved above.
    if (!ours && ledgerSubnets.has(p.pool.id)) continue;
    const owner = ours && cluster ? carvedSubnetBinding(cluster, ni, a.pool.id) : `${p.pool.describe()}`;
    const r = t.space.reserveBlock(owner, p.pool.id, [a.pool.id]);
    if (!r.ok) {
      const straddles = p.pool.lastAddress > a.pool.lastAddress;
      results.push(
        errorFor(
          p.definedBy,
          straddles
            ? `${p.pool.describe()} straddles the end of aggregate ${a.pool.id} of routing table ${ni}; a prefix must lie inside an aggregate or outside all of them`
            : r.error.message,
          `${p.field}.prefix`,
          p.pool.id,
        ),
      );
    }
  }
}

/** A cluster that needs a subnet of an aggregate, and the addresses its claims record there. */
interface SubnetNeed {
  readonly aggregate: NetworkPrefix;
  readonly cluster: string;
  readonly recorded: string[];
}

/** Which cluster needs a subnet of which aggregate, by `<aggregate>|<cluster>`. */
function subnetNeeds(t: TableCarving, pools: readonly PoolSource[], wants: readonly SubnetWant[]): Map<string, SubnetNeed> {
  const { ni } = t;
  const needs = new Map<string, SubnetNeed>();
  for (const w of wants.filter((x) => x.ni === ni && x.cluster !== '')) {
    const own = pools.some(
      (p) => p.networkInstance === ni && p.kind === 'network' && p.pool.family === w.family && p.labels[LABELS.clusterName] === w.cluster && agreement(p.labels, w.selector, w.family) >= 0,
    );
    if (own) continue;
    const best = t.usable
      .filter((a) => a.pool.family === w.family)
      .map((a) => ({ a, score: agreement(a.labels, w.selector, w.family) }))
      .filter((x) => x.score >= 0)
      .sort((x, y) => y.score - x.score || compare(x.a.pool.id, y.a.pool.id))[0];
    if (best === undefined) continue;
    const key = `${best.a.pool.id}|${w.cluster}`;
    const need = needs.get(key) ?? { aggregate: best.a, cluster: w.cluster, recorded: [] };
    if (w.recorded !== undefined) need.recorded.push(w.recorded);
    needs.set(key, need);
  }
  return needs;
}

/** Gives each need its subnet: the ledger's, the one its claims' addresses lie in, or a new one. */
function carveNeeds(t: TableCarving, needs: ReadonlyMap<string, SubnetNeed>, lengths: Readonly<Record<IpFamily, number>>, carved: CarvedSubnet[]): void {
  const { ni, results } = t;
  const tooShort = new Set<NetworkPrefix>();
  for (const key of [...needs.keys()].sort(compare)) {
    const { aggregate: a, cluster, recorded } = needs.get(key)!;
    const length = lengths[a.pool.family];
    if (length <= a.pool.prefixLength) {
      if (!tooShort.has(a)) {
        tooShort.add(a);
        results.push(
          errorFor(
            a.definedBy,
            `aggregate ${a.pool.id} of routing table ${ni} cannot be carved into /${length} per-cluster subnets: it is no larger than one; ` +
              `widen the aggregate or set a longer ${SUBNET_LENGTH_KEY[a.pool.family]} in ipam-fn's functionConfig`,
            `${a.field}.prefix`,
            a.pool.id,
          ),
        );
      }
      continue;
    }
    const fromLedger = t.inLedger.get(`${a.pool.id}|${cluster}`);
    if (fromLedger !== undefined) {
      // Carved by another render (or one killed before kpt wrote it): written to Git here.
      carved.push({ aggregate: a, cluster, prefix: fromLedger });
      continue;
    }
    const owner = carvedSubnetBinding(cluster, ni, a.pool.id);
    const prefix = keptSubnet(t.space, owner, a, recorded) ?? newSubnet(t, owner, a, cluster, length);
    if (prefix !== undefined) carved.push({ aggregate: a, cluster, prefix });
  }
}

/**
 * A claim that already holds an address (made by Nephio's controller, say) keeps it when the
 * subnet it lies in is still free.
 */
function keptSubnet(space: AddressSpace, owner: string, a: NetworkPrefix, recorded: readonly string[]): string | undefined {
  for (const text of [...recorded].sort(compare)) {
    const parsed = parseAddressWithLength(text);
    if (!parsed.ok || parsed.value.length <= a.pool.prefixLength) continue;
    const { family, value, length: len } = parsed.value;
    const r = space.reserveBlock(owner, formatCidr(family, networkOf(family, value, len), len), [a.pool.id]);
    if (r.ok) return r.value.prefix;
  }
  return undefined;
}

function newSubnet(t: TableCarving, owner: string, a: NetworkPrefix, cluster: string, length: number): string | undefined {
  const r = t.space.allocateBlock(owner, [a.pool.id], length);
  if (r.ok) return r.value.prefix;
  t.results.push(
    errorFor(
      a.definedBy,
      `no free /${length} subnet for cluster ${cluster} in aggregate ${a.pool.id} of routing table ${t.ni}: ${r.error.detail ?? r.error.message}`,
      `${a.field}.prefix`,
      a.pool.id,
    ),
  );
  return undefined;
}

function splitAt(key: string): [string, string] {
  const i = key.lastIndexOf('|');
  return [key.slice(0, i), key.slice(i + 1)];
}

/** A DNS-1123 name for the carved subnet: `<routing table>-<cluster>-<prefix with - for . : />`. */
function carvedName(c: CarvedSubnet): string {
  return `${c.aggregate.networkInstance}-${c.cluster}-${c.prefix.replace(/[.:/]/g, '-')}`.toLowerCase();
}

/**
 * The IPPrefix that records a carved subnet in Git, beside its Network (or, for an aggregate the
 * ledger published, beside the claim it serves), and its pool.
 */
export function carvedPrefixItem(c: CarvedSubnet, beside: KubeObject = c.aggregate.definedBy): { item: KubeObject; source: PoolSource } {
  const network = c.aggregate.definedBy;
  const name = carvedName(c);
  const ns = namespaceOf(beside === network ? network : beside);
  const labels: Record<string, string> = { ...c.aggregate.labels };
  delete labels[PREFIX_KIND_LABEL];
  labels[LABELS.clusterName] = c.cluster;
  const item: KubeObject = {
    apiVersion: API.ipPrefix.apiVersion,
    kind: API.ipPrefix.kind,
    metadata: {
      name,
      ...(ns ? { namespace: ns } : {}),
      annotations: {
        [ANNOTATIONS.localConfig]: 'true',
        [CARVED_FROM]: `${nameOf(network)}/${c.aggregate.networkInstance}/${c.aggregate.pool.id}`,
        ...placementFrom(beside, `ipprefix-${name}.yaml`),
      },
    },
    spec: { kind: 'network', networkInstance: { name: c.aggregate.networkInstance }, prefix: c.prefix, labels },
  };
  const pool = createPool({ prefix: c.prefix, name: `IPPrefix ${name}` });
  if (!pool.ok) throw new Error(`carved subnet ${c.prefix} is not a valid pool: ${pool.error.message}`);
  return { item, source: { networkInstance: c.aggregate.networkInstance, kind: 'network', pool: pool.value, labels, definedBy: item, field: 'spec' } };
}

/** What carving adds to an ipam-fn run. */
export interface CarvedNetworkSubnets {
  /** The IPPrefixes recording the subnets carved this render. */
  readonly items: KubeObject[];
  readonly cursors: ReadonlyMap<string, CursorState>;
  /** The Networks' aggregates, the render's and (with the shared ledger) the published ones. */
  readonly aggregates: readonly NetworkPrefix[];
}

/** The Networks' aggregates: the render's, and those the shared ledger publishes that it lacks. */
interface Aggregates {
  readonly all: readonly NetworkPrefix[];
  readonly published: readonly PublishedAggregate[];
}

/**
 * The edge of carving inside ipam-fn: reads Networks, the network claims that want subnets and
 * the saved cursors from the render, carves, and returns the new IPPrefix items. Their pools are
 * appended to `pools`, so the rest of ipam-fn sees them like any recorded subnet.
 */
export function carveNetworkSubnets(
  items: readonly KubeObject[],
  claims: readonly ClaimCheck[],
  functionConfig: KubeObject | undefined,
  pools: PoolSource[],
  results: Result[],
  /** With a shared ledger: the carving is read from and recorded in it (cursors too, not in Git). */
  ledger?: SubnetLedgerHooks,
): CarvedNetworkSubnets {
  const aggregates = aggregatesOf(items, results, ledger);
  if (aggregates.all.length === 0) return { items: [], cursors: new Map(), aggregates: aggregates.all };
  const lengths = readSubnetLengths(functionConfig, results);
  const checked = claims.flatMap((c) => (c.checked && !c.checked.get ? [c.checked] : []));
  const cursors = ledger ? new Map<string, CursorState>() : savedCursors(items);
  // With a ledger, its record of each routing table is the carving (and its cursors).
  const ledgerRecords = ledger ? ledgerCarving(ledger, aggregates.all) : undefined;
  if (ledgerRecords === 'loading') return { items: [], cursors: new Map(), aggregates: aggregates.all }; // the edge loads the records and runs again
  const recorded = ledgerRecords ? new Map<string, Map<string, string>>() : undefined;
  for (const [ni, rec] of ledgerRecords ?? []) {
    cursors.set(ni, rec.cursors);
    const m = new Map<string, string>();
    for (const [aggregate, byCluster] of Object.entries(rec.carved)) for (const [cluster, subnet] of Object.entries(byCluster)) m.set(`${aggregate}|${cluster}`, subnet);
    recorded!.set(ni, m);
  }

  const result = carveSubnets(aggregates.all, pools, subnetWants(checked), cursors, lengths, recorded);
  results.push(...result.results);
  if (ledger && ledgerRecords) recordCarving(ledger, ledgerRecords, aggregates.all, pools, result);
  const out = carvedItems(items, checked, aggregates.published, result.carved, pools, results);
  return { items: out, cursors: result.cursors, aggregates: aggregates.all };
}

function aggregatesOf(items: readonly KubeObject[], results: Result[], ledger: SubnetLedgerHooks | undefined): Aggregates {
  const network = collectNetworkPrefixes(items);
  results.push(...network.results);
  const own = network.prefixes.filter((p) => p.kind === 'network');
  // With the ledger, the aggregates the Networks' package published serve a package without a
  // copy of the Network; a copy in the package is the same definition (the edge checks that).
  const ownIds = new Set(own.map((a) => `${a.networkInstance}|${a.pool.id}`));
  const published = (ledger?.published ?? []).filter((p) => !ownIds.has(`${p.aggregate.networkInstance}|${p.aggregate.pool.id}`));
  return { all: [...own, ...published.map((p) => p.aggregate)], published };
}

/** Each cluster's network claims on a routing table, by what decides their aggregate. */
function subnetWants(claims: readonly CheckedClaim[]): SubnetWant[] {
  const wants: SubnetWant[] = [];
  for (const c of claims) {
    if (c.kind !== 'network') continue;
    const family = c.selector[LABELS.addressFamily] ?? (c.recorded === undefined ? undefined : c.recorded.includes(':') ? 'ipv6' : 'ipv4');
    if (family !== 'ipv4' && family !== 'ipv6') continue;
    wants.push({ ni: c.ni, cluster: c.cluster, family, selector: c.selector, ...(c.recorded !== undefined ? { recorded: c.recorded } : {}) });
  }
  return wants;
}

/** The saved cursors, as ipam-fn reads them: the outermost AllocationCursor of each instance. */
function savedCursors(items: readonly KubeObject[]): Map<string, CursorState> {
  const cursors = new Map<string, CursorState>();
  for (const c of items.filter(isCursor).sort((a, b) => compare(depthKey(a), depthKey(b)))) {
    const ni = networkInstanceOfCursor(c);
    if (!cursors.has(ni)) cursors.set(ni, readCursor(c).state); // ipam-fn reports a broken cursor
  }
  return cursors;
}

/** The ledger's record of each routing table, or `loading` while any is still to be read. */
function ledgerCarving(ledger: SubnetLedgerHooks, aggregates: readonly NetworkPrefix[]): Map<string, SubnetsRecord> | 'loading' {
  const records = new Map<string, SubnetsRecord>();
  let loading = false;
  for (const ni of [...new Set(aggregates.map((a) => a.networkInstance))].sort(compare)) {
    const rec = ledger.carved(ni);
    if (rec === undefined) loading = true;
    else records.set(ni, rec);
  }
  return loading ? 'loading' : records;
}

/** Records the carving in the ledger: the ledger's, subnets recorded in Git it lacked (adopted), new ones. */
function recordCarving(ledger: SubnetLedgerHooks, records: ReadonlyMap<string, SubnetsRecord>, aggregates: readonly NetworkPrefix[], pools: readonly PoolSource[], result: CarveResult): void {
  for (const [ni, rec] of records) {
    const carved: Record<string, Record<string, string>> = {};
    const add = (aggregate: string, cluster: string, subnet: string): void => {
      (carved[aggregate] ??= {})[cluster] ??= subnet;
    };
    for (const [aggregate, byCluster] of Object.entries(rec.carved)) for (const [cluster, subnet] of Object.entries(byCluster)) add(aggregate, cluster, subnet);
    for (const p of pools) {
      const from = getAnnotation(p.definedBy, CARVED_FROM);
      const cluster = p.labels[LABELS.clusterName];
      if (p.networkInstance !== ni || from === undefined || !cluster) continue;
      const aggregate = from.split('/').slice(2).join('/');
      if (aggregates.some((a) => a.networkInstance === ni && a.pool.id === aggregate)) add(aggregate, cluster, p.pool.id);
    }
    for (const c of result.carved) if (c.aggregate.networkInstance === ni) add(c.aggregate.pool.id, c.cluster, c.prefix);
    const sorted: Record<string, Record<string, string>> = {};
    for (const a of Object.keys(carved).sort(compare)) {
      sorted[a] = {};
      for (const cl of Object.keys(carved[a]).sort(compare)) sorted[a][cl] = carved[a][cl];
    }
    const cur = result.cursors.get(ni) ?? {};
    ledger.record(ni, { cursors: Object.fromEntries(Object.keys(cur).sort(compare).map((k) => [k, cur[k]])), carved: sorted });
  }
}

/** The IPPrefix of each carved subnet (its pool joins `pools`), unless its name cannot be. */
function carvedItems(
  items: readonly KubeObject[],
  claims: readonly CheckedClaim[],
  published: readonly PublishedAggregate[],
  carved: readonly CarvedSubnet[],
  pools: PoolSource[],
  results: Result[],
): KubeObject[] {
  const fromLedger = new Set(published.map((p) => p.aggregate));
  const taken = new Set(items.map((o) => `${o.kind}|${namespaceOf(o)}|${nameOf(o)}`));
  const out: KubeObject[] = [];
  for (const c of carved) {
    let beside: KubeObject | undefined;
    if (fromLedger.has(c.aggregate)) {
      // No Network here: the subnet is recorded beside the first claim it serves.
      const claim = claims
        .filter((x) => x.cluster === c.cluster && x.ni === c.aggregate.networkInstance)
        .map((x) => x.claim)
        .sort((x, y) => compare(`${namespaceOf(x)}/${nameOf(x)}`, `${namespaceOf(y)}/${nameOf(y)}`))[0];
      const by = published.find((p) => p.aggregate === c.aggregate)?.package || '?';
      if (!claim) continue;
      beside = claim;
      results.push(
        infoFor(
          claim,
          `routing table ${c.aggregate.networkInstance} is not in this package: cluster ${c.cluster} draws from subnet ${c.prefix} of aggregate ${c.aggregate.pool.id}, ` +
            `published in the shared ledger by package ${by}; the subnet is recorded here as IPPrefix ${carvedName(c)}`,
          'spec.networkInstance.name',
        ),
      );
    }
    const { item, source } = carvedPrefixItem(c, beside);
    const name = nameOf(item);
    const problem = resourceNameProblem(name) ?? fileNameProblem(`ipprefix-${name}.yaml`);
    if (problem) {
      results.push(
        errorFor(c.aggregate.definedBy, `the subnet carved for cluster ${c.cluster} (${c.prefix}) cannot be named ${name}: ${problem}; shorten the routing table or cluster name`, `${c.aggregate.field}.prefix`),
      );
      continue;
    }
    if (taken.has(`${item.kind}|${namespaceOf(item)}|${name}`)) {
      results.push(
        errorFor(
          c.aggregate.definedBy,
          `the subnet carved for cluster ${c.cluster} (${c.prefix}) would be IPPrefix ${name}, but an IPPrefix of that name that ipam-fn did not carve exists; rename or remove it`,
          `${c.aggregate.field}.prefix`,
        ),
      );
      continue;
    }
    out.push(item);
    pools.push(source);
  }
  return out;
}

function depthKey(o: KubeObject): string {
  const pkg = packagePathOf(o);
  return `${pkg.length.toString().padStart(6, '0')}|${pkg}`;
}
