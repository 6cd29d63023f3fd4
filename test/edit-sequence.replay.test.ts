/**
 * Every edit sequence the standing test (edit-sequence.property.test.ts) has found, replayed with
 * the same checks: fixtures/edit-sequences/*.json, each `{"why", "mode", "edits"}`. A failure
 * names the file, the step and the broken check.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Doc, ModelInterface, Sequence } from './edit-sequence/model';
import { LedgerServer, startLedgerServer } from './edit-sequence/render';
import { baseTree, replay, violations } from './edit-sequence/replay';

const DIR = join(__dirname, '..', 'fixtures', 'edit-sequences');
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.json')).sort();

let server: LedgerServer | undefined;

beforeAll(async () => {
  await baseTree();
});

afterAll(async () => {
  await server?.stop();
});

describe('recorded edit sequences', () => {
  it('are there', () => {
    expect(FILES.length).toBeGreaterThan(0);
  });

  it.each(FILES)('%s', async (file) => {
    const sequence = JSON.parse(readFileSync(join(DIR, file), 'utf8')) as Sequence;
    let ledger;
    if (sequence.mode === 'ledger') {
      server ??= await startLedgerServer();
      ledger = await server.fresh();
    }
    await replay(sequence, ledger);
  });
});

/** The checks themselves, on hand-made trees: each must be able to fail. */
describe('the checks after a render', () => {
  const at = (path: string): Doc => ({ 'config.kubernetes.io/path': path });
  const itf: ModelInterface = { id: 0, dir: 'c1/upf', name: 'n3', namespace: 'upf', removed: false };
  const deployment = (ips: string[]): Doc => ({
    kind: 'Deployment',
    metadata: { name: 'upf', namespace: 'upf', annotations: at('c1/upf/deployment.yaml') },
    spec: { template: { metadata: { annotations: { 'k8s.v1.cni.cncf.io/networks': JSON.stringify([{ name: 'upf-c1-n3', interface: 'n3', ips }]) } } } },
  });
  const claim = (name: string, prefix: string, dir = 'c1/upf'): Doc => ({
    kind: 'IPClaim',
    metadata: { name, namespace: 'upf', annotations: { ...at(`${dir}/ipclaim-${name}.yaml`), 'netpipe.dev/interface': name === 'upf-c1-n3-ipv4' ? 'upf/n3' : 'upf/x' } },
    spec: { networkInstance: { name: 'vpc-n3' } },
    status: { prefix },
  });
  const vlan = (name: string, id: string, domain: string, dir = 'c1/upf'): Doc => ({
    kind: 'VLANClaim',
    metadata: { name, namespace: 'upf', annotations: { ...at(`${dir}/vlanclaim-${name}.yaml`), 'netpipe.dev/interface': name === 'upf-c1-n3' ? 'upf/n3' : 'upf/x', 'specializer.nephio.org/vlanClaimName': domain } },
    spec: { vlanIndex: { name: 'c1' } },
    status: { vlanID: id },
  });
  const before = { addresses: new Map([[0, ['10.3.0.2/24']]]), vlans: new Map([[0, '100']]) };
  const good = [deployment(['10.3.0.2/24']), claim('upf-c1-n3-ipv4', '10.3.0.2/24'), vlan('upf-c1-n3', '100', 'vpc-n3-c1-bd')];

  it('a tree that keeps everything passes', () => {
    expect(violations(good, [itf], before, [])).toEqual([]);
  });

  it.each([
    ['an entry with stale ips', [deployment(['10.3.0.9/24']), good[1], good[2]], [], /entry ips/],
    ['an address moved in silence', [deployment(['10.3.0.5/24']), claim('upf-c1-n3-ipv4', '10.3.0.5/24'), good[2]], ['"10.3.0.5 was allocated"'], /10.3.0.2\/24 -> 10.3.0.5\/24 and no result names both/],
    ['a prefix length changed in silence', [deployment(['10.3.0.2/23']), claim('upf-c1-n3-ipv4', '10.3.0.2/23'), good[2]], [], /no result names both/],
    ['an address held twice', [...good, claim('other-ipv4', '10.3.0.2/24', 'c1/smf')], [], /held twice/],
    ['a VLAN ID moved in silence', [good[0], good[1], vlan('upf-c1-n3', '101', 'vpc-n3-c1-bd')], ['"VLAN 101 allocated"'], /VLAN 100 -> 101/],
    ['a NAD on another VLAN than its claim', [...good, { kind: 'NetworkAttachmentDefinition', metadata: { name: 'upf-c1-n3', namespace: 'upf', annotations: { ...at('c1/upf/nad-upf-c1-n3.yaml'), 'netpipe.dev/interface': 'upf/n3' } }, spec: { config: JSON.stringify({ plugins: [{ type: 'macvlan', master: 'eth1.101' }] }) } }], [], /its NAD's master is eth1.101/],
    ['one VLAN ID in two bridge domains', [...good, vlan('other', '100', 'vpc-n4-c1-bd', 'c1/smf')], [], /two bridge domains/],
  ])('%s is caught', (_what, items, results, problem) => {
    expect(violations(items, [itf], before, results).join('\n')).toMatch(problem);
  });
});
