/**
 * What a render contains, as the ledger sees it: its claims (identity, cluster, package), its
 * packages and clusters, the pools and aggregates it defines and its VLAN claims. Read once per
 * render from the input, before any I/O; every phase of the edge works from these facts.
 */
import { API, IPClaim } from '../api/types';
import { claimBinding, clusterOfClaim } from '../claim-binding';
import { isGetClaim, lookupRecord } from '../allocation-labels';
import { isKptfile } from '../conditions';
import { isKind, isObject, KubeObject, nameOf, packagePathOf, scalarText } from '../kube/object';
import type { PoolSource } from '../pools';
import { collectPools } from '../pools';
import { collectNetworkPrefixes, NetworkPrefix } from '../networks';
import type { ResourceList } from '../resource-list';
import type { Result } from '../results';
import { CARVED_FROM } from './keys';
import type { OwnerRecord } from './keys';
import { clusterOfBinding } from './space';
import { VlanFact, vlanFacts } from './vlan-edge';

/** An IPClaim with a network instance name, without validating the rest (the transform does). */
export function isClaimLike(o: KubeObject): o is IPClaim {
  return isKind(o, API.ipClaim.apiVersion, API.ipClaim.kind) && isObject(o.spec) && isObject(o.spec.networkInstance);
}

/** One claim the render contains, as the ledger sees it. */
export interface ClaimFact {
  readonly ni: string;
  readonly binding: string;
  readonly cluster: string;
  readonly pkg: string;
}

export interface RenderFacts {
  readonly claims: readonly ClaimFact[];
  readonly bindingPackage: ReadonlyMap<string, string>;
  /** Package identities of every package the render contains. */
  readonly packages: readonly string[];
  /** Clusters the render speaks for: its claims' and its WorkloadClusters'. */
  readonly clusters: ReadonlySet<string>;
  readonly nis: readonly string[];
  readonly pools: readonly PoolSource[];
  /** The aggregates of the render's Networks, published like pools. */
  readonly aggregates: readonly NetworkPrefix[];
  readonly poolResults: readonly Result[];
  readonly packageOf: (o: KubeObject) => string;
  readonly vlanClaims: readonly VlanFact[];
  /** VLAN indexes the render defines (VLANIndex resources). */
  readonly vlanIndexes: readonly string[];
}

/**
 * A package's identity in the ledger: the root Kptfile's name, then the path below the root.
 * Porch renders each package alone, so there it is the package name. (Absolute paths, which kpt
 * reports, differ between machines and clones.)
 */
function packageNamer(items: readonly KubeObject[]): (o: KubeObject) => string {
  const kptfiles = items.filter(isKptfile).sort((a, b) => packagePathOf(a).length - packagePathOf(b).length);
  const root = kptfiles[0];
  const rootPath = root ? packagePathOf(root) : '';
  const rootName = root ? nameOf(root) || 'root' : 'root';
  return (o) => {
    const p = packagePathOf(o);
    const rel = p === rootPath ? '' : p.startsWith(`${rootPath}/`) ? p.slice(rootPath.length + 1) : rootPath === '' || rootPath === '.' ? p : p;
    return rel && rel !== '.' ? `${rootName}/${rel}` : rootName;
  };
}

/** What get claims of other packages look a holding up by, per `<ni>|<binding>`. */
export function lookupFacts(items: readonly KubeObject[]): Map<string, Pick<OwnerRecord, 'labels' | 'gateway'>> {
  const out = new Map<string, Pick<OwnerRecord, 'labels' | 'gateway'>>();
  for (const o of items) {
    if (!isClaimLike(o) || isGetClaim(o)) continue;
    const ni = scalarText(o.spec.networkInstance.name);
    const rec = lookupRecord(o);
    if (ni && rec) out.set(`${ni}|${claimBinding(o)}`, rec);
  }
  return out;
}

export function renderFacts(input: ResourceList): RenderFacts {
  const packageOf = packageNamer(input.items);
  const claims: ClaimFact[] = [];
  const clusters = new Set<string>();
  const nis = new Set<string>();
  for (const o of input.items) {
    if (o.kind === API.workloadCluster.kind && isObject(o.spec)) {
      const c = scalarText(o.spec.clusterName);
      if (c) clusters.add(c);
    }
    // A get claim holds nothing: it reads what others hold.
    if (!isClaimLike(o) || isGetClaim(o)) continue;
    const ni = scalarText(o.spec.networkInstance.name);
    if (!ni) continue;
    const cluster = clusterOfClaim(o);
    claims.push({ ni, binding: claimBinding(o), cluster, pkg: packageOf(o) });
    clusters.add(cluster);
    nis.add(ni);
  }
  const collected = collectPools(input.items, input.functionConfig);
  for (const p of collected.pools) nis.add(p.networkInstance);
  const aggregates = collectNetworkPrefixes(input.items).prefixes.filter((p) => p.kind === 'network');
  for (const a of aggregates) nis.add(a.networkInstance);
  const packages = [...new Set(input.items.filter(isKptfile).map(packageOf))].sort();
  const vlans = vlanFacts(input.items, input.functionConfig, packageOf);
  for (const v of vlans.claims) if (v.cluster) clusters.add(v.cluster);
  return {
    vlanClaims: vlans.claims,
    vlanIndexes: vlans.defined,
    claims,
    bindingPackage: new Map(claims.map((c) => [`${c.ni}|${c.binding}`, c.pkg])),
    packages,
    clusters,
    nis: [...nis].sort(),
    pools: collected.pools,
    aggregates,
    poolResults: collected.results,
    packageOf,
  };
}

/**
 * What each package of the render defines: package -> network instance -> pool and aggregate
 * prefixes (carved subnets aside: the carving records them, they are never published).
 */
export function definedByPackage(facts: Pick<RenderFacts, 'pools' | 'aggregates' | 'packageOf'>): Map<string, Map<string, Set<string>>> {
  const out = new Map<string, Map<string, Set<string>>>();
  for (const p of [...facts.pools, ...facts.aggregates]) {
    if (p.definedBy.metadata.annotations?.[CARVED_FROM] !== undefined) continue;
    const pkg = facts.packageOf(p.definedBy);
    const byNi = out.get(pkg) ?? out.set(pkg, new Map()).get(pkg)!;
    byNi.set(p.networkInstance, (byNi.get(p.networkInstance) ?? new Set()).add(p.pool.id));
  }
  return out;
}

/**
 * Whether this render speaks for a holding of one of its packages: same-named packages of
 * different clusters (Nephio's per-cluster repositories) share a package identity, so a render
 * releases only holdings of the clusters it names (its claims' and WorkloadClusters'). A render
 * that names no cluster at all speaks for the whole package.
 */
export function inScope(facts: RenderFacts, owner: string): boolean {
  return facts.clusters.size === 0 || facts.clusters.has(clusterOfBinding(owner));
}
