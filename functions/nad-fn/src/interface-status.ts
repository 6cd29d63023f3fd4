import { Attachment, Interface, isObject, KubeObject, unlessUnchanged } from '../../lib/src';

/**
 * The Interface's status as Nephio's interface-fn writes it, for Nephio's nfdeploy-fn and the
 * UERANSIM deploy function, which read an Interface's addresses from there:
 * `ipClaimStatus` (prefix and gateway per claim, IPv4 first) and `vlanClaimStatus.vlanID`.
 * Written here, after ipam-fn, so one render is enough; other status fields are kept.
 */
export function withInterfaceStatus(itf: Interface, att: Attachment, vlanID: number | undefined): KubeObject {
  const status: Record<string, unknown> = isObject(itf.status) ? { ...itf.status } : {};
  if (att.addresses.length > 0) {
    status.ipClaimStatus = att.addresses.map((prefix, i) => {
      const gateway = att.gateways[i];
      return gateway ? { prefix, gateway } : { prefix };
    });
  } else delete status.ipClaimStatus;
  if (vlanID !== undefined) status.vlanClaimStatus = { vlanID };
  else delete status.vlanClaimStatus;
  return unlessUnchanged<KubeObject>(itf, { ...itf, status });
}
