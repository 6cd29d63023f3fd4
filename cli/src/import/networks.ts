/**
 * From attachments to netpipe's network instances, and every check that decides whether the next
 * render keeps what the pods have: one address per workload, gateways inside their subnets and one
 * per subnet, routes netpipe writes the same way (every other subnet of the network via the
 * gateway, or none), one VLAN per network, the cluster's master.
 *
 * Subnets end up in one network instance when one interface holds both (dual-stack), one routes
 * to the other, or they share a VLAN. A route to a subnet no imported pod sits in is kept as a
 * `pool`-kind prefix of the network instance: nad-fn routes it, and no interface address is ever
 * drawn from it.
 */
import type { IpFamily } from '../../../functions/lib/src/ipam';
import { parseAddress } from '../../../functions/lib/src/ipam/address';
import { createPool } from '../../../functions/lib/src/ipam';
import { addressText, canonical, parseSubnet } from './addresses';
import { Attachment } from './attachments';
import { Findings } from './findings';

export interface SubnetPlan {
  cidr: string;
  family: IpFamily;
  /** Written as the prefix's `gateway`; undefined: netpipe's default, the first usable address. */
  gateway?: string;
  /** Addresses netpipe must never hand out (held by pods the import could not place). */
  exclude: string[];
}

export interface NetworkPlan {
  name: string;
  subnets: SubnetPlan[];
  /** Destinations routed via the gateway that are no imported subnet: `pool`-kind prefixes. */
  routeOnly: string[];
  routes: 'all' | 'none';
  vlan?: number;
  attachments: Attachment[];
}

export interface NetworkOptions {
  master: string;
  /** Per subnet, addresses held outside what the import places (whereabouts' unknown owners). */
  excluded?: ReadonlyMap<string, readonly string[]>;
}

class Groups {
  private readonly parent = new Map<string, string>();
  find(x: string): string {
    if (!this.parent.has(x)) this.parent.set(x, x);
    let r = x;
    while (this.parent.get(r) !== r) r = this.parent.get(r)!;
    this.parent.set(x, r);
    return r;
  }
  union(a: string, b: string): void {
    const ra = this.find(a);
    const rb = this.find(b);
    if (ra !== rb) this.parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  }
}

function inSubnet(text: string, subnet: string): boolean {
  const s = parseSubnet(subnet);
  const a = parseAddress(text);
  if (typeof s === 'string' || !a.ok || a.value.family !== s.family) return false;
  const size = 1n << BigInt((s.family === 'ipv4' ? 32 : 128) - s.length);
  return a.value.value >= s.network && a.value.value < s.network + size;
}

function overlaps(a: string, b: string): boolean {
  const x = parseSubnet(a);
  const y = parseSubnet(b);
  if (typeof x === 'string' || typeof y === 'string' || x.family !== y.family) return false;
  const bits = x.family === 'ipv4' ? 32 : 128;
  const xEnd = x.network + (1n << BigInt(bits - x.length));
  const yEnd = y.network + (1n << BigInt(bits - y.length));
  return x.network < yEnd && y.network < xEnd;
}

const isDefault = (cidr: string): boolean => cidr === '0.0.0.0/0' || cidr === '::/0';

/** A network instance's name: the pods' common interface name (`n3`), else its first NAD's name. */
function nameFor(attachments: readonly Attachment[], taken: Set<string>): string {
  // Multus' own names (net1, net2...) say nothing about the network.
  const ifs = [...new Set(attachments.map((a) => a.podInterface).filter((i) => !/^net\d+$/.test(i)))];
  const base = ifs.length === 1 ? ifs[0] : [...attachments.map((a) => a.nad.name)].sort()[0];
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}

