/*
 * Proves the harness with the real Debian CNI plugins in real network namespaces,
 * and pins down the SPEC section 5 facts about Multus and static IPAM that the
 * generated NADs and annotations rely on. Needs root and scripts/install-cni.sh;
 * without them every test here fails (never skips).
 */
import { AttachPodOptions, AttachedPod, CniHarness, JsonObject, NetworkAttachmentDefinition, Underlay } from './index';
import { attachPod, parseNetworksAnnotation, planDelegate, pluginSupportedVersions, sweepStale } from './index';
import { mustRun } from './exec';

const NS = 'telco';
let h: CniHarness;
let u: Underlay;

beforeAll(() => {
  h = CniHarness.start();
  u = h.createUnderlay();
});

afterAll(() => {
  // Throws (failing the run) if anything made here is left behind.
  h?.cleanup();
});

function nad(name: string, config: JsonObject, namespace: string | undefined = NS): NetworkAttachmentDefinition {
  return {
    apiVersion: 'k8s.cni.cncf.io/v1',
    kind: 'NetworkAttachmentDefinition',
    metadata: namespace === undefined ? { name } : { name, namespace },
    spec: { config: JSON.stringify(config) },
  };
}

function staticIpam(addresses?: Array<{ address: string; gateway?: string }>, routes?: Array<{ dst: string; gw?: string }>): JsonObject {
  const ipam: JsonObject = { type: 'static' };
  if (addresses) ipam.addresses = addresses;
  if (routes) ipam.routes = routes;
  return ipam;
}

/** A single-plugin macvlan NAD; `master` is what a cluster NAD would name and the harness rewires. */
function macvlanNad(name: string, ipam: JsonObject, extra: JsonObject = {}): NetworkAttachmentDefinition {
  return nad(name, { cniVersion: '0.3.1', name, type: 'macvlan', master: 'eth1', mode: 'bridge', ...extra, ipam });
}

/** Nephio's layout: macvlan then tuning in a conflist. */
function conflistNad(name: string, macvlan: JsonObject, tuning: JsonObject, cniVersion = '0.3.1'): NetworkAttachmentDefinition {
  return nad(name, {
    cniVersion,
    name,
    plugins: [
      { type: 'macvlan', master: 'eth1', mode: 'bridge', ...macvlan },
      { type: 'tuning', ...tuning },
    ],
  });
}

const pods: AttachedPod[] = [];
function pod(podName: string, nads: NetworkAttachmentDefinition[], annotation: string, opts: Partial<AttachPodOptions> = {}): AttachedPod {
  const p = attachPod(h, { nads, annotation, podNamespace: NS, podName, underlayMaster: u.a, ...opts });
  pods.push(p);
  return p;
}

afterEach(() => {
  // Each test's pods leave the shared underlay, so addresses never clash across tests.
  for (const p of pods.splice(0)) p.detach();
});

const sorted = (xs: string[]): string[] => [...xs].sort();

describe('installed CNI plugins', () => {
  it.each(['macvlan', 'ipvlan', 'static', 'tuning'])('%s accepts CNI 0.3.1 and 1.0.0', (type) => {
    const versions = pluginSupportedVersions(type);
    expect(versions).toEqual(expect.arrayContaining(['0.3.1', '0.4.0', '1.0.0']));
  });
});

