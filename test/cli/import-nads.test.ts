/**
 * `netpipe import --from nads` on three clusters' hand-written manifests (one call per cluster):
 * static NADs with addresses in the NAD or in the annotation's `ips`, a VLAN network
 * (`master.<id>` and an SR-IOV `vlan`), a dual-stack network, routes to another cluster's subnet,
 * both annotation forms, an L2-only network (no IPAM), a hand-made network netpipe does not manage. Each written package is
 * rendered by the real `kpt fn render`, and every address, gateway, VLAN, route, master and mode
 * each pod interface had is compared with what the rendered package gives it.
 */
import { join } from 'node:path';
import { checkPrerequisites, cleanup, FIXTURES, foreignEntriesBefore, netpipe, podInterfacesAfter, podInterfacesBefore, render, scratchDir, tree } from './import-support';

beforeAll(checkPrerequisites);
afterAll(cleanup);

const CLUSTERS = [
  { cluster: 'ran01', master: 'eth1', interfaces: 3, vlans: [100] },
  { cluster: 'core01', master: 'ens3', interfaces: 3, vlans: [] },
  { cluster: 'edge02', master: 'eth2', interfaces: 3, vlans: [300, 400, 500] },
];

describe.each(CLUSTERS)('netpipe import --from nads: cluster $cluster', ({ cluster, master, interfaces, vlans }) => {
  const input = join(FIXTURES, cluster);
  let dir: string;
  let report: { written: boolean; adopted: { addresses: string[]; vlan: number | null }[]; conflicts: unknown[]; notes: { message: string }[] };

  beforeAll(() => {
    dir = join(scratchDir(), cluster);
    const r = netpipe(['import', '--from', 'nads', input, '--into', dir, '--cluster', cluster, '--master', master, '--json']);
    if (r.status !== 0) throw new Error(`import failed (${r.status}):\n${r.stdout}${r.stderr}`);
    report = JSON.parse(r.stdout);
  });

  it('adopts every workload interface and writes the package', () => {
    expect(report.conflicts).toEqual([]);
    expect(report.written).toBe(true);
    expect(report.adopted).toHaveLength(interfaces);
    expect([...new Set(report.adopted.map((a) => a.vlan).filter((v) => v !== null))].sort()).toEqual(vlans);
  });

  it('the next kpt fn render keeps every address, gateway, VLAN, route, master and mode; a second render changes nothing', () => {
    const first = render(dir);
    expect(`${first.stdout}${first.stderr}`).not.toMatch(/\[error\]/);
    expect(first.status).toBe(0);
    const before = podInterfacesBefore(input);
    const after = podInterfacesAfter(dir);
    expect(before.size).toBe(interfaces);
    // A subnet the manifests give no gateway gets netpipe's (its first usable address), and the
    // import says so; the pod sees none either way (no route names it).
    for (const [key, want] of before) {
      const got = after.interfaces.get(key);
      if (want.gateways.length > 0 || !got) continue;
      for (const gw of got.gateways) expect(report.notes.map((n) => n.message)).toContainEqual(expect.stringContaining(`reserves its first usable address, ${gw}, as the gateway`));
      got.gateways = [];
    }
    expect(Object.fromEntries(after.interfaces)).toEqual(Object.fromEntries(before));
    expect(Object.fromEntries(after.foreignEntries)).toEqual(Object.fromEntries(foreignEntriesBefore(input)));
    const rendered = tree(dir);
    expect(render(dir).status).toBe(0);
    expect(tree(dir)).toEqual(rendered);
  });

  it('the same input gives the same bytes', () => {
    const again = join(scratchDir(), cluster);
    expect(netpipe(['import', '--from', 'nads', input, '--into', again, '--cluster', cluster, '--master', master]).status).toBe(0);
    const fresh = join(scratchDir(), cluster);
    expect(netpipe(['import', '--from', 'nads', input, '--into', fresh, '--cluster', cluster, '--master', master]).status).toBe(0);
    expect(tree(again)).toEqual(tree(fresh));
  });
});
