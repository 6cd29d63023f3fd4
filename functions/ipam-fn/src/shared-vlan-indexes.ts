/**
 * A VLAN index shared by several clusters is one ID space only among what allocates from it
 * together: one render, or renders sharing the ledger. Separate renders without the ledger each
 * allocate from the whole index and can hand two clusters' bridge domains the same ID - legal
 * input, so a warning, on the VLANIndex, naming the clusters the render does not see.
 */
import {
  indexClusters,
  INDEX_CLUSTERS,
  isVLANClaim,
  isVLANIndex,
  isObject,
  isWorkloadCluster,
  KubeObject,
  nameOf,
  Result,
  scalarText,
  warningFor,
} from '../../lib/src';

export function sharedIndexWarnings(items: readonly KubeObject[], withLedger: boolean): Result[] {
  if (withLedger) return [];
  const present = new Set(items.filter(isWorkloadCluster).map((c) => scalarText(c.spec.clusterName) ?? ''));
  // Unvalidated claims: a malformed one is reported by the VLAN step, not here.
  const used = new Set(items.filter(isVLANClaim).map((c) => (isObject(c.spec) && isObject(c.spec.vlanIndex) ? scalarText(c.spec.vlanIndex.name) : undefined)));
  const results: Result[] = [];
  const seen = new Set<string>();
  for (const o of items) {
    if (!isVLANIndex(o) || !used.has(nameOf(o)) || seen.has(nameOf(o))) continue;
    seen.add(nameOf(o));
    const missing = indexClusters(o).filter((c) => !present.has(c));
    if (missing.length === 0) continue;
    results.push(
      warningFor(
        o,
        `VLANIndex ${nameOf(o)} is shared with cluster${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (${INDEX_CLUSTERS}), ` +
          `which this render does not include and no shared ledger is configured: a separate render of ${missing.length > 1 ? 'those clusters' : 'that cluster'} ` +
          `allocates from the same IDs and can hand out one this render holds. Render the clusters' packages together (a parent package), ` +
          `or configure the shared ledger (ledgerEndpoints) for every render using the index`,
        `metadata.annotations[${INDEX_CLUSTERS}]`,
      ),
    );
  }
  return results;
}