describe('static IPAM through Multus', () => {
  it('(a) addresses in the NAD, no ips in the annotation: exactly that address', () => {
    const p = pod('a', [macvlanNad('n3', staticIpam([{ address: '10.9.1.5/24', gateway: '10.9.1.1' }]))], 'n3');
    const [net1] = p.interfaces;
    expect(net1.name).toBe('net1');
    expect(net1.addresses).toEqual(['10.9.1.5/24']);
    expect(h.linkInfo(p.netns.name, 'net1').kind).toBe('macvlan');
    expect(net1.plan.addArgs).toEqual([]);
  });

  it('(b) conflist, static without addresses, ips capability on macvlan, annotation ips: exactly that address', () => {
    const n3 = conflistNad('n3', { capabilities: { ips: true }, ipam: staticIpam() }, { capabilities: { mac: true } });
    const annotation = JSON.stringify([{ name: 'n3', interface: 'n3', ips: ['10.9.2.5/24'], mac: '02:00:0a:09:02:05' }]);
    const p = pod('b', [n3], annotation);
    const [iface] = p.interfaces;
    expect(iface.name).toBe('n3');
    expect(iface.addresses).toEqual(['10.9.2.5/24']);
    // tuning applied runtimeConfig.mac.
    expect(iface.mac).toBe('02:00:0a:09:02:05');

    const [macvlanAdd, tuningAdd] = iface.plan.plugins;
    expect(macvlanAdd.config.runtimeConfig).toEqual({ ips: ['10.9.2.5/24'] });
    expect(tuningAdd.config.runtimeConfig).toEqual({ mac: '02:00:0a:09:02:05' });
    expect(tuningAdd.config.name).toBe('n3');
    expect(tuningAdd.config.cniVersion).toBe('0.3.1');
  });

  it('(b) runtimeConfig.ips replaces the NAD addresses and the CNI_ARGS IP= ones', () => {
    const n3 = macvlanNad('n3', staticIpam([{ address: '10.9.3.9/24' }]), { capabilities: { ips: true } });
    const p = pod('b2', [n3], '[{"name":"n3","ips":["10.9.3.5/24"]}]');
    expect(p.interfaces[0].addresses).toEqual(['10.9.3.5/24']);
    // Multus did pass IP= as well; static dropped it.
    expect(p.interfaces[0].plan.addArgs).toEqual([['IP', '10.9.3.5/24']]);
  });

  it('(b) static discards CNI_ARGS IP= when runtimeConfig.ips is present, even a different address', () => {
    const netns = h.createNetns('b3');
    const plan = planDelegate({
      nad: macvlanNad('n3', staticIpam(), { capabilities: { ips: true }, master: u.a }),
      element: { name: 'n3', namespace: NS, ips: ['10.9.4.5/24'] },
      podNamespace: NS,
      podName: 'b3',
      containerId: 'b3',
      netnsPath: netns.path,
    });
    const d = h.add({ ...plan, addArgs: [['IP', '10.9.4.77/24']] });
    expect(h.addresses(netns.name, 'net1')).toEqual(['10.9.4.5/24']);
    h.del(d);
  });

  it('(c) addresses in the NAD and ips in the annotation without the capability: TWO addresses', () => {
    const n3 = macvlanNad('n3', staticIpam([{ address: '10.9.5.9/24' }]));
    const p = pod('c', [n3], '[{"name":"n3","ips":["10.9.5.5/24"]}]');
    expect(sorted(p.interfaces[0].addresses)).toEqual(['10.9.5.5/24', '10.9.5.9/24']);
  });

  it('(c) the capability on tuning (not the IPAM plugin) does not help: still two addresses', () => {
    const n3 = conflistNad('n3', { ipam: staticIpam([{ address: '10.9.6.9/24' }]) }, { capabilities: { ips: true, mac: true } });
    const p = pod('c2', [n3], '[{"name":"n3","ips":["10.9.6.5/24"]}]');
    expect(sorted(p.interfaces[0].addresses)).toEqual(['10.9.6.5/24', '10.9.6.9/24']);
  });

  it('(c) ips only in the annotation and a NAD without addresses: one address even without the capability (IP= alone)', () => {
    const n3 = macvlanNad('n3', staticIpam());
    const p = pod('c3', [n3], '[{"name":"n3","ips":["10.9.7.5/24"]}]');
    expect(p.interfaces[0].addresses).toEqual(['10.9.7.5/24']);
    expect(p.interfaces[0].plan.plugins[0].config.runtimeConfig).toBeUndefined();
  });

  it('(d) dual-stack: an IPv4 and an IPv6 address', () => {
    const n3 = conflistNad('n3', { capabilities: { ips: true }, ipam: staticIpam() }, { capabilities: { mac: true } });
    const p = pod('d', [n3], '[{"name":"n3","interface":"n3","ips":["10.9.8.5/24","2001:db8:98::5/64"]}]');
    expect(sorted(p.interfaces[0].addresses)).toEqual(['10.9.8.5/24', '2001:db8:98::5/64']);
    const v6 = h.addressInfo(p.netns.name, 'n3').filter((a) => a.family === 6);
    expect(v6.every((a) => !a.tentative)).toBe(true);
  });

  it('(e) ipvlan mode l2: addresses and reachability where the kernel has ipvlan, else the kernel refusal is asserted', () => {
    const n6 = nad('n6', { cniVersion: '0.3.1', name: 'n6', type: 'ipvlan', master: 'eth1', mode: 'l2', ipam: staticIpam() });
    const annotation = (ip: string): string => JSON.stringify([{ name: 'n6', interface: 'n6', ips: [ip] }]);
    if (!h.supportsLinkType('ipvlan', u.a)) {
      // Not a skip: the real plugin is driven and must fail for the kernel's reason only.
      console.warn('ipvlan: this kernel has no ipvlan support (CONFIG_IPVLAN); ipvlan addressing is not proven on this machine');
      expect(() => pod('e-a', [n6], annotation('10.9.9.5/24'))).toThrow(/failed to create ipvlan: operation not supported/);
      expect(h.leftovers().filter((n) => n.endsWith('-e-a'))).toHaveLength(1); // only the empty pod namespace
      return;
    }
    const a = pod('e-a', [n6], annotation('10.9.9.5/24'), { underlayMaster: u.a });
    const b = pod('e-b', [n6], annotation('10.9.9.6/24'), { underlayMaster: u.b });
    expect(a.interfaces[0].addresses).toEqual(['10.9.9.5/24']);
    expect(b.interfaces[0].addresses).toEqual(['10.9.9.6/24']);
    expect(h.linkInfo(a.netns.name, 'n6').kind).toBe('ipvlan');
    expect(h.ping(a.netns.name, '10.9.9.6')).toBe(true);
    expect(h.ping(b.netns.name, '10.9.9.5')).toBe(true);
  });

  it('(f) two pods, macvlan on each veth end, ping each other over IPv4 and IPv6', () => {
    const n3 = macvlanNad('n3', staticIpam(), { capabilities: { ips: true } });
    const a = pod('f-a', [n3], '[{"name":"n3","interface":"n3","ips":["10.9.10.5/24","2001:db8:910::5/64"]}]', { underlayMaster: u.a });
    const b = pod('f-b', [n3], '[{"name":"n3","interface":"n3","ips":["10.9.10.6/24","2001:db8:910::6/64"]}]', { underlayMaster: u.b });
    expect(h.ping(a.netns.name, '10.9.10.6')).toBe(true);
    expect(h.ping(b.netns.name, '10.9.10.5')).toBe(true);
    expect(h.ping(a.netns.name, '2001:db8:910::6')).toBe(true);
    expect(h.ping(b.netns.name, '2001:db8:910::5')).toBe(true);
    // A pod is not reachable at an address it was not given.
    expect(h.ping(a.netns.name, '10.9.10.7', 1)).toBe(false);
  });

  it('(g) static IPAM routes appear in the pod; a route without gw uses the address gateway', () => {
    const n3 = macvlanNad(
      'n3',
      staticIpam(
        [
          { address: '10.9.11.5/24', gateway: '10.9.11.1' },
          { address: '2001:db8:911::5/64', gateway: '2001:db8:911::1' },
        ],
        [{ dst: '192.168.50.0/24', gw: '10.9.11.254' }, { dst: '0.0.0.0/0' }, { dst: '2001:db8:50::/64', gw: '2001:db8:911::fe' }],
      ),
    );
    const p = pod('g', [n3], 'n3@n3');
    const routes = p.interfaces[0].routes.map((r) => ({ dst: r.dst, gateway: r.gateway }));
    expect(routes).toEqual(
      expect.arrayContaining([
        { dst: '10.9.11.0/24', gateway: undefined },
        { dst: '192.168.50.0/24', gateway: '10.9.11.254' },
        { dst: '0.0.0.0/0', gateway: '10.9.11.1' },
        { dst: '2001:db8:911::/64', gateway: undefined },
        { dst: '2001:db8:50::/64', gateway: '2001:db8:911::fe' },
      ]),
    );
    expect(routes).toHaveLength(5);
  });

  it('(g) a gateway on the address alone adds no default route', () => {
    const p = pod('g2', [macvlanNad('n3', staticIpam([{ address: '10.9.12.5/24', gateway: '10.9.12.1' }]))], 'n3');
    expect(p.interfaces[0].routes.map((r) => r.dst)).toEqual(['10.9.12.0/24']);
  });

  it('(g) default-route in the annotation adds the default route; a "gateway" key is ignored', () => {
    const n3 = macvlanNad('n3', staticIpam(), { capabilities: { ips: true } });
    const n6 = macvlanNad('n6', staticIpam(), { capabilities: { ips: true } });
    const annotation = JSON.stringify([
      { name: 'n3', interface: 'n3', ips: ['10.9.13.5/24'], gateway: ['10.9.13.1'] },
      { name: 'n6', interface: 'n6', ips: ['10.9.14.5/24'], 'default-route': ['10.9.14.1'] },
    ]);
    const p = pod('g3', [n3, n6], annotation);
    const defaults = h.routes(p.netns.name).filter((r) => r.dst === '0.0.0.0/0');
    expect(defaults).toEqual([expect.objectContaining({ gateway: '10.9.14.1', dev: 'n6' })]);
  });
});

