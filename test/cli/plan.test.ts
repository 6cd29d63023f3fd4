/**
 * `netpipe plan`: the real `kpt fn render -o stdout` of a scratch copy of the example, compared
 * with `kpt fn source`; the plan must name the exact addresses, VLANs, NAD settings and entries a
 * render then writes, and leave every file as it was.
 */
import { checkPrerequisites, cleanupWorkspaces, Workspace } from '../e2e-kpt/support';
import { netpipe } from './support';

beforeAll(checkPrerequisites);
afterAll(cleanupWorkspaces);

const N3B = `---
apiVersion: req.nephio.org/v1alpha1
kind: Interface
metadata:
  name: n3b
  namespace: ran
  annotations:
    specializer.nephio.org/owner: workload.nephio.org/v1alpha1.NFDeployment.gnb-ran01
    specializer.nephio.org/for: workload.nephio.org/v1alpha1.NFDeployment.gnb-ran01
spec:
  networkInstance:
    name: vpc-n3
  cniType: macvlan
  attachmentType: none
  ipFamilyPolicy: ipv4-only
`;

/** The gNB gets a second N3 Interface (named in its annotation by the Interface name); the AMF loses its N2. */
function edited(): Workspace {
  const ws = new Workspace();
  ws.write('packages/ran01/gnb/interfaces.yaml', ws.read('packages/ran01/gnb/interfaces.yaml') + N3B);
  ws.edit('packages/ran01/gnb/deployment.yaml', '"ips":["192.168.251.3/24"]}]', '"ips":["192.168.251.3/24"]}, {"name":"n3b"}]');
  ws.remove('packages/core01/amf/interfaces.yaml');
  return ws;
}

describe('netpipe plan', () => {
  it('says "nothing to do" on the rendered example and changes no byte', () => {
    const ws = new Workspace();
    const before = ws.hashes();
    const r = netpipe(['plan', '.'], ws.dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('plan .: nothing to do - the next render changes no file');
    // The render's warnings come from kpt's results: the placeholder blueprint cluster.
    expect(r.stdout).toContain('[warning] WorkloadCluster example: WorkloadCluster example is a placeholder');
    expect(ws.hashes()).toEqual(before);
    const doc = JSON.parse(netpipe(['plan', '.', '--json'], ws.dir).stdout);
    expect(doc.plans[0]).toMatchObject({ dir: '.', nothingToDo: true, addresses: [], vlans: [], nads: [], entries: [], files: [] });
  });

  it('names the exact addresses, NADs, entries and files of the next render, writes nothing, and the render then does just that', () => {
    const ws = edited();
    const before = ws.hashes();
    const r = netpipe(['plan', '.'], ws.dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n').map((l) => l.trim());
    expect(lines).toContain('ran01/gnb-ran01 n3b ipv4 gets 192.168.251.4 (vpc-n3, claim ran/gnb-ran01-n3b-ipv4)');
    expect(lines).toContain('core01/amf-core01 n2 ipv4 releases 192.168.250.2 (vpc-n2, claim core/amf-core01-n2-ipv4)');
    expect(lines).toContain('ran/gnb-ran01-n3b (packages/ran01/gnb) is created: macvlan, master eth1, static IPAM');
    expect(lines).toContain('core/amf-core01-n2 (packages/core01/amf) is deleted');
    expect(lines).toContain('Deployment ran/gnb (packages/ran01/gnb) changes n3b -> gnb-ran01-n3b: name only -> interface n3b, ips ["192.168.251.4/24"]');
    expect(lines).toContain('Deployment core/amf (packages/core01/amf) removes amf-core01-n2 (was interface n2, ips ["192.168.250.2/24"])');
    expect(lines).toContain('writes packages/ran01/gnb/ipclaim-gnb-ran01-n3b-ipv4.yaml');
    expect(lines).toContain('deletes packages/core01/amf/ipclaim-amf-core01-n2-ipv4.yaml');
    expect(lines).toContain('AllocationCursor vpc-n3: status.cursors[0].lastAllocated: "192.168.251.3" -> "192.168.251.4"');
    expect(lines).toContain('condition ipam.resource.nephio.org/v1alpha1.IPClaim.amf-core01-n2-ipv4 removed');
    expect(r.stdout).toContain('[warning] Deployment core/amf: Deployment amf: entry amf-core01-n2');
    expect(ws.hashes()).toEqual(before);

    // The plan was the truth: the render writes what it said, and a second plan has nothing to do.
    ws.renderOk();
    expect(ws.read('packages/ran01/gnb/ipclaim-gnb-ran01-n3b-ipv4.yaml')).toContain('prefix: 192.168.251.4/24');
    expect(ws.exists('packages/core01/amf/ipclaim-amf-core01-n2-ipv4.yaml')).toBe(false);
    expect(netpipe(['plan', '.'], ws.dir).stdout).toContain('nothing to do');
  });

  it('--json lists the same changes as data', () => {
    const ws = edited();
    const r = netpipe(['plan', '.', '--json'], ws.dir);
    expect(r.status).toBe(0);
    const plan = JSON.parse(r.stdout).plans[0];
    expect(plan.nothingToDo).toBe(false);
    expect(plan.addresses).toEqual([
      { action: 'releases', holder: 'core01/amf-core01', interface: 'n2', family: 'ipv4', networkInstance: 'vpc-n2', claim: 'core/amf-core01-n2-ipv4', from: '192.168.250.2' },
      { action: 'gets', holder: 'ran01/gnb-ran01', interface: 'n3b', family: 'ipv4', networkInstance: 'vpc-n3', claim: 'ran/gnb-ran01-n3b-ipv4', to: '192.168.251.4' },
    ]);
    expect(plan.files.map((f: { action: string; file: string }) => `${f.action} ${f.file}`)).toContain('writes packages/ran01/gnb/nad-gnb-ran01-n3b.yaml');
  });

  it('shows a VLAN released and the NAD setting that changes with it', () => {
    const ws = new Workspace();
    ws.edit('packages/edge02/upf/interface-n3.yaml', 'attachmentType: vlan', 'attachmentType: none');
    const before = ws.hashes();
    const r = netpipe(['plan', '.'], ws.dir);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n').map((l) => l.trim());
    expect(lines).toContain('upf-edge02 n3 releases VLAN 1002 (VLAN index edge02, claim upf/upf-edge02-n3)');
    expect(lines).toContain('upf/upf-edge02-n3 (packages/edge02/upf) changes:');
    expect(lines).toContain('plugins[0].master: "eth1.1002" -> "eth1"');
    expect(lines).toContain('deletes packages/edge02/upf/vlanclaim-upf-edge02-n3.yaml');
    expect(ws.hashes()).toEqual(before);
  });

  it('says the render would fail, with kpt\'s errors, and exits 1 writing nothing', () => {
    const ws = new Workspace();
    ws.edit('packages/networks/network-instances.yaml', 'prefix: 192.168.251.0/24', 'prefix: 192.168.251.7/24');
    const before = ws.hashes();
    const r = netpipe(['plan', '.'], ws.dir);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('plan .: the render would fail, so it would write nothing');
    expect(r.stdout).toContain('has host bits set; write the subnet as 192.168.251.0/24');
    expect(ws.hashes()).toEqual(before);
  });

  it('has --help and refuses a call without directories', () => {
    const help = netpipe(['plan', '--help']);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('usage: netpipe plan DIR... [--json]');
    const none = netpipe(['plan']);
    expect(none.status).toBe(2);
    expect(none.stderr).toContain('plan takes the package directories');
  });
});
