/**
 * The address plan as the package files hold it, without etcd and without rendering: every pool
 * with its usage and every address a claim holds, with who holds it. `show` prints it, `report`
 * draws it. Pools, claims and VLAN indexes are read by the library's own readers, so what this
 * counts is what ipam-fn allocates from.
 */
import { byText } from '../../../functions/lib/src/order';
import { IPClaim } from '../../../functions/lib/src/api/types';
import type { IpFamily } from '../../../functions/lib/src/ipam';
import { claimedPrefix, claimGateway, FROM_INTERFACE, isIPClaim } from '../../../functions/lib/src/claims';
import { clusterOfClaim } from '../../../functions/lib/src/claim-binding';
import { createVlanSpace, Pool } from '../../../functions/lib/src/ipam';
import { blockSize, parseAddressWithLength } from '../../../functions/lib/src/ipam/address';
import { ANNOTATIONS, getAnnotation, isObject, KubeObject, nameOf, namespaceOf, packagePathOf, scalarText } from '../../../functions/lib/src/kube/object';
import { collectPools, PoolSource, PrefixKind } from '../../../functions/lib/src/pools';
import { Result } from '../../../functions/lib/src/results';
import { claimedVlan, isVLANClaim, isVLANIndex, vlanBinding, vlanIndexOf, vlanIndexRange } from '../../../functions/lib/src/vlans';

export interface PoolUsage {
  readonly networkInstance: string;
  /** Canonical prefix, e.g. `192.168.251.0/24`. */
  readonly prefix: string;
  readonly family: IpFamily;
  readonly kind: PrefixKind;
  readonly gateway?: string;
  /** The pool's `nephio.org/cluster-name` label: the one cluster it serves, or undefined for a shared pool. */
  readonly servesCluster?: string;
  /** `NetworkInstance vpc-n3 spec.prefixes[0] (packages/networks/network-instances.yaml)`. */
  readonly definedBy: string;
  /** Addresses that can be handed out: the prefix less network, broadcast/anycast, gateway and exclusions. */
  readonly usable: bigint;
  readonly used: bigint;
  readonly free: bigint;
  /** Addresses used per cluster of the holders, clusters sorted. */
  readonly usedByCluster: ReadonlyMap<string, bigint>;
  /** The library's pool, for what each address of it is (network, gateway, excluded...). */
  readonly pool: Pool;
}

export interface ClaimedAddress {
  readonly cluster: string;
  readonly package: string;
  /** The workload the claim is for (last segment of `specializer.nephio.org/for`), `''` if it names none. */
  readonly workload: string;
  /** The Interface the claim came from, `''` for a hand-written claim. */
  readonly interface: string;
  readonly networkInstance: string;
  readonly family: IpFamily;
  /** The address alone (`192.168.251.2`), or the block of a `kind: pool` claim (`10.0.0.0/26`). */
  readonly address: string;
  /** `status.prefix` as recorded: address/subnet length. */
  readonly prefix: string;
  readonly gateway?: string;
  /** The VLAN ID of the Interface's VLANClaim, when it is attached over a VLAN. */
  readonly vlan?: number;
  /** `<namespace>/<name>` of the IPClaim. */
  readonly claim: string;
  /** The pool the address lies in; undefined when it lies in none of its network instance. */
  readonly pool?: string;
  readonly claimKind: string;
}

/** A claim the next render has to allocate. */
export interface PendingClaim {
  readonly cluster: string;
  readonly package: string;
  readonly workload: string;
  readonly interface: string;
  readonly networkInstance: string;
  readonly claim: string;
}

export interface ClaimedVlan {
  readonly index: string;
  readonly id: number;
  /** `bridge domain vpc-ran-edge02-bd`, or `VLANClaim ns/name` for a hand-written claim. */
  readonly binding: string;
  readonly packages: readonly string[];
  readonly workloads: readonly string[];
  readonly interfaces: readonly string[];
}

export interface VlanIndexUsage {
  readonly index: string;
  /** `1000-1099`, or undefined when no VLANIndex in the packages defines it. */
  readonly range?: string;
  readonly usable?: number;
  readonly used: number;
  readonly holdings: readonly ClaimedVlan[];
}

export interface AddressPlan {
  readonly pools: readonly PoolUsage[];
  readonly holdings: readonly ClaimedAddress[];
  readonly pending: readonly PendingClaim[];
  readonly vlans: readonly VlanIndexUsage[];
  /** Pools or VLAN indexes the library refused, as it would in a render. */
  readonly problems: readonly Result[];
}