describe('default-route, as Multus applies it', () => {
  const defaultRoutes = (p: AttachedPod): string[] =>
    h
      .routes(p.netns.name)
      .filter((r) => r.dst === '0.0.0.0/0' || r.dst === '::/0')
      .map((r) => `${r.dst} via ${r.gateway} dev ${r.dev}`);
  /** A macvlan NAD that takes its addresses from the annotation and whose static IPAM installs `routes`. */
  const routedNad = (name: string, routes: Array<{ dst: string; gw: string }>): NetworkAttachmentDefinition =>
    macvlanNad(name, staticIpam(undefined, routes), { capabilities: { ips: true } });

  it('a dual-stack interface listing both gateways ends with exactly one default route per family, via them, though its IPAM installed the same routes', () => {
    const n3 = routedNad('n3', [
      { dst: '0.0.0.0/0', gw: '10.9.31.1' },
      { dst: '::/0', gw: '2001:db8:931::1' },
    ]);
    const n6 = routedNad('n6', [
      { dst: '0.0.0.0/0', gw: '10.9.30.254' },
      { dst: '::/0', gw: '2001:db8:930::1' },
    ]);
    const annotation = JSON.stringify([
      { name: 'n3', interface: 'n3', ips: ['10.9.31.5/24', '2001:db8:931::5/64'] },
      { name: 'n6', interface: 'n6', ips: ['10.9.30.5/24', '2001:db8:930::5/64'], 'default-route': ['10.9.30.254', '2001:db8:930::1'] },
    ]);
    const p = pod('dr-dual', [n3, n6], annotation);
    // The plugins did install default routes on both interfaces ...
    for (const iface of p.interfaces) {
      expect(iface.result.routes.filter((r) => r.dst === '0.0.0.0/0' || r.dst === '::/0')).toHaveLength(2);
    }
    // ... and what is left is one per family, on the interface that asked.
    expect(sorted(defaultRoutes(p))).toEqual(['0.0.0.0/0 via 10.9.30.254 dev n6', '::/0 via 2001:db8:930::1 dev n6']);
    expect(sorted(p.interfaces[1].addresses)).toEqual(['10.9.30.5/24', '2001:db8:930::5/64']);
  });

  it("replaces the interface's other default routes of both families: an element listing only an IPv4 gateway loses its IPv6 default", () => {
    const n6 = routedNad('n6', [
      { dst: '0.0.0.0/0', gw: '10.9.32.1' },
      { dst: '::/0', gw: '2001:db8:932::1' },
    ]);
    const annotation = JSON.stringify([{ name: 'n6', interface: 'n6', ips: ['10.9.32.5/24', '2001:db8:932::5/64'], 'default-route': ['10.9.32.254'] }]);
    const p = pod('dr-v4', [n6], annotation);
    expect(defaultRoutes(p)).toEqual(['0.0.0.0/0 via 10.9.32.254 dev n6']);
  });

  it('leaves default routes alone when no element lists a gateway', () => {
    const n6 = routedNad('n6', [{ dst: '::/0', gw: '2001:db8:935::1' }]);
    const p = pod('dr-none', [n6], JSON.stringify([{ name: 'n6', interface: 'n6', ips: ['2001:db8:935::5/64'], 'default-route': [] }]));
    expect(defaultRoutes(p)).toEqual(['::/0 via 2001:db8:935::1 dev n6']);
  });

  it('refuses two gateways of one family across the pod before any plugin runs', () => {
    const n3 = routedNad('n3', []);
    const n6 = routedNad('n6', []);
    const annotation = JSON.stringify([
      { name: 'n3', interface: 'n3', ips: ['10.9.33.5/24'], 'default-route': ['10.9.33.1'] },
      { name: 'n6', interface: 'n6', ips: ['10.9.34.5/24', '2001:db8:934::5/64'], 'default-route': ['10.9.34.1', '2001:db8:934::1'] },
    ]);
    expect(() => pod('dr-ecmp', [n3, n6], annotation)).toThrow(/multus does not support ECMP for default-route/);
    expect(h.leftovers().filter((n) => n.includes('dr-ecmp'))).toEqual([]);
  });

  it('fails the pod, DELeting what it attached, when a gateway is not on the interface', () => {
    const n6 = routedNad('n6', []);
    const annotation = JSON.stringify([{ name: 'n6', interface: 'n6', ips: ['10.9.36.5/24'], 'default-route': ['10.9.37.1'] }]);
    expect(() => pod('dr-offlink', [n6], annotation)).toThrow(/error setting default gateway: default via 10\.9\.37\.1 dev n6/);
    expect(h.leftovers().filter((n) => n.includes('dr-offlink'))).toHaveLength(1); // only the empty pod namespace
  });
});

