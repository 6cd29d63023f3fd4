import { API, WorkloadCluster } from './api/types';
import { Condition, conditionType } from './conditions';
import { isKind, isObject, KubeObject, nameOf, nearestEnclosing, packagePathOf, scalarText } from './kube/object';
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

/** Set on a resource a PackageVariant must inject; Porch adds INJECTED_ANNOTATION once it has. */
export const CONFIG_INJECTION_ANNOTATION = 'kpt.dev/config-injection';
export const INJECTED_ANNOTATION = 'kpt.dev/injected-resource-name';

/**
 * Why a WorkloadCluster is not ready to generate for, or undefined when it is. Nephio's catalog
 * blueprints ship a placeholder (`kpt.dev/config-injection: required`, no CNI details) that a
 * PackageVariant replaces with the real cluster; until then Nephio generates nothing, and the
 * blueprint must render as published.
 */
export function notReadyReason(cluster: WorkloadCluster): string | undefined {
  const name = nameOf(cluster);
  if ((cluster.spec.clusterName ?? '') === '') return `WorkloadCluster ${name} has an empty spec.clusterName`;
  const annotations = isObject(cluster.metadata.annotations) ? cluster.metadata.annotations : {};
  if (scalarText(annotations[CONFIG_INJECTION_ANNOTATION]) === 'required' && scalarText(annotations[INJECTED_ANNOTATION]) === undefined) {
    return `WorkloadCluster ${name} is a placeholder (${CONFIG_INJECTION_ANNOTATION}: required) that no PackageVariant has injected yet`;
  }
  if ((cluster.spec.cnis ?? []).length === 0 && !cluster.spec.masterInterface) {
    return `WorkloadCluster ${name} has neither spec.cnis nor spec.masterInterface`;
  }
  return undefined;
}

export const CLUSTER_CONDITION_PREFIX = `${API.workloadCluster.apiVersion}.${API.workloadCluster.kind}.`;

/**
 * A `False` Kptfile condition for each not-ready WorkloadCluster that Interfaces depend on, so a
 * readiness gate (and a human) sees why nothing was generated; ready clusters have none.
 */
export function clusterConditions(clusters: ClusterIndex, interfaces: readonly KubeObject[]): Map<string, Condition[]> {
  const byPackage = new Map<string, Condition[]>();
  const seen = new Set<WorkloadCluster>();
  for (const itf of interfaces) {
    const found = clusters.lookup(itf);
    if (!('cluster' in found) || seen.has(found.cluster)) continue;
    const reason = notReadyReason(found.cluster);
    if (reason === undefined) continue;
    seen.add(found.cluster);
    const pkg = packagePathOf(found.cluster);
    const condition: Condition = {
      type: conditionType(found.cluster.apiVersion, found.cluster.kind, nameOf(found.cluster)),
      status: 'False',
      reason: 'NotInjected',
      message: `${reason}; nothing is generated for its Interfaces until the cluster is injected`,
    };
    byPackage.set(pkg, [...(byPackage.get(pkg) ?? []), condition]);
  }
  return byPackage;
}