export function planNetworks(attachments: readonly Attachment[], opts: NetworkOptions, findings: Findings): NetworkPlan[] {
  // The cluster's master: macvlan and ipvlan attach to it or to its VLAN sub-interface.
  for (const a of attachments) {
    if (a.nad.cniType !== 'sriov' && a.nad.master !== opts.master) {
      findings.conflict(a.nad.ref, `master ${a.nad.master}${a.nad.vlan !== undefined ? `.${a.nad.vlan}` : ''}: netpipe attaches every ${a.nad.cniType} network of the cluster to --master ${opts.master} (or ${opts.master}.<vlan>); import the NADs of each master separately`, 'spec.config');
    }
    if (a.nad.vlan !== undefined && (a.nad.vlan < 2 || a.nad.vlan > 4094)) {
      findings.conflict(a.nad.ref, `VLAN ${a.nad.vlan}: netpipe's VLAN IDs are 2-4094 (0 and 4095 are reserved by 802.1Q, 1 is every switch's default VLAN)`, 'spec.config');
    }
  }

  // Subnets and their gateways.
  const gateways = new Map<string, Map<string, string>>();
  const families = new Map<string, IpFamily>();
  for (const a of attachments) {
    for (const addr of a.addresses) {
      families.set(addr.subnet, addr.family);
      if (!gateways.has(addr.subnet)) gateways.set(addr.subnet, new Map());
      if (addr.gateway === undefined) continue;
      const gw = canonical(addr.gateway);
      if (gw === undefined || !inSubnet(gw, addr.subnet)) {
        findings.conflict(a.nad.ref, `address ${addr.cidr} of ${a.workload.kind} ${a.workload.name} is outside the subnet of its gateway ${addr.gateway}: fix the address's prefix length or the gateway`, 'spec.config');
        continue;
      }
      gateways.get(addr.subnet)!.set(gw, a.nad.ref);
    }
  }
  for (const [subnet, gws] of gateways) {
    if (gws.size > 1) {
      findings.conflict([...gws.values()].sort().join(', '), `subnet ${subnet} has ${gws.size} gateways (${[...gws.keys()].sort().join(', ')}): netpipe gives a subnet one gateway; make the NADs agree`, 'spec.config');
    }
  }
  const subnetList = [...families.keys()].sort();
  for (let i = 0; i < subnetList.length; i++) {
    for (let j = i + 1; j < subnetList.length; j++) {
      if (overlaps(subnetList[i], subnetList[j])) findings.conflict(subnetList[i], `subnets ${subnetList[i]} and ${subnetList[j]} overlap: two prefix lengths for one range; make the addresses' prefix lengths agree`);
    }
  }

  // One address, one workload interface.
  const holders = new Map<string, Attachment[]>();
  for (const a of attachments) for (const addr of a.addresses) holders.set(addressText(addr), [...(holders.get(addressText(addr)) ?? []), a]);
  for (const [address, list] of [...holders].sort()) {
    if (list.length > 1) {
      findings.conflict(
        list.map((a) => a.workload.ref).join(', '),
        `address ${address} is on ${list.map((a) => `${a.workload.kind} ${a.workload.namespace}/${a.workload.name} ${a.podInterface} (${a.origin})`).join(' and ')}: give each workload interface its own address`,
      );
    }
  }

  // Routes: canonical destinations, via the subnet's gateway.
  const routeDsts = new Map<Attachment, Map<IpFamily, string[]>>();
  for (const a of attachments) {
    const perFamily = new Map<IpFamily, string[]>();
    for (const r of a.nad.routes) {
      const dst = parseSubnet(r.dst);
      if (typeof dst === 'string' || dst.hostBits) {
        findings.conflict(a.nad.ref, `route ${r.dst}: ${typeof dst === 'string' ? dst : `host bits set (the subnet is ${dst.cidr})`}`, 'spec.config');
        continue;
      }
      if (isDefault(dst.cidr)) {
        findings.conflict(a.nad.ref, `default route ${dst.cidr}: netpipe writes no default route into a NAD (the pod's default belongs to its cluster network); list the network in netpipe-fn's defaultRouteNetworks instead, after the import`, 'spec.config');
        continue;
      }
      const own = a.addresses.find((x) => x.family === dst.family);
      if (!own) {
        findings.conflict(a.nad.ref, `route ${dst.cidr} has no ${dst.family} address on the interface to route from`, 'spec.config');
        continue;
      }
      if (dst.cidr === own.subnet) {
        findings.conflict(a.nad.ref, `route ${dst.cidr} to the interface's own subnet: netpipe routes the own subnet on the link`, 'spec.config');
        continue;
      }
      if (r.gw !== undefined) {
        const gw = canonical(r.gw);
        const subnetGw = [...(gateways.get(own.subnet)?.keys() ?? [])][0];
        if (gw === undefined || !inSubnet(gw, own.subnet)) {
          findings.conflict(a.nad.ref, `route ${dst.cidr} via ${r.gw}, outside the interface's subnet ${own.subnet}`, 'spec.config');
          continue;
        }
        if (subnetGw !== undefined && gw !== subnetGw) {
          findings.conflict(a.nad.ref, `route ${dst.cidr} via ${gw}, not via the subnet's gateway ${subnetGw}: netpipe routes every destination via the gateway`, 'spec.config');
          continue;
        }
        // A route's gw is the gateway the manifests imply when they state none.
        if (subnetGw === undefined) gateways.get(own.subnet)!.set(gw, a.nad.ref);
      }
      perFamily.set(dst.family, [...(perFamily.get(dst.family) ?? []), dst.cidr]);
    }
    routeDsts.set(a, perFamily);
  }

  // Group subnets into network instances.
  const groups = new Groups();
  const key = (a: Attachment): string => (a.addresses.length > 0 ? a.addresses[0].subnet : `l2:${a.nad.namespace}/${a.nad.name}`);
  const byVlan = new Map<number, string>();
  for (const a of attachments) {
    groups.find(key(a));
    for (const addr of a.addresses) groups.union(key(a), addr.subnet);
    for (const dsts of routeDsts.get(a)?.values() ?? []) for (const d of dsts) if (families.has(d)) groups.union(key(a), d);
    if (a.nad.vlan !== undefined) {
      const other = byVlan.get(a.nad.vlan);
      if (other === undefined) byVlan.set(a.nad.vlan, key(a));
      else groups.union(other, key(a));
    }
  }
  const members = new Map<string, Attachment[]>();
  for (const a of attachments) members.set(groups.find(key(a)), [...(members.get(groups.find(key(a))) ?? []), a]);

  const taken = new Set<string>();
  const plans: NetworkPlan[] = [];
  for (const root of [...members.keys()].sort()) {
    const list = members.get(root)!;
    const subnets = [...new Set(list.flatMap((a) => a.addresses.map((x) => x.subnet)))].sort();
    const routeOnly = [...new Set(list.flatMap((a) => [...(routeDsts.get(a)?.values() ?? [])].flat()).filter((d) => !families.has(d)))].sort();
    const vlans = [...new Set(list.map((a) => a.nad.vlan).filter((v): v is number => v !== undefined))];
    const plan: NetworkPlan = {
      name: nameFor(list, taken),
      subnets: subnets.map((cidr) => {
        const gw = [...(gateways.get(cidr)?.keys() ?? [])].sort()[0];
        return { cidr, family: families.get(cidr)!, ...(gw !== undefined ? { gateway: gw } : {}), exclude: [...(opts.excluded?.get(cidr) ?? [])] };
      }),
      routeOnly,
      routes: list.some((a) => (routeDsts.get(a)?.size ?? 0) > 0) ? 'all' : 'none',
      ...(vlans.length > 0 ? { vlan: vlans[0] } : {}),
      attachments: list,
    };
    if (vlans.length > 1) {
      findings.conflict([...new Set(list.map((a) => a.nad.ref))].join(', '), `network ${plan.name} (${subnets.join(', ')}) is on VLANs ${vlans.join(', ')}: netpipe gives a network one VLAN per cluster`, 'spec.config');
    }
    for (const r of routeOnly) {
      for (const other of [...subnets, ...routeOnly]) {
        if (other !== r && overlaps(r, other)) findings.conflict(list.map((a) => a.nad.ref).sort()[0], `route ${r} overlaps ${other} of network ${plan.name}: netpipe routes the subnets of a network, which never overlap`, 'spec.config');
      }
    }
    checkRoutes(plan, routeDsts, findings);
    checkPools(plan, findings);
    plans.push(plan);
  }
  return plans;
}