describe('CNI 1.0.0', () => {
  it('a 1.0.0 conflist is accepted: ADD gives the address, DEL gets the cached result as prevResult', () => {
    const n3 = conflistNad('n3', { capabilities: { ips: true }, ipam: staticIpam() }, { capabilities: { mac: true } }, '1.0.0');
    const p = pod('v1', [n3], '[{"name":"n3","ips":["10.9.15.5/24"]}]');
    const [iface] = p.interfaces;
    expect(iface.result.cniVersion).toBe('1.0.0');
    expect(iface.addresses).toEqual(['10.9.15.5/24']);
    const del = h.del({ plan: iface.plan, result: iface.result, invocations: [], deleted: false });
    expect(del.map((i) => i.type)).toEqual(['tuning', 'macvlan']);
    expect(del.every((i) => JSON.parse(i.stdin).prevResult.cniVersion === '1.0.0')).toBe(true);
  });
});

describe('attachPod', () => {
  it('parses the short form, names interfaces net1.. and uses the namespace of each entry', () => {
    const n3 = macvlanNad('n3', staticIpam([{ address: '10.9.16.5/24' }]));
    const oam = nad('oam', { cniVersion: '0.3.1', name: 'oam', type: 'macvlan', master: 'eth1', mode: 'bridge', ipam: staticIpam([{ address: '10.9.17.5/24' }]) }, 'infra');
    const n6 = macvlanNad('n6', staticIpam([{ address: '10.9.18.5/24' }]));
    const p = pod('short', [n3, oam, n6], 'n3, infra/oam, n6@n6');
    expect(p.interfaces.map((i) => [i.name, i.network, i.addresses])).toEqual([
      ['net1', 'telco/n3', ['10.9.16.5/24']],
      ['net2', 'infra/oam', ['10.9.17.5/24']],
      ['n6', 'telco/n6', ['10.9.18.5/24']],
    ]);
    const env = p.interfaces[0].plan;
    expect(env.args).toEqual([
      ['IgnoreUnknown', 'true'],
      ['K8S_POD_NAMESPACE', NS],
      ['K8S_POD_NAME', 'short'],
      ['K8S_POD_INFRA_CONTAINER_ID', p.containerId],
      ['K8S_POD_UID', ''],
    ]);
  });

  it('fails naming the NAD that does not exist, and leaves nothing attached', () => {
    const n3 = macvlanNad('n3', staticIpam([{ address: '10.9.19.5/24' }]));
    expect(() => pod('missing', [n3], 'n3, n9')).toThrow(/network-attachment-definition \(n9\) in namespace \(telco\)/);
  });

  it('a NAD master <nic>.<vlan> becomes a real VLAN sub-interface of the underlay where the kernel has 802.1Q', () => {
    const n3 = macvlanNad('n3', staticIpam(), { master: 'eth1.300', capabilities: { ips: true } });
    const annotation = (ip: string): string => JSON.stringify([{ name: 'n3', ips: [ip] }]);
    if (!h.supportsLinkType('vlan', u.a)) {
      console.warn('vlan: this kernel has no 802.1Q support (CONFIG_VLAN_8021Q); tagged underlays are not proven on this machine');
      expect(() => pod('vlan-a', [n3], annotation('10.9.23.5/24'))).toThrow(/cannot create VLAN 300 .*802\.1Q/);
      return;
    }
    const a = pod('vlan-a', [n3], annotation('10.9.23.5/24'), { underlayMaster: u.a });
    const b = pod('vlan-b', [n3], annotation('10.9.23.6/24'), { underlayMaster: u.b });
    expect(a.interfaces[0].plan.plugins[0].config.master).not.toBe(u.a);
    expect(h.ping(a.netns.name, '10.9.23.6')).toBe(true);
    expect(h.ping(b.netns.name, '10.9.23.5')).toBe(true);
  });

  it('a NAD master <nic>.<vlan> can be wired untagged on kernels without 802.1Q', () => {
    const n3 = macvlanNad('n3', staticIpam([{ address: '10.9.20.5/24' }]), { master: 'eth1.300' });
    const p = pod('vlan', [n3], 'n3', { vlan: 'untagged' });
    expect(p.interfaces[0].addresses).toEqual(['10.9.20.5/24']);
    expect(p.interfaces[0].plan.plugins[0].config.master).toBe(u.a);
  });

  it('detach removes the pod namespace', () => {
    const p = attachPod(h, { nads: [macvlanNad('n3', staticIpam([{ address: '10.9.21.5/24' }]))], annotation: 'n3', podNamespace: NS, podName: 'gone', underlayMaster: u.a });
    p.detach();
    expect(h.leftovers()).not.toContain(p.netns.name);
  });
});

