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
  readFunctionConfig,
  ANNOTATIONS,
  API,
  claimedPrefix,
  clusterOfClaim,
  collectNetworkPrefixes,
  errorFor,
  infoFor,
  fileNameProblem,
  isIPClaim,
  packagePathOf,
  resourceNameProblem,
  getAnnotation,
  isObject,
  KubeObject,
  LABELS,
  nameOf,
  namespaceOf,
  NetworkPrefix,
  placementFrom,
  PoolSource,
  PREFIX_KIND_LABEL,
  Result,
  scalarText,
  isGetClaim,
} from '../../lib/src';
import { createAddressSpace, createPool, formatCidr, networkOf, parseAddressWithLength } from '../../lib/src/ipam';
import type { CursorState, IpFamily } from '../../lib/src/ipam';
import { CARVED_FROM } from '../../lib/src/ledger/keys';
import type { SubnetsRecord } from '../../lib/src/ledger/keys';
import type { SubnetLedgerHooks } from '../../lib/src/ledger/ipam-hooks';
import { isCursor, networkInstanceOfCursor, readCursor } from '../../lib/src/allocation-cursors';


export { CARVED_FROM };

/** Default per-cluster subnet lengths, as Nephio's network controller carves them. */
export const DEFAULT_SUBNET_LENGTHS: Readonly<Record<IpFamily, number>> = { ipv4: 24, ipv6: 64 };
const CONFIG_KEYS: Readonly<Record<IpFamily, string>> = { ipv4: 'networkSubnetLengthIPv4', ipv6: 'networkSubnetLengthIPv6' };
/** The ConfigMap keys carving reads from ipam-fn's functionConfig. */
export const SUBNET_LENGTH_KEYS: readonly string[] = Object.values(CONFIG_KEYS);

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

