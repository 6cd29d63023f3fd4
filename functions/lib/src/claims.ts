import { AddressFamily, API, IPClaim } from './api/types';
import { Condition, conditionType } from './conditions';
import { isKind, isObject, KubeObject, packagePathOf, scalarText } from './kube/object';

/** Marks claims (and NADs) this pipeline generated from an Interface: `<namespace>/<name>`. */
export const FROM_INTERFACE = 'netpipe.dev/interface';

export const isIPClaim = (o: KubeObject): o is IPClaim => isKind(o, API.ipClaim.apiVersion, API.ipClaim.kind);

export function familyOfAddress(address: string): AddressFamily {
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
    const condition: Condition = prefix
      ? { type: conditionType(o.apiVersion, o.kind, name), status: 'True', reason: 'Allocated', message: prefix }
      : { type: conditionType(o.apiVersion, o.kind, name), status: 'False', reason: 'Pending', message: 'waiting for ipam-fn to allocate an address' };
    const pkg = packagePathOf(o);
    const list = byPackage.get(pkg) ?? [];
    list.push(condition);
    byPackage.set(pkg, list);
  }
  return byPackage;
}

/** How a generated item names the Interface it came from. */
export function interfaceRef(o: KubeObject): string {
  const ns = scalarText(o.metadata.namespace) ?? '';
  return `${ns}/${scalarText(o.metadata.name) ?? ''}`;
}
