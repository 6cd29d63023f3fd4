/* The Multus emulation as data: what each plugin would get, checked without running any. */
import { Invocation, JsonObject, NetworkAttachmentDefinition, assertCniPrerequisites, parseNetworksAnnotation, planDelegate, pluginEnv, runAdd, runDel } from './index';

function nad(config: JsonObject, name = 'n3'): NetworkAttachmentDefinition {
  return { metadata: { name, namespace: 'telco' }, spec: { config: JSON.stringify(config) } };
}

const base = { podNamespace: 'telco', podName: 'upf-0', podUid: 'uid-1', containerId: 'c0ffee', netnsPath: '/var/run/netns/x' };

const conflist = nad({
  cniVersion: '0.3.1',
  name: 'n3-list',
  plugins: [
    { type: 'macvlan', master: 'eth1', mode: 'bridge', capabilities: { ips: true, mac: false }, ipam: { type: 'static' } },
    { type: 'tuning', capabilities: { mac: true }, runtimeConfig: { keep: 'me' } },
  ],
});

describe('planDelegate', () => {
  it('builds CNI_ARGS as Multus does: IP= and MAC= on ADD only, whatever the capabilities', () => {
    const plan = planDelegate({ ...base, nad: nad({ cniVersion: '0.3.1', type: 'macvlan', ipam: { type: 'static' } }), element: { name: 'n3', namespace: 'telco', ips: ['10.0.0.5/24', '2001:db8::5/64'], mac: '02:00:00:00:00:05' }, position: 2 });
    expect(pluginEnv(plan, 'ADD')).toEqual({
      CNI_COMMAND: 'ADD',
      CNI_CONTAINERID: 'c0ffee',
      CNI_NETNS: '/var/run/netns/x',
      CNI_IFNAME: 'net2',
      CNI_PATH: '/usr/lib/cni',
      CNI_ARGS: 'IgnoreUnknown=true;K8S_POD_NAMESPACE=telco;K8S_POD_NAME=upf-0;K8S_POD_INFRA_CONTAINER_ID=c0ffee;K8S_POD_UID=uid-1;MAC=02:00:00:00:00:05;IP=10.0.0.5/24,2001:db8::5/64',
    });
    expect(pluginEnv(plan, 'DEL').CNI_ARGS).toBe('IgnoreUnknown=true;K8S_POD_NAMESPACE=telco;K8S_POD_NAME=upf-0;K8S_POD_INFRA_CONTAINER_ID=c0ffee;K8S_POD_UID=uid-1');
    // No capabilities declared: nothing in runtimeConfig.
    expect(plan.plugins[0].config.runtimeConfig).toBeUndefined();
    // A config without a name takes the NAD's.
    expect(plan.plugins[0].config.name).toBe('n3');
  });

  it('uses the element interface name when given', () => {
    const plan = planDelegate({ ...base, nad: conflist, element: { name: 'n3', namespace: 'telco', interface: 'n3' } });
    expect(plan.ifName).toBe('n3');
  });

  it('gives each conflist plugin the list name and cniVersion, and runtimeConfig only for declared capabilities', () => {
    const plan = planDelegate({ ...base, nad: conflist, element: { name: 'n3', namespace: 'telco', ips: ['10.0.0.5/24'], mac: '02:00:00:00:00:05' } });
    expect(plan.isList).toBe(true);
    const [macvlan, tuning] = plan.plugins;
    expect([macvlan.config.name, macvlan.config.cniVersion, tuning.config.name, tuning.config.cniVersion]).toEqual(['n3-list', '0.3.1', 'n3-list', '0.3.1']);
    expect(macvlan.config.runtimeConfig).toEqual({ ips: ['10.0.0.5/24'] });
    // libcni replaces the whole runtimeConfig when it injects one.
    expect(tuning.config.runtimeConfig).toEqual({ mac: '02:00:00:00:00:05' });
  });

  it('leaves a configured runtimeConfig alone when there is nothing to inject', () => {
    const plan = planDelegate({ ...base, nad: conflist, element: { name: 'n3', namespace: 'telco' } });
    expect(plan.plugins[1].config.runtimeConfig).toEqual({ keep: 'me' });
    expect(plan.addArgs).toEqual([]);
  });

  it('merges cni-args into args.cni of every plugin', () => {
    const withArgs = nad({ cniVersion: '0.3.1', name: 'l', plugins: [{ type: 'macvlan', args: { cni: { a: 1 } } }, { type: 'tuning' }] });
    const plan = planDelegate({ ...base, nad: withArgs, element: { name: 'n3', namespace: 'telco', 'cni-args': { b: 'x' } } });
    expect(plan.plugins.map((p) => p.config.args)).toEqual([{ cni: { a: 1, b: 'x' } }, { cni: { b: 'x' } }]);
  });

  it('rejects an ip that is neither an IP nor a CIDR, like delegateAdd', () => {
    expect(() => planDelegate({ ...base, nad: conflist, element: { name: 'n3', namespace: 'telco', ips: ['10.0.0.300/24'] } })).toThrow(/failed to parse IP address/);
  });

  it('rejects a conflist without plugins', () => {
    expect(() => planDelegate({ ...base, nad: nad({ cniVersion: '0.3.1', name: 'x' }), element: { name: 'n3', namespace: 'telco' } })).toThrow(/neither "type" nor/);
  });
});

