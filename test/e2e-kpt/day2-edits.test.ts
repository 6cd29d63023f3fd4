/**
 * Day-2 edits through real `kpt fn render --allow-exec` on the committed example: a sequence of
 * user edits - rename the gNB workload, rename the UPF's Interface n4 to pfcp, move the AMF to
 * another namespace, remove the SMF's Interface - each rendered with the four-step Kptfile and,
 * on a second copy, with netpipe-fn as the one mutator. After each step the two trees are
 * byte-identical, every address is where it was, every remaining Interface has its entry, the
 * removed one has none and kpt's output names the released address; a re-render changes nothing.
 */
import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkPrerequisites, cleanupWorkspaces, networkEntries, ROOT, Workspace } from './support';

beforeAll(checkPrerequisites);
afterAll(cleanupWorkspaces);

const ONE_STEP_KPTFILE = `apiVersion: kpt.dev/v1
kind: Kptfile
metadata:
  name: netpipe
  annotations:
    config.kubernetes.io/local-config: "true"
info:
  description: "the example packages rendered by netpipe-fn in one step"
pipeline:
  mutators:
  - exec: functions/netpipe-fn/dist/netpipe-fn.js
    configMap:
      defaultRouteNetworks: vpc-n6
`;

type Edit = (ws: Workspace) => void;

const EDITS: Array<[string, Edit]> = [
  [
    'rename the gNB workload',
    (ws) => {
      ws.write('packages/ran01/gnb/interfaces.yaml', ws.read('packages/ran01/gnb/interfaces.yaml').split('NFDeployment.gnb-ran01\n').join('NFDeployment.gnb-ran01-b\n'));
      ws.edit('packages/ran01/gnb/deployment.yaml', /^  name: gnb$/m, '  name: gnb-b');
    },
  ],
  ['rename UPF Interface n4 to pfcp', (ws) => ws.edit('packages/core01/upf/interfaces.yaml', /^  name: n4$/m, '  name: pfcp')],
  [
    'move the AMF to namespace core-b',
    (ws) => {
      ws.edit('packages/core01/amf/interfaces.yaml', /^  namespace: core$/m, '  namespace: core-b');
      ws.edit('packages/core01/amf/deployment.yaml', /^  namespace: core$/m, '  namespace: core-b');
    },
  ],
  ['remove the SMF Interface', (ws) => ws.remove('packages/core01/smf/interfaces.yaml')],
];

const addresses = (ws: Workspace): string[] => Object.values(ws.claimPrefixes()).filter((p): p is string => p !== undefined).sort();

describe('day-2 edits through kpt', () => {
  it('keep addresses and attachments step by step, four-step and one-step alike', () => {
    const four = new Workspace();
    const one = new Workspace();
    one.write('Kptfile', ONE_STEP_KPTFILE);
    mkdirSync(one.path('functions/netpipe-fn/dist'), { recursive: true });
    cpSync(join(ROOT, 'functions/netpipe-fn/dist/netpipe-fn.js'), one.path('functions/netpipe-fn/dist/netpipe-fn.js'));
    const ips = (ws: Workspace, file: string): string[] => networkEntries(ws.read(file)).flatMap((e) => (e.ips as string[] | undefined) ?? []);
    const start = addresses(four);
    const smf = ips(four, 'packages/core01/smf/deployment.yaml');
    expect(smf).toEqual(['10.4.0.2/24']);
    let output = '';
    for (const [what, edit] of EDITS) {
      edit(four);
      edit(one);
      output = four.renderOk();
      one.renderOk();
      const differing = Object.entries(four.hashes()).filter(([f, h]) => f !== 'Kptfile' && one.hashes()[f] !== h).map(([f]) => f);
      expect({ what, differing }).toEqual({ what, differing: [] });
      const before = four.hashes();
      four.renderOk();
      expect({ what, rerender: four.hashes() }).toEqual({ what, rerender: before });
    }
    // Every address but the SMF's is still held, and every workload still carries its own.
    expect(addresses(four)).toEqual(start.filter((a) => a !== smf[0]));
    expect(ips(four, 'packages/ran01/gnb/deployment.yaml')).toEqual(['192.168.250.3/24', '192.168.251.3/24']);
    expect(networkEntries(four.read('packages/core01/upf/deployment.yaml')).map((e) => e.interface)).toEqual(['n3', 'pfcp', 'n6', undefined]);
    expect(ips(four, 'packages/core01/upf/deployment.yaml')).toContain('10.4.0.3/24');
    expect(ips(four, 'packages/core01/amf/deployment.yaml')).toEqual(['192.168.250.2/24']);
    expect(ips(four, 'packages/core01/smf/deployment.yaml')).toEqual([]);
    // The last render removed the SMF's entry and released its address, and said both.
    expect(output).toContain('smf-core01-n4-ipv4');
    expect(output).toContain('10.4.0.2/24');
    expect(output).toMatch(/entry smf-core01-n4 .*is removed/);
  });
});
