import { API, VLANClaim } from './api/types';
import { isGetClaim } from './allocation-labels';
import { ownerReason } from './claims';
import { Condition, conditionType } from './conditions';
import { getAnnotation, isKind, isObject, KubeObject, nameOf, namespaceOf, packagePathOf, scalarText } from './kube/object';
import { parseVlanRange, VLAN_MAX, VLAN_MIN, VlanRangeSpec } from './ipam/vlan-space';
import { errorFor, Result } from './results';

export const isVLANClaim = (o: KubeObject): o is VLANClaim => isKind(o, API.vlanClaim.apiVersion, API.vlanClaim.kind);
export const isVLANIndex = (o: KubeObject): boolean => isKind(o, API.vlanIndex.apiVersion, API.vlanIndex.kind);

/**
 * The bridge domain a VLANClaim asks a VLAN for, as Nephio's interface-fn names it
 * (`<network instance>-<cluster>-bd`). Nephio's VLAN specializer claims the ID under this name, so
 * every Interface of one cluster on one network shares one VLAN - they share one subnet, so they
 * must share the L2 segment too.
 */
export const VLAN_CLAIM_NAME = 'specializer.nephio.org/vlanClaimName';

/** A VLAN ID as written (a number, or its text); `undefined` when absent, NaN when not an integer. */
export function vlanIdValue(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  const text = scalarText(value);
  if (text === undefined || text === '') return undefined;
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : Number.NaN;
}

/** The VLAN ID the claim's status records, if any (NaN when it is not an integer). */
export function claimedVlan(claim: VLANClaim): number | undefined {
  return isObject(claim.status) ? vlanIdValue(claim.status.vlanID) : undefined;
}

export function vlanIndexOf(claim: VLANClaim): string {
  return scalarText(claim.spec.vlanIndex.name) ?? '';
}

/**
 * What a VLAN ID is bound to within its VLAN index: the claim's bridge domain
 * (`specializer.nephio.org/vlanClaimName`), shared by every claim naming it; a claim without one
 * (hand-written) holds an ID of its own, bound to `<namespace>/<name>`.
 */
export function vlanBinding(claim: VLANClaim): string {
  const bd = getAnnotation(claim, VLAN_CLAIM_NAME);
  return bd ? `bridge domain ${bd}` : `VLANClaim ${namespaceOf(claim) ? `${namespaceOf(claim)}/` : ''}${nameOf(claim)}`;
}

/**
 * On a VLANIndex: the clusters (`spec.clusterName`s, comma-separated) whose VLANClaims name this
 * index instead of their own - one ID space for clusters on one L2 fabric (see interface-fn).
 */
export const INDEX_CLUSTERS = 'netpipe.dev/clusters';
/** On such a VLANIndex: `cluster` (default, a bridge domain per cluster and network) or `network`. */
export const INDEX_BRIDGE_DOMAINS = 'netpipe.dev/bridge-domains';

/** The clusters a VLANIndex says it serves (empty when it says none). */
export function indexClusters(o: KubeObject): string[] {
  return (getAnnotation(o, INDEX_CLUSTERS) ?? '').split(',').map((c) => c.trim()).filter((c) => c !== '');
}

export const VLAN_CONDITION_PREFIX = `${API.vlanClaim.apiVersion}.${API.vlanClaim.kind}.`;

/** Kptfile conditions for every VLANClaim, per package: True once it records a VLAN ID. */
export function vlanClaimConditions(items: readonly KubeObject[]): Map<string, Condition[]> {
  const byPackage = new Map<string, Condition[]>();
  for (const o of items) {
    if (!isVLANClaim(o)) continue;
    const id = claimedVlan(o);
    const type = conditionType(o.apiVersion, o.kind, scalarText(o.metadata.name) ?? '');
    const condition: Condition =
      id !== undefined && Number.isInteger(id)
        ? { type, status: 'True', ...ownerReason(o), message: `VLAN ${id}` }
        : {
            type,
            status: 'False',
            ...ownerReason(o),
            message: isGetClaim(o) ? 'waiting for the VLAN ID it reads (nephio.org/action: get)' : 'waiting for ipam-fn to allocate a VLAN ID',
          };
    const pkg = packagePathOf(o);
    byPackage.set(pkg, [...(byPackage.get(pkg) ?? []), condition]);
  }
  return byPackage;
}

/** A VLANIndex's range: `spec.minID`/`spec.maxID` (default 1-4094) and `spec.exclude` (IDs or `a-b`). */
export function vlanIndexRange(o: KubeObject, results: Result[]): VlanRangeSpec | undefined {
  const spec = isObject(o.spec) ? o.spec : {};
  const min = vlanIdValue(spec.minID) ?? VLAN_MIN;
  const max = vlanIdValue(spec.maxID) ?? VLAN_MAX;
  const exclude: { lo: number; hi: number }[] = [];
  const list = Array.isArray(spec.exclude) ? spec.exclude : [];
  for (const [i, e] of list.entries()) {
    const r = parseVlanRange(scalarText(e) ?? '');
    if (!r) {
      results.push(errorFor(o, `VLANIndex ${nameOf(o)}: exclusion ${JSON.stringify(scalarText(e))} is not a VLAN ID or a range such as 100-199`, `spec.exclude[${i}]`));
      return undefined;
    }
    exclude.push(r);
  }
  return { min, max, exclude };
}