describe('runAdd / runDel', () => {
  const result = (n: number): string => JSON.stringify({ cniVersion: '0.3.1', ips: [{ address: `10.0.0.${n}/24` }] });

  it('chains prevResult from each plugin to the next', () => {
    const plan = planDelegate({ ...base, nad: conflist, element: { name: 'n3', namespace: 'telco' } });
    const seen: Invocation[] = [];
    const { result: r } = runAdd(plan, (inv) => {
      seen.push(inv);
      return result(seen.length);
    });
    expect(seen.map((i) => i.type)).toEqual(['macvlan', 'tuning']);
    expect(JSON.parse(seen[0].stdin).prevResult).toBeUndefined();
    expect(JSON.parse(seen[1].stdin).prevResult).toEqual(JSON.parse(result(1)));
    expect(r.ips).toEqual([{ address: '10.0.0.2/24', gateway: undefined, interface: undefined }]);
  });

  it('DELs in reverse order; the cached result goes along only from CNI 0.4.0 on', () => {
    for (const [cniVersion, withPrev] of [['0.3.1', false], ['0.4.0', true], ['1.0.0', true]] as const) {
      const list = nad({ cniVersion, name: 'l', plugins: [{ type: 'macvlan' }, { type: 'tuning' }] });
      const plan = planDelegate({ ...base, nad: list, element: { name: 'n3', namespace: 'telco' } });
      const { result: added } = runAdd(plan, () => result(9));
      const dels = runDel(plan, () => '', added);
      expect(dels.map((i) => i.type)).toEqual(['tuning', 'macvlan']);
      expect(dels.map((i) => JSON.parse(i.stdin).prevResult !== undefined)).toEqual([withPrev, withPrev]);
    }
  });
});

describe('parseNetworksAnnotation', () => {
  it('reads the short form with namespaces and interface names', () => {
    expect(parseNetworksAnnotation(' n3 , infra/oam@oam0,n6', 'telco')).toEqual([
      { name: 'n3', namespace: 'telco' },
      { name: 'oam', namespace: 'infra', interface: 'oam0' },
      { name: 'n6', namespace: 'telco' },
    ]);
  });

  it('reads the JSON form and defaults the namespace to the pod namespace', () => {
    expect(parseNetworksAnnotation('[{"name":"n3","interface":"n3","ips":["10.0.0.5/24"],"default-route":["10.0.0.1"]},{"name":"x","namespace":"other"}]', 'telco')).toEqual([
      { name: 'n3', namespace: 'telco', interface: 'n3', ips: ['10.0.0.5/24'], 'default-route': ['10.0.0.1'] },
      { name: 'x', namespace: 'other' },
    ]);
  });

  it('gives nothing for an empty value and rejects malformed ones', () => {
    expect(parseNetworksAnnotation('', 'telco')).toEqual([]);
    expect(() => parseNetworksAnnotation('a/b/c', 'telco')).toThrow(/more than one '\/'/);
    expect(() => parseNetworksAnnotation('N3', 'telco')).toThrow(/DNS-1123/);
    expect(() => parseNetworksAnnotation('{"name":"n3"}', 'telco')).toThrow(/must be a list/);
    expect(() => parseNetworksAnnotation('[{"name":"n3","ips":["10.0.0.5/33"]}]', 'telco')).toThrow(/neither an IP nor a CIDR/);
    expect(() => parseNetworksAnnotation('[{"name":"n3","mac":"zz"}]', 'telco')).toThrow(/not a MAC/);
  });
});

describe('assertCniPrerequisites', () => {
  it('fails, naming the install script, when plugins are missing', () => {
    expect(() => assertCniPrerequisites('/nonexistent/cni')).toThrow(/macvlan is missing.*scripts\/install-cni\.sh/s);
  });
});