/** The workload a generated item is for: the last `.`-segment of `specializer.nephio.org/for`. */
export function workloadOf(o: KubeObject): string {
  const ref = getAnnotation(o, ANNOTATIONS.for) ?? '';
  return ref.slice(ref.lastIndexOf('.') + 1);
}

/** The Interface a generated item came from (`netpipe.dev/interface` is `<namespace>/<name>`). */
export function interfaceOf(o: KubeObject): string {
  const ref = getAnnotation(o, FROM_INTERFACE);
  if (ref !== undefined) return ref.slice(ref.indexOf('/') + 1);
  // Nephio's own functions name the parent Interface in the owner annotation.
  const owner = getAnnotation(o, ANNOTATIONS.owner) ?? '';
  return owner.includes('.Interface.') ? owner.slice(owner.lastIndexOf('.') + 1) : '';
}

/** Where a pool is written, for people: resource, field and file. */
function sourceOf(p: PoolSource): string {
  const file = getAnnotation(p.definedBy, ANNOTATIONS.path);
  return `${p.definedBy.kind} ${nameOf(p.definedBy)} ${p.field}${file ? ` (${file})` : ''}`;
}

/** A pool's identity in a plan: the same prefix defined twice (two packages, same NetworkInstance) is one pool. */
const poolKey = (ni: string, prefix: string): string => `${ni}|${prefix}`;

export function addressPlan(items: readonly KubeObject[]): AddressPlan {
  const { pools: sources, results } = collectPools(items);
  const problems: Result[] = results.filter((r) => r.severity === 'error');
  const unique = new Map<string, PoolSource>();
  for (const p of sources) if (!unique.has(poolKey(p.networkInstance, p.pool.id))) unique.set(poolKey(p.networkInstance, p.pool.id), p);
  const pools = [...unique.values()];

  const vlanOfInterface = new Map<string, number>();
  for (const o of items) {
    if (!isVLANClaim(o)) continue;
    const id = claimedVlan(o);
    const from = getAnnotation(o, FROM_INTERFACE);
    if (id !== undefined && Number.isInteger(id) && from !== undefined) vlanOfInterface.set(`${packagePathOf(o)}|${workloadOf(o)}|${from}`, id);
  }

  const holdings: ClaimedAddress[] = [];
  const pending: PendingClaim[] = [];
  // Per pool: the addresses and blocks counted, and how many addresses each cluster uses.
  const counted = new Map<string, Set<string>>();
  const usedBy = new Map<string, Map<string, bigint>>();
  for (const o of items) {
    if (!isIPClaim(o)) continue;
    const claim = o as IPClaim;
    const ni = isObject(claim.spec) && isObject(claim.spec.networkInstance) ? scalarText(claim.spec.networkInstance.name) ?? '' : '';
    const who = { cluster: clusterOfClaim(claim), package: packagePathOf(claim) || '.', workload: workloadOf(claim), interface: interfaceOf(claim), networkInstance: ni, claim: `${namespaceOf(claim)}/${nameOf(claim)}` };
    const recorded = claimedPrefix(claim);
    const parsed = recorded === undefined ? undefined : parseAddressWithLength(recorded);
    if (parsed === undefined || !parsed.ok) {
      pending.push(who);
      continue;
    }
    const claimKind = (isObject(claim.spec) ? scalarText(claim.spec.kind) : undefined) ?? 'network';
    const { family, value, length } = parsed.value;
    // A pool claim holds the whole block its prefix names; any other claim one address.
    const isBlock = claimKind === 'pool';
    const span = isBlock ? blockSize(family, length) : 1n;
    const pool = pools
      .filter((p) => p.networkInstance === ni && p.pool.family === family && p.pool.contains(value) && p.pool.contains(value + span - 1n))
      .sort((a, b) => b.pool.prefixLength - a.pool.prefixLength)[0];
    const from = getAnnotation(claim, FROM_INTERFACE);
    const vlan = from === undefined ? undefined : vlanOfInterface.get(`${packagePathOf(claim)}|${who.workload}|${from}`);
    holdings.push({
      ...who,
      family,
      address: isBlock ? recorded! : recorded!.slice(0, recorded!.lastIndexOf('/')),
      prefix: recorded!,
      gateway: claimGateway(claim),
      vlan,
      pool: pool?.pool.id,
      claimKind,
    });
    if (!pool) continue;
    const key = poolKey(ni, pool.pool.id);
    // Addresses are counted once however many claims record them (a duplicate is a render error).
    const seen = counted.get(key) ?? new Set<string>();
    counted.set(key, seen);
    if (seen.has(`${value}/${span}`)) continue;
    seen.add(`${value}/${span}`);
    const perCluster = usedBy.get(key) ?? new Map<string, bigint>();
    usedBy.set(key, perCluster);
    perCluster.set(who.cluster, (perCluster.get(who.cluster) ?? 0n) + span);
  }

  const usage: PoolUsage[] = pools.map((p) => {
    const byCluster = new Map([...(usedBy.get(poolKey(p.networkInstance, p.pool.id)) ?? [])].sort((a, b) => byText(a[0], b[0])));
    const total = [...byCluster.values()].reduce((a, b) => a + b, 0n);
    return {
      networkInstance: p.networkInstance,
      prefix: p.pool.id,
      family: p.pool.family,
      kind: p.kind,
      gateway: p.pool.gatewayAddress,
      servesCluster: p.labels['nephio.org/cluster-name'],
      definedBy: sourceOf(p),
      usable: p.pool.usableSize,
      used: total,
      free: p.pool.usableSize - total,
      usedByCluster: byCluster,
      pool: p.pool,
    };
  });
  usage.sort((a, b) => byText(a.networkInstance, b.networkInstance) || byText(a.family, b.family) || compareAddressText(a.prefix, b.prefix));
  holdings.sort(
    (a, b) =>
      byText(a.networkInstance, b.networkInstance) ||
      byText(a.family, b.family) ||
      compareAddressText(a.address, b.address) ||
      byText(a.package, b.package) ||
      byText(a.claim, b.claim),
  );
  pending.sort((a, b) => byText(a.networkInstance, b.networkInstance) || byText(a.package, b.package) || byText(a.claim, b.claim));
  return { pools: usage, holdings, pending, vlans: vlanUsage(items, problems), problems };
}

