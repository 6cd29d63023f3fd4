/**
 * `netpipe import --from whereabouts` on a whereabouts dump (`kubectl get ippools,
 * overlappingrangeipreservations -o yaml`, whereabouts.cni.cncf.io/v1alpha1 with whereabouts'
 * own field names) and the cluster's NADs and workloads: one NAD shared by two workloads (a
 * Deployment and a StatefulSet, told apart by their pods' names), a dual-stack VLAN network from
 * `ipRanges`, `range_start`, and a pod no imported workload owns. The written package is rendered
 * by the real `kpt fn render` and each pod interface keeps its address, NAD settings and VLAN.
 */
import { Address4, Address6 } from 'ip-address';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { checkPrerequisites, cleanup, FIXTURES, netpipe, podInterfacesAfter, podInterfacesBefore, render, scratchDir, tree } from './import-support';

beforeAll(checkPrerequisites);
afterAll(cleanup);

const INPUT = join(FIXTURES, 'whereabouts-core02');
/** Which pod runs each workload, as `kubectl get pods` would say. */
const PODS: Record<string, string> = { 'Deployment core/smf': 'core/smf-7d9f8b6c5d-x2x4z', 'StatefulSet core/upf': 'core/upf-0' };

type Doc = Record<string, any>;

/** The pod's address in each range of the NAD: the range's address plus the allocation's offset (ip-address does the sums). */
function fromPools(w: Doc, ifname: string, nad: Doc): { addresses: string[]; gateways: string[] } {
  const list = loadAll(readFileSync(join(INPUT, 'ippools.yaml'), 'utf8'))[0] as Doc;
  const pools = (list.items as Doc[]).filter((i) => i.kind === 'IPPool');
  const config = JSON.parse(nad.spec.config) as Doc;
  const ipam = (config.plugins ? config.plugins[0] : config).ipam as Doc;
  const ranges: string[] = ipam.range ? [ipam.range] : (ipam.ipRanges as Doc[]).map((r) => r.range as string);
  const pod = PODS[`${w.kind} ${w.metadata.namespace}/${w.metadata.name}`];
  const addresses = ranges.map((range) => {
    const pool = pools.find((p) => p.spec.range === range)!;
    const [offset] = Object.entries(pool.spec.allocations as Record<string, Doc>).find(([, a]) => a.podref === pod && a.ifname === ifname)!;
    const len = range.split('/')[1];
    const a = range.includes(':') ? Address6.fromBigInt(new Address6(range).bigInt() + BigInt(offset)).correctForm() : Address4.fromBigInt(new Address4(range).bigInt() + BigInt(offset)).correctForm();
    return `${a}/${len}`;
  });
  return { addresses, gateways: ipam.gateway ? [ipam.gateway as string] : [] };
}

describe('netpipe import --from whereabouts', () => {
  let dir: string;
  let report: { adopted: { workload: string; interface: string; addresses: string[]; vlan: number | null }[]; notes: { message: string }[]; conflicts: unknown[] };

  beforeAll(() => {
    dir = join(scratchDir(), 'core02');
    const r = netpipe(['import', '--from', 'whereabouts', INPUT, '--into', dir, '--cluster', 'core02', '--master', 'eth1', '--json']);
    if (r.status !== 0) throw new Error(`import failed (${r.status}):\n${r.stdout}${r.stderr}`);
    report = JSON.parse(r.stdout);
  });

  it('maps each allocation to its workload by pod name and reports the pod it cannot place', () => {
    expect(report.conflicts).toEqual([]);
    expect(report.adopted.map((a) => [a.workload, a.interface, a.addresses.join(','), a.vlan])).toEqual([
      ['Deployment core/smf', 'n4', '10.40.0.10/24', null],
      ['StatefulSet core/upf', 'n4', '10.40.0.11/24', null],
      ['StatefulSet core/upf', 'n6', '10.61.0.10/24,fd00:61::10/64', 600],
    ]);
    expect(report.notes.map((n) => n.message)).toContainEqual(
      "10.40.0.12 held by core/nrf-5c7b9d6f4-q8w2z: no imported Deployment or StatefulSet owns this pod (unknown owner); kept out of netpipe's allocations (exclude of 10.40.0.0/24)",
    );
    // The unknown pod's address and whereabouts' range_start stay out of netpipe's hands.
    expect(tree(dir).get('network-instances.yaml')).toContain('  - prefix: 10.40.0.0/24\n    gateway: 10.40.0.1\n    exclude:\n    - 10.40.0.1-10.40.0.9\n    - 10.40.0.12\n');
  });

  it('the next kpt fn render keeps every address, VLAN and NAD setting; a second render changes nothing', () => {
    const first = render(dir);
    expect(first.status).toBe(0);
    const before = podInterfacesBefore(INPUT, fromPools);
    const after = podInterfacesAfter(dir);
    expect(before.size).toBe(3);
    // whereabouts gave n6 no gateway; netpipe reserves one (said) that no route names.
    const n6 = after.interfaces.get('StatefulSet core/upf n6')!;
    expect(n6.gateways).toEqual(['10.61.0.1', 'fd00:61::1']);
    n6.gateways = [];
    expect(Object.fromEntries(after.interfaces)).toEqual(Object.fromEntries(before));
    const rendered = tree(dir);
    expect(render(dir).status).toBe(0);
    expect(tree(dir)).toEqual(rendered);
  });

  it('a later render never hands out the unknown pod\'s address or one below range_start', () => {
    const ws = join(scratchDir(), 'core02');
    expect(netpipe(['import', '--from', 'whereabouts', INPUT, '--into', ws, '--cluster', 'core02', '--master', 'eth1']).status).toBe(0);
    // A new workload interface on n4 gets the first address netpipe may give: after the adopted ones, never .12.
    const itf = 'apiVersion: req.nephio.org/v1alpha1\nkind: Interface\nmetadata:\n  name: n4\n  namespace: core\n  annotations:\n    specializer.nephio.org/for: apps/v1.Deployment.pcf\nspec:\n  networkInstance:\n    name: n4\n  cniType: macvlan\n  attachmentType: none\n  ipFamilyPolicy: ipv4-only\n';
    mkdirSync(join(ws, 'pcf'));
    writeFileSync(join(ws, 'pcf', 'Kptfile'), 'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pcf\n');
    writeFileSync(join(ws, 'pcf', 'interfaces.yaml'), itf);
    const r = render(ws);
    expect(r.status).toBe(0);
    expect(tree(ws).get('pcf/ipclaim-pcf-n4-ipv4.yaml')).toMatch(/status:\n  prefix: 10\.40\.0\.13\/24\n/);
  });
});
