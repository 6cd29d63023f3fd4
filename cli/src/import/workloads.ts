/**
 * The workloads whose pods attach to the imported NADs: Deployments and StatefulSets and the
 * entries of their pod template's `k8s.v1.cni.cncf.io/networks` annotation (both of the forms
 * Multus accepts), and which workload a pod belongs to, by the names Kubernetes gives pods.
 */
import { isObject, nameOf, namespaceOf } from '../../../functions/lib/src';
import { NETWORKS_ANNOTATION, parseSelection, SelectionEntry } from '../../../functions/lib/src/network-selection';
import { Findings } from './findings';
import { Manifest, refOf } from './manifests';

export type WorkloadKind = 'Deployment' | 'StatefulSet';

export interface Workload {
  manifest: Manifest;
  ref: string;
  kind: WorkloadKind;
  name: string;
  namespace: string;
  replicas: number;
  entries: SelectionEntry[];
}

const KINDS: readonly string[] = ['Deployment', 'StatefulSet'];

function podAnnotations(m: Manifest): Record<string, unknown> {
  const spec = isObject(m.object.spec) ? m.object.spec : {};
  const template = isObject(spec.template) ? spec.template : {};
  const metadata = isObject(template.metadata) ? template.metadata : {};
  return isObject(metadata.annotations) ? metadata.annotations : {};
}

export function readWorkloads(manifests: readonly Manifest[], findings: Findings): Workload[] {
  const out: Workload[] = [];
  for (const m of manifests) {
    if (m.object.apiVersion !== 'apps/v1' || !KINDS.includes(m.object.kind)) continue;
    const ref = refOf(m);
    const value = podAnnotations(m)[NETWORKS_ANNOTATION];
    if (value === undefined) continue;
    if (typeof value !== 'string') {
      findings.conflict(ref, `${NETWORKS_ANNOTATION} is not a string`, `spec.template.metadata.annotations[${NETWORKS_ANNOTATION}]`);
      continue;
    }
    const parsed = parseSelection(value);
    if (!parsed.ok) {
      findings.conflict(ref, `${NETWORKS_ANNOTATION}: ${parsed.error}`, `spec.template.metadata.annotations[${NETWORKS_ANNOTATION}]`);
      continue;
    }
    const spec = isObject(m.object.spec) ? m.object.spec : {};
    const replicas = spec.replicas === undefined ? 1 : Number(spec.replicas);
    out.push({
      manifest: m,
      ref,
      kind: m.object.kind as WorkloadKind,
      name: nameOf(m.object),
      namespace: namespaceOf(m.object) || 'default',
      replicas: Number.isFinite(replicas) ? replicas : 1,
      entries: parsed.value,
    });
  }
  return out;
}

/**
 * The pod's interface name: the entry's `interface`, else the one Multus gives it, `net<N>` for
 * the N-th entry of the annotation (the cluster network is `eth0`, delegate 0).
 */
export function podInterfaceName(entry: SelectionEntry, index: number): string {
  return entry.interface ?? `net${index + 1}`;
}

// Pod names as the controllers make them: a StatefulSet's `<name>-<ordinal>`; a Deployment's
// `<name>-<pod-template-hash>-<suffix>`, both from Kubernetes' safe alphabet (no vowels).
const RS_HASH = '[bcdfghjklmnpqrstvwxz2456789]{1,10}';
const POD_SUFFIX = '[bcdfghjklmnpqrstvwxz2456789]{5}';

function ownsPod(w: Workload, pod: string): boolean {
  if (!pod.startsWith(`${w.name}-`)) return false;
  const rest = pod.slice(w.name.length + 1);
  return w.kind === 'StatefulSet' ? /^(0|[1-9][0-9]*)$/.test(rest) : new RegExp(`^${RS_HASH}-${POD_SUFFIX}$`).test(rest);
}

/** The workload a podref (`namespace/pod`) belongs to; several candidates is an ambiguity the caller reports. */
export function ownersOfPod(workloads: readonly Workload[], podref: string): Workload[] {
  const slash = podref.indexOf('/');
  if (slash < 0) return [];
  const ns = podref.slice(0, slash);
  const pod = podref.slice(slash + 1);
  return workloads.filter((w) => w.namespace === ns && ownsPod(w, pod));
}
