import { randomBytes } from 'node:crypto';
import { isIPv6 } from 'node:net';
import { parseNetworksAnnotation } from './annotation';
import { runCommand } from './exec';
import { JsonObject, isJsonObject } from './json';
import { DelegatePlan, planDelegate } from './multus';
import { CniHarness, Delegation, IpRoute, Netns } from './netns';
import { CniResult, NetworkAttachmentDefinition, NetworkSelectionElement, nadConfig, nadKey } from './types';

export interface AttachPodOptions {
  nads: NetworkAttachmentDefinition[];
  /** Raw value of the pod's k8s.v1.cni.cncf.io/networks annotation (JSON list or short form). */
  annotation: string;
  podNamespace: string;
  podName: string;
  podUid?: string;
  /**
   * Root-namespace link that stands in for the cluster's host NIC: every
   * macvlan/ipvlan `master` in the NADs is replaced by it.
   */
  underlayMaster: string;
  /**
   * A NAD master `<nic>.<vlanId>` becomes a real 802.1Q sub-interface of the
   * underlay ('sub-interface', the default), or the untagged underlay itself
   * ('untagged', for kernels without 802.1Q).
   */
  vlan?: 'sub-interface' | 'untagged';
  /** sriov needs a VF; 'as-macvlan' keeps the IPAM and capabilities and wires a macvlan instead. */
  sriov?: 'error' | 'as-macvlan';
}

export interface AttachedInterface {
  name: string;
  /** namespace/name of the NAD. */
  network: string;
  /** Global-scope addresses on the interface, CIDR form, as read back from the kernel. */
  addresses: string[];
  routes: IpRoute[];
  mac: string;
  result: CniResult;
  plan: DelegatePlan;
}

export interface AttachedPod {
  netns: Netns;
  containerId: string;
  interfaces: AttachedInterface[];
  /** CNI DEL of every attachment in reverse order, then the namespace goes. */
  detach(): void;
}

const vlanLinks = new WeakMap<CniHarness, Map<string, string>>();

/**
 * Does for one pod what Multus does for its networks annotation: parse it, find
 * each NAD by namespace/name, run each attachment's plugin chain in annotation
 * order into a fresh namespace, and apply `default-route` requests. A NAD
 * without metadata.namespace counts as being in the pod's namespace, where
 * `kubectl apply -n <pod namespace>` would put it. On any failure the
 * attachments made so far are DELeted, as Multus does.
 */
export function attachPod(harness: CniHarness, opts: AttachPodOptions): AttachedPod {
  const elements = parseNetworksAnnotation(opts.annotation, opts.podNamespace);
  // Multus refuses the pod before any plugin runs, so nothing is made.
  const gatewayRequested = checkGatewayConfig(elements);
  const netns = harness.createNetns(`${opts.podNamespace}-${opts.podName}`);
  const containerId = randomBytes(32).toString('hex');
  const delegations: Delegation[] = [];
  const undo = (): void => {
    for (const d of [...delegations].reverse()) harness.del(d);
  };

  try {
    elements.forEach((element, i) => {
      const nad = findNad(opts.nads, element, opts.podNamespace);
      const plan = planDelegate({
        nad: rewire(harness, nad, opts),
        element,
        podNamespace: opts.podNamespace,
        podName: opts.podName,
        podUid: opts.podUid,
        containerId,
        netnsPath: netns.path,
        position: i + 1,
      });
      delegations.push(harness.add(plan));
      if (gatewayRequested) applyDefaultRoute(harness, netns.name, plan.ifName, plan.defaultRoute);
    });
  } catch (err) {
    undo();
    throw err;
  }

  const interfaces = delegations.map(
    (d): AttachedInterface => ({
      name: d.plan.ifName,
      network: d.plan.network,
      addresses: harness.addresses(netns.name, d.plan.ifName),
      routes: harness.routes(netns.name, d.plan.ifName),
      mac: harness.linkInfo(netns.name, d.plan.ifName).mac,
      result: d.result,
      plan: d.plan,
    }),
  );

  return {
    netns,
    containerId,
    interfaces,
    detach: () => {
      undo();
      harness.removeNetns(netns.name);
    },
  };
}

function findNad(nads: NetworkAttachmentDefinition[], element: NetworkSelectionElement, podNamespace: string): NetworkAttachmentDefinition {
  const nad = nads.find((n) => n.metadata.name === element.name && (n.metadata.namespace ?? podNamespace) === element.namespace);
  if (nad === undefined) {
    const known = nads.map((n) => nadKey(n, podNamespace)).join(', ') || 'none';
    throw new Error(`cannot find a network-attachment-definition (${element.name}) in namespace (${element.namespace}); known: ${known}`);
  }
  return nad;
}