/** Per-cluster subnet lengths from ipam-fn's ConfigMap functionConfig (`data.networkSubnetLengthIPv4|IPv6`). */
export function readSubnetLengths(fc: KubeObject | undefined, results: Result[]): Record<IpFamily, number> {
  const lengths = { ...DEFAULT_SUBNET_LENGTHS };
  const parts = readFunctionConfig(fc);
  for (const family of ['ipv4', 'ipv6'] as const) {
    const key = CONFIG_KEYS[family];
    const text = parts.data[key];
    if (text === undefined) continue;
    const functionConfig = parts.dataSource(key) as KubeObject;
    const bits = family === 'ipv4' ? 32 : 128;
    const n = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
    if (!(n >= 1 && n <= bits)) {
      results.push(errorFor(functionConfig, `${key} ${JSON.stringify(text)} is not an ${family} prefix length (1-${bits})`, `data.${key}`, text));
      continue;
    }
    lengths[family] = n;
  }
  return lengths;
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
    const space = createAddressSpace(`${ni} (aggregates)`);
    const usable: NetworkPrefix[] = [];
    for (const a of byNi.get(ni)!.sort((x, y) => compare(x.pool.id, y.pool.id))) {
      const added = space.addPool(a.pool);
      if (!added.ok) results.push(errorFor(a.definedBy, added.error.message, `${a.field}.prefix`, a.pool.id));
      else if (added.value === a.pool) usable.push(a);
    }
    const state = cursors.get(ni);
    if (state) space.importState(state);
    const containing = (lo: bigint, family: IpFamily) =>
      usable.find((a) => a.pool.family === family && a.pool.network <= lo && lo <= a.pool.lastAddress);

    // What the shared ledger records is carved already, whatever this render's Git holds.
    const inLedger = recorded?.get(ni) ?? new Map<string, string>();
    const ledgerSubnets = new Set(inLedger.values());
    for (const [key, subnet] of [...inLedger].sort((x, y) => compare(x[0], y[0]))) {
      const [aggregate, cluster] = splitAt(key);
      if (!usable.some((a) => a.pool.id === aggregate)) continue;
      const r = space.reserveBlock(carvedSubnetBinding(cluster, ni, aggregate), subnet, [aggregate]);
      if (!r.ok) results.push(errorFor(usable.find((a) => a.pool.id === aggregate)!.definedBy, `the shared ledger's carving of routing table ${ni} cannot be placed: ${r.error.message}; run netpipe ledger verify`, 'spec'));
    }

    // Everything already inside an aggregate stays where it is and is carved around.
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
      if (ours && cluster && recorded) {
        const inLedgerFor = inLedger.get(`${a.pool.id}|${cluster}`);
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
      const r = space.reserveBlock(owner, p.pool.id, [a.pool.id]);
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

    // Which cluster needs a subnet of which aggregate.
    const needs = new Map<string, { aggregate: NetworkPrefix; cluster: string; recorded: string[] }>();
    for (const w of wants.filter((x) => x.ni === ni && x.cluster !== '')) {
      const own = pools.some(
        (p) => p.networkInstance === ni && p.kind === 'network' && p.pool.family === w.family && p.labels[LABELS.clusterName] === w.cluster && agreement(p.labels, w.selector, w.family) >= 0,
      );
      if (own) continue;
      const best = usable
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
                `widen the aggregate or set a longer ${CONFIG_KEYS[a.pool.family]} in ipam-fn's functionConfig`,
              `${a.field}.prefix`,
              a.pool.id,
            ),
          );
        }
        continue;
      }
      const owner = carvedSubnetBinding(cluster, ni, a.pool.id);
      const fromLedger = inLedger.get(`${a.pool.id}|${cluster}`);
      if (fromLedger !== undefined) {
        // Carved by another render (or one killed before kpt wrote it): written to Git here.
        carved.push({ aggregate: a, cluster, prefix: fromLedger });
        continue;
      }
      // A claim that already holds an address (made by Nephio's controller, say) keeps it when
      // the subnet it lies in is still free.
      let prefix: string | undefined;
      for (const text of [...recorded].sort(compare)) {
        const parsed = parseAddressWithLength(text);
        if (!parsed.ok || parsed.value.length <= a.pool.prefixLength) continue;
        const { family, value, length: len } = parsed.value;
        const r = space.reserveBlock(owner, formatCidr(family, networkOf(family, value, len), len), [a.pool.id]);
        if (r.ok) {
          prefix = r.value.prefix;
          break;
        }
      }
      if (prefix === undefined) {
        const r = space.allocateBlock(owner, [a.pool.id], length);
        if (!r.ok) {
          results.push(
            errorFor(
              a.definedBy,
              `no free /${length} subnet for cluster ${cluster} in aggregate ${a.pool.id} of routing table ${ni}: ${r.error.message.split(' - ').slice(1).join(' - ') || r.error.message}`,
              `${a.field}.prefix`,
              a.pool.id,
            ),
          );
          continue;
        }
        prefix = r.value.prefix;
      }
      carved.push({ aggregate: a, cluster, prefix });
    }
    outCursors.set(ni, space.exportState());
  }
  return { carved, cursors: outCursors, results };
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

/**
 * The edge of carving inside ipam-fn: reads Networks, the network claims that want subnets and
 * the saved cursors from the render, carves, and returns the new IPPrefix items. Their pools are
 * appended to `pools`, so the rest of ipam-fn sees them like any recorded subnet.
 */