describe('cleanup', () => {
  it('removes every namespace and link a harness made, and can run twice', () => {
    const other = CniHarness.start();
    const ul = other.createUnderlay();
    attachPod(other, { nads: [macvlanNad('n3', staticIpam([{ address: '10.9.22.5/24' }]))], annotation: 'n3', podNamespace: NS, podName: 'x', underlayMaster: ul.b });
    other.createNetns('empty');
    expect(other.leftovers().length).toBeGreaterThanOrEqual(4);
    other.cleanup();
    expect(other.leftovers()).toEqual([]);
    expect(() => other.cleanup()).not.toThrow();
  });
});

describe('stale resources', () => {
  it('a later run removes what a killed run left behind, and only that', () => {
    let deadPid = 4_000_000;
    while (pidAlive(deadPid)) deadPid--;
    const dead = `cn${deadPid.toString(36).padStart(5, '0')}zz`;
    mustRun('ip', ['link', 'add', `${dead}-a1`, 'type', 'veth', 'peer', 'name', `${dead}-b1`]);
    mustRun('ip', ['netns', 'add', `${dead}-n1-pod`]);
    const removed = sweepStale();
    expect(sorted(removed)).toEqual(expect.arrayContaining([`${dead}-a1`, `${dead}-n1-pod`]));
    expect(mustRun('ip', ['-br', 'link'])).not.toContain(dead);
    expect(mustRun('ip', ['netns', 'list'])).not.toContain(dead);
    // This live run's own resources were not touched.
    expect(h.leftovers()).toEqual(expect.arrayContaining([u.a, u.b]));
  });
});

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

describe('annotation parsing', () => {
  it('keeps only the keys Multus knows', () => {
    expect(parseNetworksAnnotation('[{"name":"n3","gateway":["10.0.0.1"],"ips":["10.0.0.5/24"]}]', NS)).toEqual([
      { name: 'n3', namespace: NS, ips: ['10.0.0.5/24'] },
    ]);
  });
});