/** Addresses (or CIDRs) in numeric order; text order for anything unparsable. */
function compareAddressText(a: string, b: string): number {
  const pa = parseAddressWithLength(a.includes('/') ? a : `${a}/${a.includes(':') ? 128 : 32}`);
  const pb = parseAddressWithLength(b.includes('/') ? b : `${b}/${b.includes(':') ? 128 : 32}`);
  if (pa.ok && pb.ok) return pa.value.value < pb.value.value ? -1 : pa.value.value > pb.value.value ? 1 : pa.value.length - pb.value.length;
  return byText(a, b);
}

function vlanUsage(items: readonly KubeObject[], problems: Result[]): VlanIndexUsage[] {
  const ranges = new Map<string, { range: string; usable: number }>();
  for (const o of items) {
    if (!isVLANIndex(o)) continue;
    const range = vlanIndexRange(o, problems);
    if (!range) continue;
    const space = createVlanSpace(nameOf(o), range);
    if (!space.ok) continue;
    ranges.set(nameOf(o), { range: `${range.min}-${range.max}`, usable: space.value.usable });
  }
  const groups = new Map<string, Map<number, { binding: string; packages: Set<string>; workloads: Set<string>; interfaces: Set<string> }>>();
  for (const o of items) {
    if (!isVLANClaim(o)) continue;
    const id = claimedVlan(o);
    if (id === undefined || !Number.isInteger(id)) continue;
    const index = vlanIndexOf(o);
    const byId = groups.get(index) ?? new Map();
    groups.set(index, byId);
    const g = byId.get(id) ?? { binding: vlanBinding(o), packages: new Set(), workloads: new Set(), interfaces: new Set() };
    byId.set(id, g);
    g.packages.add(packagePathOf(o) || '.');
    if (workloadOf(o)) g.workloads.add(workloadOf(o));
    if (interfaceOf(o)) g.interfaces.add(interfaceOf(o));
  }
  const names = [...new Set([...ranges.keys(), ...groups.keys()])].sort(byText);
  return names.map((index) => {
    const byId = groups.get(index) ?? new Map();
    const holdings: ClaimedVlan[] = [...byId]
      .sort((a, b) => a[0] - b[0])
      .map(([id, g]) => ({ index, id, binding: g.binding, packages: [...g.packages].sort(byText), workloads: [...g.workloads].sort(byText), interfaces: [...g.interfaces].sort(byText) }));
    const r = ranges.get(index);
    return { index, range: r?.range, usable: r?.usable, used: holdings.length, holdings };
  });
}
