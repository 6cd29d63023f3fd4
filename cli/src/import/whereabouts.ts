/**
 * whereabouts' record of who holds what, as its CRDs (whereabouts.cni.cncf.io/v1alpha1) keep it:
 * an `IPPool` per range, `spec.allocations` mapping the offset from the range's address to
 * `{id, podref, ifname}`, and, with overlapping ranges, an `OverlappingRangeIPReservation` per
 * address (named after it, `spec.podref`, `spec.ifname`). Pods are mapped to their workload by
 * the names their controllers give them; an address whose pod belongs to no imported workload is
 * reported and kept out of netpipe's hands (an `exclude` of its subnet).
 */
import { isObject, nameOf } from '../../../functions/lib/src';
import type { IpFamily } from '../../../functions/lib/src/ipam';
import { formatAddress, formatCidr, parseAddress } from '../../../functions/lib/src/ipam/address';
import { Address, canonical, parseSubnet } from './addresses';
import { AddressSource } from './attachments';
import { Findings } from './findings';
import { Manifest, nameRef, refOf } from './manifests';
import { NadSpec, WhereaboutsRange } from './nad-config';
import { ownersOfPod, Workload } from './workloads';

export const WHEREABOUTS_API = 'whereabouts.cni.cncf.io/v1alpha1';

export interface Allocation {
  family: IpFamily;
  value: bigint;
  /** The range's subnet, `10.40.0.0/24`. */
  subnet: string;
  length: number;
  podref: string;
  ifname?: string;
  /** The IPPool or reservation that records it, with its file (messages) and without (the package). */
  ref: string;
  source: string;
  owner?: Workload;
}

export interface WhereaboutsState {
  allocations: Allocation[];
  source: AddressSource;
  /** Per subnet, addresses held by pods of no imported workload (kept out of netpipe's hands). */
  excluded: Map<string, string[]>;
}

const isKindOf = (m: Manifest, kind: string): boolean => m.object.apiVersion === WHEREABOUTS_API && m.object.kind === kind;

function poolAllocations(m: Manifest, findings: Findings): Allocation[] {
  const ref = refOf(m);
  const spec = isObject(m.object.spec) ? m.object.spec : {};
  const range = typeof spec.range === 'string' ? spec.range : '';
  const subnet = parseSubnet(range);
  const base = parseAddress(range.split('/')[0]);
  if (typeof subnet === 'string' || !base.ok) {
    findings.conflict(ref, `spec.range ${JSON.stringify(spec.range)}: ${typeof subnet === 'string' ? subnet : 'not an address'}`, 'spec.range');
    return [];
  }
  const out: Allocation[] = [];
  const allocations = isObject(spec.allocations) ? spec.allocations : {};
  for (const [offset, a] of Object.entries(allocations)) {
    if (!/^\d+$/.test(offset) || !isObject(a) || typeof a.podref !== 'string') {
      findings.conflict(ref, `allocation ${offset}: expected an offset with {id, podref}`, `spec.allocations.${offset}`);
      continue;
    }
    const value = base.value.value + BigInt(offset);
    out.push({
      family: subnet.family,
      value,
      subnet: subnet.cidr,
      length: subnet.length,
      podref: a.podref,
      ...(typeof a.ifname === 'string' && a.ifname !== '' ? { ifname: a.ifname } : {}),
      ref,
      source: nameRef(m),
    });
  }
  return out;
}

/** An OverlappingRangeIPReservation's address from its name (`10.40.0.5`, `fd00--5`, `net-10.40.0.5`). */
function reservedAddress(name: string): string | undefined {
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(name);
  if (v4) return canonical(v4[1]);
  for (let i = 0; i < name.length; i++) {
    if (i > 0 && name[i - 1] !== '-') continue;
    const c = canonical(name.slice(i).replace(/-/g, ':'));
    if (c !== undefined && c.includes(':')) return c;
  }
  return undefined;
}

