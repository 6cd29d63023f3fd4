import { API, IPClaim } from './api/types';
import type { IpFamily } from './ipam/address';
import { isGetClaim } from './claim-action';
import { Condition, conditionType } from './conditions';
import { ANNOTATIONS, getAnnotation, isKind, isObject, KubeObject, packagePathOf, scalarText } from './kube/object';

/** Marks claims (and NADs) this pipeline generated from an Interface: `<namespace>/<name>`. */
export const FROM_INTERFACE = 'netpipe.dev/interface';

/**
 * ipam-fn's record, on a claim or VLANClaim, of the address or VLAN ID it bound there; a status
 * that disagrees was rewritten by someone else (see ipam-fn's bound-marker.ts).
 */
export const BOUND_ANNOTATION = 'netpipe.dev/allocated';

/** `successor` with `previous`'s bound record, when a renamed claim inherits its binding. */
export function withBoundRecordOf<T extends KubeObject>(previous: KubeObject, successor: T): T {
  const bound = getAnnotation(previous, BOUND_ANNOTATION);
  if (bound === undefined) return successor;
  const annotations = isObject(successor.metadata.annotations) ? { ...(successor.metadata.annotations as Record<string, string>) } : {};
  annotations[BOUND_ANNOTATION] = bound;
  return { ...successor, metadata: { ...successor.metadata, annotations } };
}

export const isIPClaim = (o: KubeObject): o is IPClaim => isKind(o, API.ipClaim.apiVersion, API.ipClaim.kind);

export function familyOfAddress(address: string): IpFamily {
  return address.includes(':') ? 'ipv6' : 'ipv4';
}

/** The address/prefix-length the claim holds, if any. */
export function claimedPrefix(claim: IPClaim): string | undefined {
  const status = claim.status;
  if (!isObject(status)) return undefined;
  const p = scalarText(status.prefix);
  return p === undefined || p === '' ? undefined : p;
}

export function claimGateway(claim: IPClaim): string | undefined {
  const status = claim.status;
  if (!isObject(status)) return undefined;
  const g = scalarText(status.gateway);
  return g === undefined || g === '' ? undefined : g;
}

export const CLAIM_CONDITION_PREFIX = `${API.ipClaim.apiVersion}.${API.ipClaim.kind}.`;

/**
 * A child's condition reason as Nephio's condition SDK writes it: the parent's condition type
 * (`req.nephio.org/v1alpha1.Interface.<if>`, our `specializer.nephio.org/owner`). Nephio's
 * specializers copy a claim condition's reason back into the claim's owner annotation when they
 * run, so any other reason would overwrite that annotation; without an owner there is no reason.
 */
export function ownerReason(o: KubeObject): Pick<Condition, 'reason'> {
  const owner = getAnnotation(o, ANNOTATIONS.owner);
  return owner ? { reason: owner } : {};
}

/**
 * Kptfile conditions for every claim, per package: True once the claim holds an address, so a
 * Porch readiness gate can wait for ipam-fn. Both interface-fn and ipam-fn derive them from the
 * claims alone, so running either one alone leaves the conditions consistent.
 */
export function claimConditions(items: readonly KubeObject[]): Map<string, Condition[]> {
  const byPackage = new Map<string, Condition[]>();
  for (const o of items) {
    if (!isIPClaim(o)) continue;
    const name = scalarText(o.metadata.name) ?? '';
    const prefix = claimedPrefix(o);
    const type = conditionType(o.apiVersion, o.kind, name);
    const condition: Condition = prefix
      ? { type, status: 'True', ...ownerReason(o), message: prefix }
      : {
          type,
          status: 'False',
          ...ownerReason(o),
          message: isGetClaim(o) ? 'waiting for the address of the claim it reads (nephio.org/action: get)' : 'waiting for ipam-fn to allocate an address',
        };
    const pkg = packagePathOf(o);
    const list = byPackage.get(pkg) ?? [];
    list.push(condition);
    byPackage.set(pkg, list);
  }
  return byPackage;
}

/** An Interface reference as messages show it: `upf/n3`, or `n3` when it has no namespace. */
export const interfaceLabel = (ref: string | undefined): string => (ref ?? '?').replace(/^\//, '');

/** How a generated item names the Interface it came from. */
export function interfaceRef(o: KubeObject): string {
  const ns = scalarText(o.metadata.namespace) ?? '';
  return `${ns}/${scalarText(o.metadata.name) ?? ''}`;
}
