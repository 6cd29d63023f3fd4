import { API, WorkloadCluster } from './api/types';
import { Condition, conditionType, isKptfile } from './conditions';
import { isKind, isObject, KubeObject, nameOf, nearestEnclosing, packagePathOf, scalarText } from './kube/object';
import { errorFor, Result, warningFor } from './results';
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
  private readonly kptfiles = new Map<string, KubeObject>();
  readonly results: Result[] = [];

  constructor(items: readonly KubeObject[]) {
    for (const o of items) {
      if (isKptfile(o)) this.kptfiles.set(packagePathOf(o), o);
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

  /** Why the cluster is not ready to generate for (see notReadyReason), reading its package's Kptfile. */
  notReady(cluster: WorkloadCluster): NotReady | undefined {
    const pkg = nearestEnclosing(packagePathOf(cluster), this.kptfiles);
    const kptfile = pkg === undefined ? undefined : this.kptfiles.get(pkg);
    return notReadyReason(cluster, kptfile ? injectionConditionOf(kptfile, cluster) : undefined);
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

/**
 * Porch's injection markers, as its PackageVariant controller writes them
 * (porch `controllers/packagevariants/pkg/controllers/packagevariant/injection.go`): the in-package
 * resource keeps its name, gets the in-cluster resource's `spec` and `kpt.dev/injected-resource:
 * <in-cluster name>`, and the Kptfile gets the condition `config.injection.<Kind>.<name>` (`True`,
 * `ConfigInjected` once injected; `False`, `NoResourceSelected` or the errors otherwise) with a
 * readiness gate on it when the injection is `required`.
 */
export const CONFIG_INJECTION_ANNOTATION = 'kpt.dev/config-injection';
export const INJECTED_ANNOTATION = 'kpt.dev/injected-resource';

export const injectionConditionType = (kind: string, name: string): string => ['config', 'injection', kind, name].join('.');

function injectionConditionOf(kptfile: KubeObject, cluster: WorkloadCluster): Condition | undefined {
  const status = kptfile.status;
  if (!isObject(status) || !Array.isArray(status.conditions)) return undefined;
  const type = injectionConditionType(cluster.kind, nameOf(cluster));
  const found = status.conditions.find((c) => isObject(c) && c.type === type);
  return found === undefined ? undefined : (found as unknown as Condition);
}

/** Nephio's own wording (nephio-project/api `infra/v1alpha1` WorkloadClusterSpec.Validate). */
export const MISSING_CLUSTER_NAME = 'spec invalid: mandatory field ClusterName is missing from WorkloadCluster';

export interface NotReady {
  readonly reason: string;
  /** The cluster is wrong rather than pending: an error, as Nephio reports it, not a warning. */
  readonly invalid?: { readonly message: string; readonly field: string };
}

/**
 * Why a WorkloadCluster is not ready to generate for, or undefined when it is. Nephio's catalog
 * blueprints ship a placeholder (`kpt.dev/config-injection: required`, no CNI details) that a
 * PackageVariant replaces with the real cluster; until then Nephio generates nothing, and the
 * blueprint must render as published. Ready means what Nephio's interface-fn checks (a cluster
 * name, CNI details), once Porch's markers say the injection happened.
 */
export function notReadyReason(cluster: WorkloadCluster, injection?: Condition): NotReady | undefined {
  const name = nameOf(cluster);
  const annotations = isObject(cluster.metadata.annotations) ? cluster.metadata.annotations : {};
  const conditionName = injectionConditionType(cluster.kind, name);
  const required = scalarText(annotations[CONFIG_INJECTION_ANNOTATION]) === 'required';
  // An optional injection that found nothing leaves the package as written: its spec decides.
  if (required && injection && injection.status !== 'True') {
    const why = [injection.reason, injection.message].filter((t) => typeof t === 'string' && t !== '').join(': ');
    return { reason: `Porch has not injected WorkloadCluster ${name} (Kptfile condition ${conditionName} is ${injection.status}${why ? `, ${why}` : ''})` };
  }
  const injected = scalarText(annotations[INJECTED_ANNOTATION]) !== undefined || injection?.status === 'True';
  if (required && !injected) {
    return { reason: `WorkloadCluster ${name} is a placeholder (${CONFIG_INJECTION_ANNOTATION}: required) that no PackageVariant has injected yet` };
  }
  const clusterName = cluster.spec.clusterName ?? '';
  if (clusterName === '' || clusterName === 'empty') {
    return {
      reason: `WorkloadCluster ${name} has no spec.clusterName`,
      invalid: { message: `${MISSING_CLUSTER_NAME} ${name}: set spec.clusterName to the cluster's name`, field: 'spec.clusterName' },
    };
  }
  if ((cluster.spec.cnis ?? []).length === 0 && !cluster.spec.masterInterface) {
    return { reason: `WorkloadCluster ${name} has neither spec.cnis nor spec.masterInterface` };
  }
  return undefined;
}

export const CLUSTER_CONDITION_PREFIX = `${API.workloadCluster.apiVersion}.${API.workloadCluster.kind}.`;

/**
 * For each not-ready WorkloadCluster that Interfaces depend on: a `False` Kptfile condition, so a
 * readiness gate sees why nothing was generated, and a result naming the cluster and its
 * Interfaces, so kpt's output says it too (an error when the cluster itself is invalid, else a
 * warning). Ready clusters have neither.
 */
export function clusterConditions(clusters: ClusterIndex, interfaces: readonly KubeObject[]): { conditions: Map<string, Condition[]>; results: Result[] } {
  const byPackage = new Map<string, Condition[]>();
  const waiting = new Map<WorkloadCluster, { notReady: NotReady; interfaces: string[] }>();
  for (const itf of interfaces) {
    const found = clusters.lookup(itf);
    if (!('cluster' in found)) continue;
    const seen = waiting.get(found.cluster);
    if (seen) {
      seen.interfaces.push(nameOf(itf));
      continue;
    }
    const notReady = clusters.notReady(found.cluster);
    if (notReady === undefined) continue;
    waiting.set(found.cluster, { notReady, interfaces: [nameOf(itf)] });
    const pkg = packagePathOf(found.cluster);
    const condition: Condition = {
      type: conditionType(found.cluster.apiVersion, found.cluster.kind, nameOf(found.cluster)),
      status: 'False',
      reason: 'NotInjected',
      message: `${notReady.reason}; nothing is generated for its Interfaces until the cluster is injected`,
    };
    byPackage.set(pkg, [...(byPackage.get(pkg) ?? []), condition]);
  }
  const results: Result[] = [];
  for (const [cluster, { notReady, interfaces: names }] of waiting) {
    const list = [...new Set(names)].sort().join(', ');
    results.push(
      notReady.invalid
        ? errorFor(cluster, `${notReady.invalid.message} (Interfaces ${list} depend on it)`, notReady.invalid.field)
        : warningFor(cluster, `${notReady.reason}: nothing is generated for Interfaces ${list} until it is injected`),
    );
  }
  return { conditions: byPackage, results };
}
