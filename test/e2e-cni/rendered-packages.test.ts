/*
 * The pipeline's output, proven with real parts. Real kpt renders the example packages with the
 * built function bundles; then the RAN cluster's gNB (packages/ran01/gnb) and the core cluster's
 * UPF and SMF (packages/core01/upf, packages/core01/smf) are wired from the rendered NADs and pod
 * annotations by the Debian CNI plugins into network namespaces, the way Multus would (test/cni,
 * `default-route` included). The gNB hangs its macvlan interfaces off one end of a veth pair, the
 * core pods theirs off the other end, so all of them share one L2 segment as the clusters share
 * the N3 underlay (N4 stays inside the core cluster: UPF and SMF on the same end).
 *
 * Every annotation entry the pipeline manages is wired. The one it does not, the hand-made `oam`
 * of the UPF, is left out: its dhcp IPAM needs a DHCP daemon and server that have nothing to do
 * with the pipeline. (Multus would also drop its default routes, as the UPF lists a gateway.)
 *
 * Needs root, kpt and the CNI plugins: fails (never skips) without them.
 */
import { execFileSync } from 'node:child_process';
import { dirname } from 'node:path';
import { Address4, Address6 } from 'ip-address';
import {
  AttachedPod,
  CniHarness,
  IpRoute,
  NetworkAttachmentDefinition,
  NetworkSelectionElement,
  Underlay,
  attachPod,
  parseNetworksAnnotation,
} from '../cni';
import { isJsonObject } from '../cni/json';
import { IpClaim, Rendered, Workload, claimStem, deploymentOf, ipClaims, nadsIn, poolPrefixes, renderExamplePackages } from './render';

const PACKAGES = { gnb: 'packages/ran01/gnb', upf: 'packages/core01/upf', smf: 'packages/core01/smf' } as const;
type PodName = keyof typeof PACKAGES;
const N3_NETWORK = 'vpc-n3';
const N4_NETWORK = 'vpc-n4';

interface NadRoute {
  dst: string;
  gw?: string;
}

interface Entry {
  element: NetworkSelectionElement;
  nad: NetworkAttachmentDefinition;
  /** Type of the NAD's first plugin (macvlan, ipvlan, ...). */
  plugin: string;
  ipam?: string;
  /** The static IPAM `routes` of the NAD. */
  nadRoutes: NadRoute[];
  /** The IPClaims behind the entry's interface; empty for an entry the pipeline does not manage. */
  claims: IpClaim[];
}

interface WiredPod {
  workload: Workload;
  entries: Entry[];
  attached: Entry[];
  pod: AttachedPod;
}

let rendered: Rendered | undefined;
let h: CniHarness | undefined;
let underlay: Underlay;
let claims: IpClaim[];
const pods = {} as Record<PodName, WiredPod>;

function pluginsOf(nad: NetworkAttachmentDefinition): Array<Record<string, unknown>> {
  const conf: unknown = JSON.parse(nad.spec.config);
  if (!isJsonObject(conf)) throw new Error(`${nad.metadata.name}: spec.config is not a JSON object`);
  return Array.isArray(conf.plugins) ? conf.plugins.filter(isJsonObject) : [conf];
}

function entriesOf(workload: Workload): Entry[] {
  const r = rendered!;
  const nads = nadsIn(r.objects, workload.namespace);
  return parseNetworksAnnotation(workload.networks, workload.namespace).map((element) => {
    const nad = nads.find((n) => n.metadata.name === element.name && n.metadata.namespace === element.namespace);
    if (nad === undefined) throw new Error(`${workload.file}: no NAD ${element.namespace}/${element.name} in the render`);
    const plugins = pluginsOf(nad);
    const withIpam = plugins.find((p) => isJsonObject(p.ipam));
    const ipamConf = withIpam !== undefined && isJsonObject(withIpam.ipam) ? withIpam.ipam : undefined;
    const ipam = typeof ipamConf?.type === 'string' ? ipamConf.type : undefined;
    const nadRoutes = (Array.isArray(ipamConf?.routes) ? ipamConf.routes.filter(isJsonObject) : []).map(
      (x): NadRoute => ({ dst: String(x.dst), ...(typeof x.gw === 'string' ? { gw: x.gw } : {}) }),
    );
    let entryClaims: IpClaim[] = [];
    if (element.interface !== undefined && ipam === 'static') {
      const dir = dirname(workload.file);
      const stem = claimStem(r.objects, dir, workload.namespace, element.interface);
      entryClaims = claims.filter(
        (c) => dirname(c.file) === dir && c.namespace === workload.namespace && (c.name === `${stem}-ipv4` || c.name === `${stem}-ipv6`),
      );
    }
    return { element, nad, plugin: String(plugins[0]?.type), ipam, nadRoutes, claims: entryClaims };
  });
}