/** Every attachment of a network routes every other prefix of its family, or none does. */
function checkRoutes(plan: NetworkPlan, routeDsts: ReadonlyMap<Attachment, Map<IpFamily, string[]>>, findings: Findings): void {
  if (plan.routes === 'none') return;
  const prefixes = [...plan.subnets.map((s) => s.cidr), ...plan.routeOnly];
  for (const a of plan.attachments) {
    for (const own of a.addresses) {
      const want = prefixes.filter((p) => p !== own.subnet && parseSubnetFamily(p) === own.family).sort();
      const have = [...new Set(routeDsts.get(a)?.get(own.family) ?? [])].sort();
      if (want.join(',') !== have.join(',')) {
        findings.conflict(
          a.nad.ref,
          `routes ${have.length > 0 ? have.join(', ') : '(none)'} from ${own.subnet}: netpipe routes every other ${own.family} prefix of network ${plan.name} via the gateway (${want.join(', ') || 'none'}), ` +
            'the same for every interface of the network; make the NADs of the network route alike',
          'spec.config',
        );
      }
    }
  }
}

function parseSubnetFamily(cidr: string): IpFamily | undefined {
  const s = parseSubnet(cidr);
  return typeof s === 'string' ? undefined : s.family;
}

/** The pools as ipam-fn will read them, and every adopted address usable in them. */
function checkPools(plan: NetworkPlan, findings: Findings): void {
  for (const s of plan.subnets) {
    const pool = createPool({ prefix: s.cidr, gateway: s.gateway, exclusions: s.exclude, name: `network ${plan.name}` });
    if (!pool.ok) {
      findings.conflict(`subnet ${s.cidr}`, `netpipe cannot use it as a pool: ${pool.error.message}`);
      continue;
    }
    if (s.gateway === undefined) {
      findings.note(`network ${plan.name}`, `the manifests name no gateway of ${s.cidr}: netpipe reserves its first usable address, ${pool.value.gatewayAddress}, as the gateway`);
    }
    for (const a of plan.attachments) {
      for (const addr of a.addresses) {
        if (addr.subnet !== s.cidr) continue;
        const reason = pool.value.reservedReason(addr.value);
        if (reason !== undefined) {
          findings.conflict(
            a.workload.ref,
            `address ${addr.cidr} on ${a.podInterface} is ${reason} of ${s.cidr}${s.gateway === undefined ? ` (the manifests name no gateway, so netpipe takes the first usable address, ${pool.value.gatewayAddress})` : ''}: netpipe never gives it to an interface`,
          );
        }
      }
    }
  }
}