export function readWhereabouts(manifests: readonly Manifest[], workloads: readonly Workload[], nads: readonly NadSpec[], findings: Findings): WhereaboutsState {
  const allocations = manifests.filter((m) => isKindOf(m, 'IPPool')).flatMap((m) => poolAllocations(m, findings));
  const ranges = nads.flatMap((n) => n.ranges.map((r) => ({ nad: n, r, subnet: parseSubnet(r.range) })));
  const known = new Set(allocations.map((a) => `${a.family}|${a.value}`));
  for (const m of manifests.filter((x) => isKindOf(x, 'OverlappingRangeIPReservation'))) {
    const ref = refOf(m);
    const spec = isObject(m.object.spec) ? m.object.spec : {};
    const address = reservedAddress(nameOf(m.object));
    const parsed = address === undefined ? undefined : parseAddress(address);
    if (!parsed?.ok || typeof spec.podref !== 'string') {
      findings.conflict(ref, 'expected a reservation named after its address, with spec.podref', 'metadata.name');
      continue;
    }
    const holder = allocations.find((a) => a.family === parsed.value.family && a.value === parsed.value.value);
    if (holder) {
      if (holder.podref !== spec.podref) findings.conflict(`${ref}, ${holder.ref}`, `address ${address} is reserved for ${spec.podref} and allocated to ${holder.podref}: clean up whereabouts (its ip-control-loop) before importing`);
      continue;
    }
    const range = ranges.find((x) => typeof x.subnet !== 'string' && x.subnet.family === parsed.value.family && inRange(parsed.value.value, x.subnet.network, x.subnet.length, x.subnet.family));
    if (!range || typeof range.subnet === 'string' || known.has(`${parsed.value.family}|${parsed.value.value}`)) continue;
    allocations.push({
      family: parsed.value.family,
      value: parsed.value.value,
      subnet: range.subnet.cidr,
      length: range.subnet.length,
      podref: spec.podref,
      ...(typeof spec.ifname === 'string' && spec.ifname !== '' ? { ifname: spec.ifname } : {}),
      ref,
      source: nameRef(m),
    });
  }

  const excluded = new Map<string, string[]>();
  const exclude = (a: Allocation, why: string): void => {
    const text = formatAddress(a.family, a.value);
    excluded.set(a.subnet, [...(excluded.get(a.subnet) ?? []), text]);
    findings.note(a.ref, `${text} held by ${a.podref}: ${why}; kept out of netpipe's allocations (exclude of ${a.subnet})`);
  };
  for (const a of allocations) {
    const owners = ownersOfPod(workloads, a.podref);
    if (owners.length > 1) findings.conflict(a.ref, `pod ${a.podref} could belong to ${owners.map((w) => `${w.kind} ${w.name}`).join(' or ')}: import them separately`);
    else if (owners.length === 0) exclude(a, 'no imported Deployment or StatefulSet owns this pod (unknown owner)');
    else a.owner = owners[0];
  }
  // NAD settings that narrow where whereabouts allocates narrow where netpipe allocates, too.
  for (const { r, subnet } of ranges) {
    if (typeof subnet === 'string') continue;
    for (const x of rangeExclusions(r, subnet.network, subnet.length, subnet.family)) excluded.set(subnet.cidr, [...(excluded.get(subnet.cidr) ?? []), x]);
  }

  const source: AddressSource = (w, _entry, podInterface, nad, f) => {
    if (nad.ipam !== 'whereabouts') return undefined;
    const addresses: Address[] = [];
    for (const r of nad.ranges) {
      const subnet = parseSubnet(r.range);
      if (typeof subnet === 'string') {
        f.conflict(nad.ref, `whereabouts range ${r.range}: ${subnet}`, 'spec.config');
        return undefined;
      }
      const mine = allocations.filter((a) => a.owner === w && a.subnet === subnet.cidr && (a.ifname === undefined || a.ifname === podInterface));
      if (mine.length === 0) {
        f.conflict(w.ref, `no whereabouts allocation of ${subnet.cidr} (NAD ${nad.name}) for a pod of ${w.kind} ${w.name} on ${podInterface}: there is no address to keep; import while the pod runs, or leave the workload out`, 'spec.template.metadata.annotations');
        return undefined;
      }
      if (mine.length > 1) {
        f.conflict(
          w.ref,
          `${mine.length} pods of ${w.kind} ${w.name} hold addresses of ${subnet.cidr} (${mine.map((a) => `${formatAddress(a.family, a.value)} ${a.podref}`).join(', ')}): netpipe gives a workload interface one static address, so one ${w.kind} cannot keep them all. ` +
            'Scale it to one pod (or split it into one workload per pod) and let whereabouts release the others, then import',
          'spec.replicas',
        );
        return undefined;
      }
      const a = mine[0];
      const gateway = r.gateway;
      addresses.push({
        family: a.family,
        value: a.value,
        length: a.length,
        cidr: formatCidr(a.family, a.value, a.length),
        subnet: a.subnet,
        ...(gateway !== undefined ? { gateway } : {}),
      });
    }
    const from = addresses.map((x) => allocations.find((a) => a.value === x.value && a.family === x.family)?.source ?? '');
    return { addresses, origin: [...new Set(from)].join(', ') };
  };
  return { allocations, source, excluded };
}

/** The allocations of imported workloads that no attachment took (a pod on a network its workload no longer names). */
export function unclaimed(state: WhereaboutsState, claimedValues: ReadonlySet<string>, findings: Findings): void {
  for (const a of state.allocations) {
    if (!a.owner || claimedValues.has(`${a.family}|${a.value}`)) continue;
    const text = formatAddress(a.family, a.value);
    state.excluded.set(a.subnet, [...(state.excluded.get(a.subnet) ?? []), text]);
    findings.note(a.ref, `${text} held by ${a.podref} of ${a.owner.kind} ${a.owner.name}, which names no NAD of this range: kept out of netpipe's allocations (exclude of ${a.subnet})`);
  }
}

function inRange(value: bigint, network: bigint, length: number, family: IpFamily): boolean {
  const size = 1n << BigInt((family === 'ipv4' ? 32 : 128) - length);
  return value >= network && value < network + size;
}

/** `exclude`, and the parts of the subnet before `range_start` and after `range_end`, as netpipe exclusions. */
function rangeExclusions(r: WhereaboutsRange, network: bigint, length: number, family: IpFamily): string[] {
  const out = [...r.exclude];
  const last = network + (1n << BigInt((family === 'ipv4' ? 32 : 128) - length)) - 1n;
  const start = r.rangeStart === undefined ? undefined : parseAddress(r.rangeStart);
  const end = r.rangeEnd === undefined ? undefined : parseAddress(r.rangeEnd);
  if (start?.ok && start.value.value > network + 1n) out.push(`${formatAddress(family, network + 1n)}-${formatAddress(family, start.value.value - 1n)}`);
  if (end?.ok && end.value.value < last - 1n) out.push(`${formatAddress(family, end.value.value + 1n)}-${formatAddress(family, last - 1n)}`);
  return out;
}
