/**
 * `netpipe show DIR...`: the address plan the package files hold - per network instance and pool
 * the usable, used and free addresses, and every holding - read from the files alone (no etcd,
 * no render).
 */
import { checkFlags, parseArgs } from '../args';
import { emit, plural, table } from '../output';
import { AddressPlan, addressPlan } from '../view/address-plan';
import { readDirectories } from '../view/package-files';
import { humanCount, jsonCount, percent } from '../view/sizes';
import { Command } from './command';

const USAGE = `usage: netpipe show DIR... [--json]

The address plan of the packages under each DIR (as you render it), from the files alone:
  pools      per network instance and pool: usable, used and free addresses and utilization
             (usable: the prefix less network address, IPv4 broadcast or IPv6 subnet-router
             anycast, gateway and exclusions; IPv6 sizes as 2^64 - 2, not 20 digits)
  holdings   every address a claim holds: cluster, package, workload, interface, family,
             address, gateway, VLAN
  pending    claims without an address yet (the next render allocates them)
  VLANs      per VLAN index: the IDs held, by bridge domain

--json   one document: {pools, holdings, pending, vlans, problems}. Counts (usable, used, free)
         are JSON numbers up to 2^53 - 1 and decimal strings beyond (an IPv6 /64).
Exit 0; 1 when a pool or VLAN index is invalid (listed under problems).
`;

export function showText(plan: AddressPlan): string {
  const parts: string[] = [];
  parts.push(
    plan.pools.length === 0
      ? 'no pools in the packages\n'
      : table(
          ['NETWORK INSTANCE', 'POOL', 'FAMILY', 'SERVES', 'USABLE', 'USED', 'FREE', 'UTILIZATION'],
          plan.pools.map((p) => [p.networkInstance, p.prefix, p.family, p.servesCluster ?? 'all clusters', humanCount(p.usable), humanCount(p.used), humanCount(p.free), percent(p.used, p.usable)]),
        ),
  );
  parts.push(
    plan.holdings.length === 0
      ? 'no claim holds an address\n'
      : table(
          ['CLUSTER', 'PACKAGE', 'WORKLOAD', 'INTERFACE', 'NETWORK INSTANCE', 'FAMILY', 'ADDRESS', 'GATEWAY', 'VLAN'],
          plan.holdings.map((h) => [h.cluster || '-', h.package, h.workload || '-', h.interface || '-', h.networkInstance, h.family, h.pool ? h.address : `${h.address} (outside every pool)`, h.gateway ?? '-', h.vlan === undefined ? '-' : String(h.vlan)]),
        ),
  );
  if (plan.pending.length > 0) {
    parts.push(`claims the next render allocates (${plan.pending.length}):\n${table(['CLUSTER', 'PACKAGE', 'WORKLOAD', 'INTERFACE', 'NETWORK INSTANCE', 'CLAIM'], plan.pending.map((c) => [c.cluster || '-', c.package, c.workload || '-', c.interface || '-', c.networkInstance, c.claim]))}`);
  }
  if (plan.vlans.length > 0) {
    parts.push(
      table(
        ['VLAN INDEX', 'RANGE', 'VLAN', 'BINDING', 'WORKLOADS', 'PACKAGES'],
        plan.vlans.flatMap((v) =>
          v.holdings.length === 0
            ? [[v.index, v.range ?? '-', '-', `none of ${v.usable ?? '?'} usable IDs held`, '', '']]
            : v.holdings.map((h) => [v.index, v.range ?? '-', String(h.id), h.binding, h.workloads.join(', '), h.packages.join(', ')]),
        ),
      ),
    );
  }
  if (plan.problems.length > 0) parts.push(`problems (${plan.problems.length}):\n${plan.problems.map((r) => `  ${r.message}\n`).join('')}`);
  const networks = new Set(plan.pools.map((p) => p.networkInstance)).size;
  const vlanIds = plan.vlans.reduce((n, v) => n + v.used, 0);
  parts.push(
    `${plural(plan.holdings.length, 'address', 'addresses')} held, ${plan.pending.length} pending, in ${plural(plan.pools.length, 'pool')} of ${plural(networks, 'network instance')}` +
      (plan.vlans.length > 0 ? `; ${plural(vlanIds, 'VLAN ID')} held in ${plural(plan.vlans.length, 'VLAN index', 'VLAN indexes')}` : '') +
      '\n',
  );
  return parts.join('\n');
}

/** The `--json` document; its shape is documented in the usage and the CLI README. */
export function showJson(plan: AddressPlan): unknown {
  return {
    pools: plan.pools.map((p) => ({
      networkInstance: p.networkInstance,
      prefix: p.prefix,
      family: p.family,
      kind: p.kind,
      gateway: p.gateway ?? null,
      servesCluster: p.servesCluster ?? null,
      usable: jsonCount(p.usable),
      used: jsonCount(p.used),
      free: jsonCount(p.free),
      utilization: percent(p.used, p.usable),
      usedByCluster: Object.fromEntries([...p.usedByCluster].map(([c, n]) => [c, jsonCount(n)])),
      definedBy: p.definedBy,
    })),
    holdings: plan.holdings.map((h) => ({
      cluster: h.cluster,
      package: h.package,
      workload: h.workload,
      interface: h.interface,
      networkInstance: h.networkInstance,
      family: h.family,
      address: h.address,
      prefix: h.prefix,
      gateway: h.gateway ?? null,
      vlan: h.vlan ?? null,
      claim: h.claim,
      pool: h.pool ?? null,
    })),
    pending: plan.pending,
    vlans: plan.vlans.map((v) => ({ index: v.index, range: v.range ?? null, usable: v.usable ?? null, used: v.used, holdings: v.holdings })),
    problems: plan.problems.map((r) => r.message),
  };
}

export const showCommand: Command = {
  name: 'show',
  summary: 'the address plan of package directories: pools, usage, every holding (no etcd)',
  async run(argv) {
    const args = parseArgs(argv);
    if (args.flags.has('help')) {
      process.stdout.write(USAGE);
      return 0;
    }
    checkFlags(args, ['json'], 'show');
    const plan = addressPlan(readDirectories(args.positional, 'show'));
    emit(args.flags.has('json'), showJson(plan), showText(plan));
    return plan.problems.length > 0 ? 1 : 0;
  },
};
