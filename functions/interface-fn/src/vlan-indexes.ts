/**
 * Which VLAN index a cluster's VLANClaims name, and what their bridge domain is.
 *
 * By default, as in Nephio, every cluster is its own VLAN index (`spec.vlanIndex.name: <cluster>`)
 * and every network of a cluster its own bridge domain (`<network instance>-<cluster>-bd`): IDs are
 * unique per cluster. Where clusters share an L2 fabric, a VLANIndex kept in the package can say so:
 *
 * - `netpipe.dev/clusters: "edge01, edge02"` - the VLANClaims of these clusters name this index, so
 *   their bridge domains get distinct IDs from one space (a trunk the clusters share);
 * - `netpipe.dev/bridge-domains: network` (default `cluster`) - and a network is one bridge domain
 *   across those clusters (`<network instance>-bd`, Nephio's name for a bridge domain that no
 *   selector splits), so Interfaces of every listed cluster on one network share one VLAN ID.
 */
import { errorFor, getAnnotation, INDEX_BRIDGE_DOMAINS, INDEX_CLUSTERS, indexClusters, isVLANIndex, KubeObject, nameOf, packagePathOf, Result } from '../../lib/src';

export interface VlanIndexChoice {
  /** The VLAN index the cluster's VLANClaims name. */
  index: string;
  /** True when a network is one bridge domain across the index's clusters. */
  perNetwork: boolean;
}

/** The shared VLAN index of each cluster that has one; conflicting or malformed declarations are errors. */
export function sharedVlanIndexes(items: readonly KubeObject[], results: Result[]): Map<string, VlanIndexChoice & { definedBy: KubeObject }> {
  const byCluster = new Map<string, VlanIndexChoice & { definedBy: KubeObject }>();
  const declaring = items
    .filter((o) => isVLANIndex(o) && getAnnotation(o, INDEX_CLUSTERS) !== undefined)
    .sort((a, b) => {
      const x = `${nameOf(a)}\u0000${packagePathOf(a)}`;
      const y = `${nameOf(b)}\u0000${packagePathOf(b)}`;
      return x < y ? -1 : x > y ? 1 : 0;
    });
  for (const o of declaring) {
    const mode = getAnnotation(o, INDEX_BRIDGE_DOMAINS) ?? 'cluster';
    if (mode !== 'cluster' && mode !== 'network') {
      results.push(
        errorFor(
          o,
          `VLANIndex ${nameOf(o)}: ${INDEX_BRIDGE_DOMAINS} is ${JSON.stringify(mode)}; write "cluster" (each cluster's network is its ` +
            `own bridge domain, distinct IDs) or "network" (a network is one bridge domain across the listed clusters, one ID)`,
          `metadata.annotations[${INDEX_BRIDGE_DOMAINS}]`,
          mode,
        ),
      );
      continue;
    }
    const clusters = indexClusters(o);
    if (clusters.length === 0) {
      results.push(
        errorFor(o, `VLANIndex ${nameOf(o)}: ${INDEX_CLUSTERS} names no cluster; list the clusters (spec.clusterName) that share it, comma-separated`, `metadata.annotations[${INDEX_CLUSTERS}]`),
      );
      continue;
    }
    for (const cluster of clusters) {
      const first = byCluster.get(cluster);
      if (first && first.definedBy !== o) {
        if (first.index === nameOf(o)) continue; // the same index copied into several packages of the render
        for (const [self, other] of [[o, first.definedBy], [first.definedBy, o]] as const) {
          results.push(
            errorFor(
              self,
              `VLANIndex ${nameOf(self)} and VLANIndex ${nameOf(other)} (package ${packagePathOf(other) || '.'}) both list cluster ` +
                `${cluster} in ${INDEX_CLUSTERS}: a cluster's VLANs come from one index; remove it from one of them`,
              `metadata.annotations[${INDEX_CLUSTERS}]`,
            ),
          );
        }
        continue;
      }
      byCluster.set(cluster, { index: nameOf(o), perNetwork: mode === 'network', definedBy: o });
    }
  }
  return byCluster;
}

/** The index and bridge domain of a VLANClaim of `cluster` on `network`. */
export function vlanBindingFor(
  cluster: string,
  network: string,
  shared: ReadonlyMap<string, VlanIndexChoice>,
): { index: string; bridgeDomain: string } {
  const choice = shared.get(cluster);
  if (!choice) return { index: cluster, bridgeDomain: `${network}-${cluster}-bd` };
  return { index: choice.index, bridgeDomain: choice.perNetwork ? `${network}-bd` : `${network}-${cluster}-bd` };
}