export function carveNetworkSubnets(
  items: readonly KubeObject[],
  functionConfig: KubeObject | undefined,
  pools: PoolSource[],
  results: Result[],
  /** With a shared ledger: the carving is read from and recorded in it (cursors too, not in Git). */
  ledger?: SubnetLedgerHooks,
): { items: KubeObject[]; cursors: ReadonlyMap<string, CursorState>; aggregates: readonly NetworkPrefix[] } {
  const network = collectNetworkPrefixes(items);
  results.push(...network.results);
  const own = network.prefixes.filter((p) => p.kind === 'network');
  // With the ledger, the aggregates the Networks' package published serve a package without a
  // copy of the Network; a copy in the package is the same definition (the edge checks that).
  const ownIds = new Set(own.map((a) => `${a.networkInstance}|${a.pool.id}`));
  const published = (ledger?.published ?? []).filter((p) => !ownIds.has(`${p.aggregate.networkInstance}|${p.aggregate.pool.id}`));
  const fromLedger = new Set(published.map((p) => p.aggregate));
  const aggregates = [...own, ...published.map((p) => p.aggregate)];
  if (aggregates.length === 0) return { items: [], cursors: new Map(), aggregates };
  const lengths = readSubnetLengths(functionConfig, results);

  const wants: SubnetWant[] = [];
  for (const claim of items.filter(isIPClaim)) {
    if (isGetClaim(claim) || (scalarText(claim.spec.kind) ?? 'network') !== 'network') continue;
    const selector: Record<string, string> = {};
    const matchLabels = isObject(claim.spec.selector) && isObject(claim.spec.selector.matchLabels) ? claim.spec.selector.matchLabels : {};
    for (const [k, v] of Object.entries(matchLabels)) {
      const t = scalarText(v);
      if (t !== undefined) selector[k] = t;
    }
    const recorded = claimedPrefix(claim);
    const family = selector[LABELS.addressFamily] ?? (recorded === undefined ? undefined : recorded.includes(':') ? 'ipv6' : 'ipv4');
    if (family !== 'ipv4' && family !== 'ipv6') continue;
    const ni = isObject(claim.spec.networkInstance) ? scalarText(claim.spec.networkInstance.name) : undefined;
    if (!ni) continue;
    wants.push({ ni, cluster: clusterOfClaim(claim), family, selector, ...(recorded !== undefined ? { recorded } : {}) });
  }

  // The saved cursors, as ipam-fn reads them: the outermost AllocationCursor of each instance.
  const cursors = new Map<string, CursorState>();
  const cursorItems = ledger ? [] : items.filter(isCursor).sort((a, b) => compare(depthKey(a), depthKey(b)));
  for (const c of cursorItems) {
    const ni = networkInstanceOfCursor(c);
    if (!cursors.has(ni)) cursors.set(ni, readCursor(c).state); // ipam-fn reports a broken cursor
  }
  // With a ledger, its record of each routing table is the carving (and its cursors).
  const ledgerRecords = new Map<string, SubnetsRecord>();
  let loading = false;
  for (const ni of [...new Set(aggregates.map((a) => a.networkInstance))].sort(compare)) {
    const rec = ledger?.carved(ni);
    if (!ledger) continue;
    if (rec === undefined) loading = true;
    else ledgerRecords.set(ni, rec);
  }
  if (loading) return { items: [], cursors: new Map(), aggregates }; // the edge loads the records and runs again
  const recorded = ledger ? new Map<string, Map<string, string>>() : undefined;
  for (const [ni, rec] of ledgerRecords) {
    cursors.set(ni, rec.cursors);
    const m = new Map<string, string>();
    for (const [aggregate, byCluster] of Object.entries(rec.carved)) for (const [cluster, subnet] of Object.entries(byCluster)) m.set(`${aggregate}|${cluster}`, subnet);
    recorded!.set(ni, m);
  }

  const result = carveSubnets(aggregates, pools, wants, cursors, lengths, recorded);
  results.push(...result.results);
  if (ledger) {
    // Record the carving: the ledger's, subnets recorded in Git it lacked (adopted), new ones.
    for (const [ni, rec] of ledgerRecords) {
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
  const taken = new Set(items.map((o) => `${o.kind}|${namespaceOf(o)}|${nameOf(o)}`));
  const out: KubeObject[] = [];
  for (const c of result.carved) {
    let beside: KubeObject | undefined;
    if (fromLedger.has(c.aggregate)) {
      // No Network here: the subnet is recorded beside the first claim it serves.
      const claim = items
        .filter((o) => isIPClaim(o) && !isGetClaim(o) && clusterOfClaim(o) === c.cluster && isObject(o.spec.networkInstance) && scalarText(o.spec.networkInstance.name) === c.aggregate.networkInstance)
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
  return { items: out, cursors: result.cursors, aggregates };
}

function depthKey(o: KubeObject): string {
  const pkg = packagePathOf(o);
  return `${pkg.length.toString().padStart(6, '0')}|${pkg}`;
}
