/**
 * Addresses of a static-IPAM attachment, where Multus puts them: the annotation entry's `ips`
 * (handed to the plugin as runtimeConfig.ips when the NAD declares the `ips` capability, else
 * appended as CNI_ARGS IP=) and the NAD's own `addresses`.
 */
import { SelectionEntry } from '../../../functions/lib/src/network-selection';
import { Address, parseCidr } from './addresses';
import { AddressSource } from './attachments';
import { Findings } from './findings';
import { nameRef } from './manifests';
import { NadSpec } from './nad-config';
import { Workload } from './workloads';

function parseAll(texts: readonly string[], where: string, ref: string, findings: Findings): Address[] | undefined {
  const out: Address[] = [];
  for (const t of texts) {
    const a = parseCidr(t);
    if (typeof a === 'string') {
      findings.conflict(ref, `${where} ${JSON.stringify(t)}: ${a} (static IPAM needs address/prefix-length)`);
      return undefined;
    }
    out.push(a);
  }
  return out;
}

export function entryIps(entry: SelectionEntry): string[] | undefined {
  const ips = entry.fields?.ips;
  return Array.isArray(ips) ? ips.map(String) : undefined;
}

/** The gateway a NAD gives a subnet: its address entry's `gateway` in that subnet. */
function gatewayFor(nad: NadSpec, a: Address): string | undefined {
  for (const n of nad.addresses) {
    const p = parseCidr(n.address);
    if (typeof p !== 'string' && p.subnet === a.subnet && n.gateway !== undefined) return n.gateway;
  }
  return undefined;
}

export const staticAddresses: AddressSource = (w: Workload, entry: SelectionEntry, podInterface: string, nad: NadSpec, findings: Findings) => {
  if (nad.ipam === 'whereabouts') {
    findings.conflict(nad.ref, `whereabouts IPAM: import it with --from whereabouts and the IPPools`, 'spec.config');
    return undefined;
  }
  const fromNad = parseAll(nad.addresses.map((a) => a.address), 'NAD address', nad.ref, findings);
  const ipsText = entryIps(entry);
  const fromIps = ipsText === undefined ? undefined : parseAll(ipsText, `ips of entry ${entry.source}`, w.ref, findings);
  if (!fromNad || (ipsText !== undefined && !fromIps)) return undefined;
  if (nad.ipam === 'none') {
    if ((fromIps ?? []).length > 0) findings.conflict(w.ref, `entry ${entry.source} sets ips on NAD ${nad.name}, which has no IPAM`, 'spec.template.metadata.annotations');
    return { addresses: [], origin: 'no IPAM (L2 only)' };
  }
  let addresses = fromNad;
  let origin = `${nameRef(nad.manifest)} addresses`;
  if (fromIps && fromIps.length > 0) {
    const same = fromNad.length === fromIps.length && fromNad.every((a) => fromIps.some((b) => b.cidr === a.cidr));
    if (fromNad.length > 0 && !same) {
      findings.conflict(
        w.ref,
        `interface ${podInterface}: NAD ${nad.name} configures ${fromNad.map((a) => a.cidr).join(', ')} and the entry asks for ${fromIps.map((a) => a.cidr).join(', ')}; ` +
          'which one the pod gets depends on the ips capability. Make them agree before importing',
        'spec.template.metadata.annotations',
      );
      return undefined;
    }
    addresses = fromIps;
    origin = `${nameRef(w.manifest)} ips`;
  }
  if (addresses.length === 0) {
    findings.conflict(
      w.ref,
      `interface ${podInterface} (NAD ${nad.name}) has no address in the manifests, so there is none to keep: give the entry its ips (or the NAD its addresses)`,
      'spec.template.metadata.annotations',
    );
    return undefined;
  }
  for (const a of addresses) {
    const gw = gatewayFor(nad, a);
    if (gw !== undefined) a.gateway = gw;
  }
  return { addresses, origin };
};