/** Attaches the entries the pipeline manages into a fresh pod namespace, each exactly as rendered. */
function wire(name: PodName, master: string): WiredPod {
  const workload = deploymentOf(rendered!.objects, PACKAGES[name]);
  const entries = entriesOf(workload);
  const attached = entries.filter((e) => e.claims.length > 0);
  const pod = attachPod(h!, {
    nads: nadsIn(rendered!.objects, workload.namespace),
    annotation: JSON.stringify(attached.map((e) => e.element)),
    podNamespace: workload.namespace,
    podName: workload.name,
    underlayMaster: master,
  });
  return { workload, entries, attached, pod };
}

const ipOf = (cidr: string): string => cidr.split('/')[0];
const familyOf = (cidr: string): 4 | 6 => (cidr.includes(':') ? 6 : 4);
const isDefault = (r: { dst: string }): boolean => r.dst === '0.0.0.0/0' || r.dst === '::/0';
const sorted = (xs: string[]): string[] => [...xs].sort();

function subnetOf(cidr: string): string {
  const len = cidr.split('/')[1];
  const start = familyOf(cidr) === 4 ? new Address4(cidr).startAddress() : new Address6(cidr).startAddress();
  return `${start.correctForm()}/${len}`;
}

const routeText = (r: { dst: string; gateway?: string; dev?: string }): string => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''} dev ${r.dev}`;

/** Global-scope addresses of every link in a namespace but lo, by link name. */
function addressesByLink(netns: string): Record<string, string[]> {
  const links: unknown = JSON.parse(h!.inNetns(netns, 'ip', ['-j', 'addr', 'show']));
  const out: Record<string, string[]> = {};
  for (const link of Array.isArray(links) ? links.filter(isJsonObject) : []) {
    if (typeof link.ifname !== 'string' || link.ifname === 'lo') continue;
    const infos = Array.isArray(link.addr_info) ? link.addr_info.filter(isJsonObject) : [];
    out[link.ifname] = sorted(infos.filter((a) => a.scope === 'global').map((a) => `${String(a.local)}/${String(a.prefixlen)}`));
  }
  return out;
}

function claimOn(p: WiredPod, network: string): IpClaim {
  const found = p.attached.flatMap((e) => e.claims).filter((c) => c.networkInstance === network);
  if (found.length !== 1) throw new Error(`${p.workload.file}: expected one ${network} claim, found ${found.length}`);
  return found[0];
}

/** A default route via each claim's gateway, for the interfaces on defaultRouteNetworks. */
function wantedDefaults(p: WiredPod, family: 4 | 6): string[] {
  return p.attached.flatMap((e) =>
    e.claims
      .filter((c) => rendered!.defaultRouteNetworks.has(c.networkInstance) && familyOf(c.prefix) === family && c.gateway !== undefined)
      .map((c) => `${family === 4 ? '0.0.0.0/0' : '::/0'} via ${c.gateway} dev ${e.element.interface}`),
  );
}

const defaults = (p: WiredPod, family: 4 | 6): string[] =>
  h!.routes(p.pod.netns.name).filter((r: IpRoute) => isDefault(r) && r.family === family).map(routeText);

beforeAll(() => {
  rendered = renderExamplePackages();
  claims = ipClaims(rendered.objects);
  h = CniHarness.start();
  underlay = h.createUnderlay();
  pods.gnb = wire('gnb', underlay.a);
  pods.upf = wire('upf', underlay.b);
  pods.smf = wire('smf', underlay.b);
});

afterAll(() => {
  try {
    // Throws (failing the run) if any namespace or link of this file is left behind.
    h?.cleanup();
  } finally {
    rendered?.dispose();
  }
  if (h !== undefined) {
    const prefix = `${h.id}-`;
    expect(execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').filter((l) => l.startsWith(prefix))).toEqual([]);
  }
});

describe('render', () => {
  it('ran every function of the root Kptfile, vpc-n6 being the default-route network', () => {
    expect(rendered!.log).toMatch(/\[PASS\] "functions\/deployment-annotate-fn\/dist\/deployment-annotate-fn\.js"/);
    expect(rendered!.log).toMatch(/Successfully executed \d+ function\(s\)/);
    expect([...rendered!.defaultRouteNetworks]).toEqual(['vpc-n6']);
  });

  it('sorts the annotation entries as this test wires them', () => {
    const summary = (p: WiredPod): string[] => p.entries.map((e) => `${e.element.interface ?? e.element.name}:${e.plugin}/${e.ipam}`);
    expect(summary(pods.gnb)).toEqual(['n2:macvlan/static', 'n3:macvlan/static']);
    expect(summary(pods.upf)).toEqual(['n3:macvlan/static', 'n4:macvlan/static', 'n6:macvlan/static', 'oam:macvlan/dhcp']);
    expect(summary(pods.smf)).toEqual(['n4:macvlan/static']);
    expect(pods.gnb.attached.map((e) => e.element.interface)).toEqual(['n2', 'n3']);
    expect(pods.upf.attached.map((e) => e.element.interface)).toEqual(['n3', 'n4', 'n6']);
    expect(pods.smf.attached.map((e) => e.element.interface)).toEqual(['n4']);
    // oam is the only entry the pipeline does not manage: no Interface, no claims, its NAD as written.
    const unmanaged = (['gnb', 'upf', 'smf'] as const).flatMap((n) =>
      pods[n].entries.filter((e) => e.claims.length === 0).map((e) => `${e.element.namespace}/${e.element.name}`),
    );
    expect(unmanaged).toEqual(['core/oam']);
  });

  it.each(['gnb', 'upf', 'smf'] as const)("%s: each managed entry's ips are its IPClaims' status.prefix", (name) => {
    for (const e of pods[name].attached) {
      expect(sorted(e.element.ips ?? [])).toEqual(sorted(e.claims.map((c) => c.prefix)));
    }
  });

  it.each(['gnb', 'upf', 'smf'] as const)("%s: default-route only on defaultRouteNetworks entries, with each claim's gateway", (name) => {
    for (const e of pods[name].attached) {
      const onDefaultNetwork = e.claims.some((c) => rendered!.defaultRouteNetworks.has(c.networkInstance));
      const expected = onDefaultNetwork ? sorted(e.claims.map((c) => c.gateway ?? `no gateway in ${c.name}`)) : undefined;
      expect(e.element['default-route'] === undefined ? undefined : sorted(e.element['default-route'])).toEqual(expected);
    }
  });

  it("upf's n6 entry asks for the N6 pool's gateway of both families", () => {
    const n6 = pods.upf.attached.find((e) => e.element.interface === 'n6')!;
    const pool = poolPrefixes(rendered!.objects, 'vpc-n6');
    expect(sorted(n6.element['default-route'] ?? [])).toEqual(sorted(pool.map((x) => x.gateway ?? '')));
    expect(sorted(n6.element['default-route'] ?? [])).toEqual(['10.6.0.254', '2001:db8:6::1']);
  });

  it('no NAD of a wired entry routes a default: default routes come from default-route alone', () => {
    const all = (['gnb', 'upf', 'smf'] as const).flatMap((n) => pods[n].attached.flatMap((e) => e.nadRoutes));
    expect(all.filter(isDefault)).toEqual([]);
    // N3, N4 and N6 have one subnet per family, so there is nothing else to route either.
    expect(all).toEqual([]);
  });

  it.each([
    [N3_NETWORK, 'gnb', 'upf'],
    [N4_NETWORK, 'smf', 'upf'],
  ] as const)("gives the %s ends distinct addresses inside the pool, neither the pool's gateway nor its edges", (network, x, y) => {
    const [pool] = poolPrefixes(rendered!.objects, network);
    const subnet = new Address4(pool.prefix);
    const a = claimOn(pods[x], network);
    const b = claimOn(pods[y], network);
    expect(ipOf(a.prefix)).not.toBe(ipOf(b.prefix));
    for (const c of [a, b]) {
      expect(new Address4(c.prefix).isInSubnet(subnet)).toBe(true);
      expect(subnetOf(c.prefix)).toBe(pool.prefix);
      // No gateway in the pool: the first usable address is the gateway (SPEC invariant 7).
      expect(pool.gateway).toBeUndefined();
      expect(c.gateway).toBe(subnet.startAddressExclusive().correctForm());
      expect(ipOf(c.prefix)).not.toBe(c.gateway);
      expect(ipOf(c.prefix)).not.toBe(subnet.startAddress().correctForm());
      expect(ipOf(c.prefix)).not.toBe(subnet.endAddress().correctForm());
    }
  });
});

describe.each(['gnb', 'upf', 'smf'] as const)('%s pod wired from the rendered NADs and annotation', (name) => {
  it('holds exactly the claimed addresses, each on the interface the annotation names, and nothing else', () => {
    const p = pods[name];
    const expected = Object.fromEntries(p.attached.map((e) => [e.element.interface!, sorted(e.claims.map((c) => c.prefix))]));
    expect(Object.values(expected).every((a) => a.length > 0)).toBe(true);
    expect(addressesByLink(p.pod.netns.name)).toEqual(expected);
    for (const iface of p.pod.interfaces) {
      expect(h!.linkInfo(p.pod.netns.name, iface.name)).toEqual(expect.objectContaining({ kind: 'macvlan', up: true }));
    }
  });

  it('got its addresses through runtimeConfig.ips although Multus also passed CNI_ARGS IP= (one copy, not two)', () => {
    const p = pods[name];
    p.pod.interfaces.forEach((iface, i) => {
      const ips = p.attached[i].element.ips ?? [];
      expect(iface.plan.addArgs).toContainEqual(['IP', ips.join(',')]);
      expect(iface.plan.plugins[0].config.runtimeConfig).toEqual({ ips });
      expect(sorted(iface.addresses)).toEqual(sorted(ips));
    });
  });

  it('has the connected route of each address and the routes its NADs name, and no other route but the default routes', () => {
    const p = pods[name];
    const connected = p.attached.flatMap((e) => e.claims.map((c) => `${subnetOf(c.prefix)} dev ${e.element.interface}`));
    const fromNads = p.attached.flatMap((e) => e.nadRoutes.map((r) => routeText({ dst: r.dst, gateway: r.gw, dev: e.element.interface })));
    const actual = h!.routes(p.pod.netns.name).filter((r) => !isDefault(r)).map(routeText);
    expect(sorted(actual)).toEqual(sorted([...connected, ...fromNads]));
  });
});

describe('default routes', () => {
  it.each(['gnb', 'smf'] as const)('%s has none: none of its networks is a default-route network', (name) => {
    expect(wantedDefaults(pods[name], 4)).toEqual([]);
    expect(wantedDefaults(pods[name], 6)).toEqual([]);
    expect(defaults(pods[name], 4)).toEqual([]);
    expect(defaults(pods[name], 6)).toEqual([]);
  });

  it('upf has exactly one IPv4 default route, via the N6 gateway', () => {
    expect(wantedDefaults(pods.upf, 4)).toEqual(['0.0.0.0/0 via 10.6.0.254 dev n6']);
    expect(defaults(pods.upf, 4)).toEqual(wantedDefaults(pods.upf, 4));
  });

  it('upf has exactly one IPv6 default route, via the N6 gateway', () => {
    expect(wantedDefaults(pods.upf, 6)).toEqual(['::/0 via 2001:db8:6::1 dev n6']);
    expect(defaults(pods.upf, 6)).toEqual(wantedDefaults(pods.upf, 6));
  });

  it('upf sends traffic for an address outside every subnet out of n6 to the N6 gateway, in both families', () => {
    const via = (family: 4 | 6, dst: string): unknown => {
      const [r]: unknown[] = JSON.parse(h!.inNetns(pods.upf.pod.netns.name, 'ip', ['-j', `-${family}`, 'route', 'get', dst]));
      return isJsonObject(r) ? { gateway: r.gateway, dev: r.dev } : r;
    };
    expect(via(4, '198.51.100.7')).toEqual({ gateway: '10.6.0.254', dev: 'n6' });
    expect(via(6, '2001:db8:ffff::7')).toEqual({ gateway: '2001:db8:6::1', dev: 'n6' });
  });
});

describe('across the networks', () => {
  it("N3: upf reaches gnb's address and gnb reaches upf's (between the clusters)", () => {
    const gnb = ipOf(claimOn(pods.gnb, N3_NETWORK).prefix);
    const upf = ipOf(claimOn(pods.upf, N3_NETWORK).prefix);
    expect(h!.ping(pods.upf.pod.netns.name, gnb)).toBe(true);
    expect(h!.ping(pods.gnb.pod.netns.name, upf)).toBe(true);
  });

  it("N4: upf reaches smf's address and smf reaches upf's (inside the core cluster)", () => {
    const smf = ipOf(claimOn(pods.smf, N4_NETWORK).prefix);
    const upf = ipOf(claimOn(pods.upf, N4_NETWORK).prefix);
    expect(h!.ping(pods.upf.pod.netns.name, smf)).toBe(true);
    expect(h!.ping(pods.smf.pod.netns.name, upf)).toBe(true);
  });
});
