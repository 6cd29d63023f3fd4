import { API, WorkloadCluster } from './api/types';
import { isKind, KubeObject, nameOf, nearestEnclosing, packagePathOf } from './kube/object';
import { errorFor, Result } from './results';
import { validateResource } from './schema/validate';

export const isWorkloadCluster = (o: KubeObject): o is WorkloadCluster =>
  isKind(o, API.workloadCluster.apiVersion, API.workloadCluster.kind);

export type ClusterLookup = { cluster: WorkloadCluster } | { error: string };

/**
 * Finds the WorkloadCluster of each package: the one in the package itself or, failing that, in
 * the nearest enclosing package. A tree holding several cluster packages thus gives each its own.
 */
export class ClusterIndex {
  private readonly byPackage = new Map<string, WorkloadCluster[]>();
  readonly results: Result[] = [];

  constructor(items: readonly KubeObject[]) {
    for (const o of items) {
      if (!isWorkloadCluster(o)) continue;
      const errors = validateResource(o);
      if (errors.length > 0) {
        this.results.push(...errors);
        continue;
      }
      const pkg = packagePathOf(o);
      const list = this.byPackage.get(pkg) ?? [];
      list.push(o);
      this.byPackage.set(pkg, list);
    }
  }

  lookup(o: KubeObject): ClusterLookup {
    const best = nearestEnclosing(packagePathOf(o), this.byPackage);
    if (best === undefined) {
      return {
        error:
          `no WorkloadCluster found for ${o.kind} ${nameOf(o)}: add an ${API.workloadCluster.apiVersion} WorkloadCluster ` +
          `(spec.clusterName, spec.cnis, spec.masterInterface) to its package or an enclosing one`,
      };
    }
    const found = this.byPackage.get(best) ?? [];
    if (found.length > 1) {
      const names = found.map(nameOf).sort().join(', ');
      return {
        error:
          `${o.kind} ${nameOf(o)}: its package holds ${found.length} WorkloadClusters (${names}); ` +
          `keep exactly one per cluster package, or move each cluster into a subpackage of its own`,
      };
    }
    return { cluster: found[0] };
  }

  lookupOrError(o: KubeObject, results: Result[], fieldPath = 'metadata.annotations'): WorkloadCluster | undefined {
    const found = this.lookup(o);
    if ('error' in found) {
      results.push(errorFor(o, found.error, fieldPath));
      return undefined;
    }
    return found.cluster;
  }
}