/** The NAD with its host-NIC references pointed at the test underlay. */
function rewire(harness: CniHarness, nad: NetworkAttachmentDefinition, opts: AttachPodOptions): NetworkAttachmentDefinition {
  const conf = nadConfig(nad);
  const plugins: JsonObject[] = Array.isArray(conf.plugins) ? conf.plugins.filter(isJsonObject) : [conf];
  for (const p of plugins) rewirePlugin(harness, p, opts, nadKey(nad, opts.podNamespace));
  return { ...nad, spec: { ...nad.spec, config: JSON.stringify(conf) } };
}

function rewirePlugin(harness: CniHarness, p: JsonObject, opts: AttachPodOptions, network: string): void {
  if (p.type === 'sriov') {
    if (opts.sriov !== 'as-macvlan') {
      throw new Error(`${network}: sriov needs a virtual function; pass sriov: 'as-macvlan' to test its addressing over macvlan`);
    }
    const vlan = typeof p.vlan === 'number' && p.vlan > 0 ? p.vlan : undefined;
    for (const key of Object.keys(p)) {
      if (!['type', 'name', 'cniVersion', 'ipam', 'capabilities', 'args'].includes(key)) delete p[key];
    }
    p.type = 'macvlan';
    p.mode = 'bridge';
    p.master = vlan === undefined ? opts.underlayMaster : vlanMaster(harness, opts, vlan);
    return;
  }
  if (p.type !== 'macvlan' && p.type !== 'ipvlan') return;
  // A missing master would make the plugin pick the root namespace's default-route NIC.
  const master = typeof p.master === 'string' ? p.master : '';
  const vlan = /\.(\d{1,4})$/.exec(master);
  p.master = vlan === null ? opts.underlayMaster : vlanMaster(harness, opts, Number(vlan[1]));
}

function vlanMaster(harness: CniHarness, opts: AttachPodOptions, vlanId: number): string {
  if ((opts.vlan ?? 'sub-interface') === 'untagged') return opts.underlayMaster;
  let cache = vlanLinks.get(harness);
  if (cache === undefined) vlanLinks.set(harness, (cache = new Map()));
  const key = `${opts.underlayMaster}.${vlanId}`;
  let link = cache.get(key);
  if (link === undefined || !harness.leftovers().includes(link)) {
    link = harness.createVlan(opts.underlayMaster, vlanId);
    cache.set(key, link);
  }
  return link;
}

/*
 * Multus' handling of the `default-route` selection key (multus-cni pkg/types CheckGatewayConfig,
 * pkg/multus cmdAdd, pkg/netutils DeleteDefaultGW and SetDefaultGW):
 *  - only when some element of the pod lists a gateway does anything happen;
 *  - more than one gateway of one family across the whole pod is refused;
 *  - every attachment is then, for each family, either filtered (it lists no gateway of that
 *    family) or overriding (it lists one), so right after each attachment's ADD DeleteDefaultGW
 *    runs on its interface. That lists the routes of that link only (netlink RouteList with the
 *    link, FAMILY_ALL, main table) and deletes every one without a destination: the default
 *    routes of both families on that interface, whatever the element asked, including those the
 *    plugin's IPAM installed. Default routes on other interfaces are left alone, and so are
 *    multipath routes, which carry no single link;
 *  - SetDefaultGW then adds `default via <gw> dev <interface>` for each listed gateway.
 * So an element that lists only an IPv4 gateway also loses its interface's IPv6 default route.
 *
 * Multus builds whose vishvananda/netlink reports a default route with a zero rather than a
 * nil destination delete nothing (multus-cni pull request 1552): a regression, not modelled.
 */

const familyOf = (ip: string): 4 | 6 => (isIPv6(ip) ? 6 : 4);
const isDefaultDst = (dst: string): boolean => dst === '0.0.0.0/0' || dst === '::/0';

/** Whether any element asks for a default route; throws as Multus does on two gateways of one family. */
function checkGatewayConfig(elements: NetworkSelectionElement[]): boolean {
  const gateways = elements.flatMap((e) => e['default-route'] ?? []);
  for (const family of [4, 6] as const) {
    const same = gateways.filter((gw) => familyOf(gw) === family);
    if (same.length > 1) throw new Error(`multus does not support ECMP for default-route (IPv${family} gateways ${same.join(', ')})`);
  }
  return gateways.length > 0;
}

function applyDefaultRoute(harness: CniHarness, netns: string, ifName: string, gateways: string[]): void {
  for (const r of harness.routes(netns, ifName)) {
    if (!isDefaultDst(r.dst)) continue;
    harness.inNetns(netns, 'ip', [`-${r.family}`, 'route', 'del', 'default', ...(r.gateway ? ['via', r.gateway] : []), 'dev', ifName]);
  }
  for (const gw of gateways) {
    const add = runCommand('ip', ['netns', 'exec', netns, 'ip', `-${familyOf(gw)}`, 'route', 'add', 'default', 'via', gw, 'dev', ifName]);
    // The route being there already is the state the element asks for.
    if (add.status !== 0 && !/File exists/.test(add.stderr)) {
      throw new Error(`error setting default gateway: default via ${gw} dev ${ifName} in ${netns}: ${add.stderr.trim()}`);
    }
  }
}
