/**
 * Bad input makes the render fail: kpt exits non-zero, shows the failing function's results, which
 * name the resource and say what to fix, and writes nothing (every file of the tree keeps its bytes).
 */
import { checkPrerequisites, cleanupWorkspaces, Workspace } from './support';

beforeAll(checkPrerequisites);
afterAll(cleanupWorkspaces);

const NETWORKS = 'packages/networks/network-instances.yaml';

interface BadInput {
  what: string;
  fn: string;
  mutate: (ws: Workspace) => void;
  /** Texts kpt's output must contain: the resource (kind/namespace/name) and the gist of the fix. */
  expect: string[];
}

const cases: BadInput[] = [
  {
    what: 'an Interface whose cniType the WorkloadCluster does not list',
    fn: 'interface-fn',
    mutate: (ws) => {
      ws.edit('packages/core01/smf/interfaces.yaml', /cniType: \w+/, 'cniType: ipvlan');
      ws.edit('packages/core01/workload-cluster.yaml', /^  cnis:\n(?:  - .*\n)+/m, '  cnis:\n  - macvlan\n  - sriov\n');
    },
    expect: ['Interface/core/n4', 'spec.cniType', 'cniType ipvlan is not supported by WorkloadCluster core01', "add ipvlan to the cluster's spec.cnis"],
  },
  {
    what: 'a pool with host bits set',
    fn: 'ipam-fn',
    mutate: (ws) => ws.edit(NETWORKS, '- prefix: 10.4.0.0/24', '- prefix: 10.4.0.1/24'),
    expect: ['NetworkInstance/vpc-n4', 'spec.prefixes[0].prefix', 'has host bits set', 'write the subnet as 10.4.0.0/24'],
  },
  {
    what: 'an exhausted pool (shrunk to a /30 that holds one address, two claims)',
    fn: 'ipam-fn',
    mutate: (ws) => {
      ws.edit(NETWORKS, '- prefix: 10.4.0.0/24', '- prefix: 10.4.0.0/30');
      ws.remove('packages/core01/smf/ipclaim-smf-core01-n4-ipv4.yaml');
      ws.remove('packages/core01/upf/ipclaim-upf-core01-n4-ipv4.yaml');
    },
    expect: ['IPClaim/core/upf-core01-n4-ipv4', 'no free address', 'pool 10.4.0.0/30', '1 usable addresses, 1 in use', 'Add or widen a prefix'],
  },
  {
    what: 'a pool shrunk under recorded addresses',
    fn: 'ipam-fn',
    mutate: (ws) => ws.edit(NETWORKS, '- prefix: 10.4.0.0/24', '- prefix: 10.4.0.0/30'),
    expect: [
      'IPClaim/core/upf-core01-n4-ipv4',
      '10.4.0.3 cannot be held',
      'broadcast address of pool 10.4.0.0/30',
      'the claim was allocated as 10.4.0.3/24: the pool 10.4.0.0/30 was resized below this address; widen it back to keep it',
    ],
  },
  {
    what: 'two claims with the same status.prefix (a Git-merge duplicate)',
    fn: 'ipam-fn',
    // A merge brings the other branch's whole claim: its status and ipam-fn's record of it.
    mutate: (ws) => {
      const file = 'packages/core01/upf/ipclaim-upf-core01-n4-ipv4.yaml';
      ws.write(file, ws.read(file).split('10.4.0.3/24').join('10.4.0.2/24'));
    },
    expect: [
      'IPClaim/core/upf-core01-n4-ipv4',
      'IPClaim core/smf-core01-n4-ipv4 in package packages/core01/smf',
      'IPClaim core/upf-core01-n4-ipv4 in package packages/core01/upf',
      '10.4.0.2',
      'remove the address from one of the two claims',
    ],
  },
  {
    what: "an IPClaim's status.prefix rewritten to another free address of its pool (as Nephio's ipam specializer does)",
    fn: 'ipam-fn',
    mutate: (ws) => ws.edit('packages/core01/upf/ipclaim-upf-core01-n4-ipv4.yaml', 'prefix: 10.4.0.3/24', 'prefix: 10.4.0.9/24'),
    expect: [
      'IPClaim/core/upf-core01-n4-ipv4',
      'status.prefix is 10.4.0.9/24, but ipam-fn bound the address 10.4.0.3/24 to it',
      'Nothing was moved',
      'Restore status.prefix to 10.4.0.3/24',
    ],
  },
  {
    what: "a VLANClaim's status.vlanID rewritten to another free ID of its index (as Nephio's VLAN specializer does)",
    fn: 'ipam-fn',
    mutate: (ws) => ws.edit('packages/edge02/upf/vlanclaim-upf-edge02-n3.yaml', 'vlanID: 1002', 'vlanID: 1042'),
    expect: ['VLANClaim/upf/upf-edge02-n3', 'status.vlanID is 1042, but ipam-fn bound VLAN 1002 to it', 'Restore status.vlanID to 1002'],
  },
  {
    what: 'attachmentType vlan without a VLAN index',
    fn: 'ipam-fn',
    mutate: (ws) => ws.edit('packages/core01/smf/interfaces.yaml', 'attachmentType: none', 'attachmentType: vlan'),
    expect: ['VLANClaim/core/smf-core01-n4', 'spec.vlanIndex.name', 'VLAN index core01 is not defined', 'add a vlan.resource.nephio.org/v1alpha1 VLANIndex named core01'],
  },
  {
    what: 'replicas: 3 on a workload with a static IP',
    fn: 'deployment-annotate-fn',
    mutate: (ws) => ws.edit('packages/core01/smf/deployment.yaml', 'replicas: 1', 'replicas: 3'),
    expect: ['Deployment/core/smf', 'spec.replicas is 3', 'the same static IP', 'replicas: 1'],
  },
  {
    what: 'a DaemonSet using an Interface',
    fn: 'deployment-annotate-fn',
    mutate: (ws) =>
      ws.write(
        'packages/core01/smf/agent-daemonset.yaml',
        [
          'apiVersion: apps/v1',
          'kind: DaemonSet',
          'metadata:',
          '  name: smf-agent',
          '  namespace: core',
          'spec:',
          '  selector:',
          '    matchLabels:',
          '      app: smf-agent',
          '  template:',
          '    metadata:',
          '      labels:',
          '        app: smf-agent',
          '      annotations:',
          '        k8s.v1.cni.cncf.io/networks: n4',
          '    spec:',
          '      containers:',
          '      - name: agent',
          '        image: registry.example.com/5g/agent:1.0',
          '',
        ].join('\n'),
      ),
    expect: ['DaemonSet/core/smf-agent', 'a DaemonSet runs one pod per node', 'the same static IP', 'replicas: 1'],
  },
  {
    what: 'a 240-character workload name (a valid Kubernetes name, but ipclaim-<name>.yaml is no valid file name)',
    fn: 'interface-fn',
    mutate: (ws) => ws.edit('packages/core01/smf/interfaces.yaml', /for: workload\.nephio\.org\/v1alpha1\.NFDeployment\.smf-core01$/m, `for: workload.nephio.org/v1alpha1.NFDeployment.smf-${'x'.repeat(236)}`),
    expect: ['Interface/core/n4', 'would generate IPClaim smf-xxx', 'more than the 255 file systems allow', 'Shorten or fix the workload name'],
  },
  {
    // Without our marker and without Nephio's owner annotation for its Interface: a user's NAD
    // (one with that owner would be a child Nephio's chain made, and is adopted - test/nephio).
    what: "a hand-made NAD holding the name of a generated one (no marker, no Interface owner)",
    fn: 'nad-fn',
    mutate: (ws) => {
      ws.edit('packages/core01/smf/nad-smf-core01-n4.yaml', /^ +netpipe\.dev\/interface: .*\n/m, '');
      ws.edit('packages/core01/smf/nad-smf-core01-n4.yaml', /^ +specializer\.nephio\.org\/owner: .*\n/m, '');
    },
    expect: ['NetworkAttachmentDefinition/core/smf-core01-n4', 'was not generated by this pipeline', 'nad-smf-core01-n4.yaml', 'Rename or move one of the two'],
  },
  {
    what: 'two workloads naming one Interface',
    fn: 'deployment-annotate-fn',
    mutate: (ws) => {
      const copy = ws.read('packages/core01/smf/deployment.yaml').replace(/^  name: smf$/m, '  name: smf-copy');
      ws.write('packages/core01/smf/deployment-copy.yaml', copy);
    },
    expect: ['Deployment/core/smf-copy', 'names Interface n4', 'and so does Deployment smf', 'would carry the same address'],
  },
];

// Each case renders its own workspace: they run side by side.
describe.each(cases)('bad input: $what', ({ fn, mutate, expect: texts }) => {
  it.concurrent(`${fn} fails the render, says what to fix, and nothing is written`, async () => {
    const ws = new Workspace();
    mutate(ws);
    const before = ws.hashes();
    const r = await ws.renderAsync();
    expect(r.status).not.toBe(0);
    expect(r.output).toContain(`[FAIL] "functions/${fn}/dist/${fn}.js"`);
    expect(r.output).toMatch(/\[error\] /);
    for (const t of texts) expect(r.output).toContain(t);
    expect(ws.hashes()).toEqual(before);
  });
});
