/**
 * A VLAN index shared by clusters (`netpipe.dev/clusters` on a VLANIndex), for packages of two
 * clusters rendered separately and concurrently by real `kpt fn render` processes against one real
 * etcd: per-cluster bridge domains get distinct IDs from the one index, a network stretched across
 * the clusters (`netpipe.dev/bridge-domains: network`) gets one ID in both, and that ID stays held
 * while either cluster still uses it.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { EtcdClient } from '../../functions/lib/src/ledger';
import { EtcdCluster, startReady } from './etcd';
import { spawnSync } from 'node:child_process';
import { CLI, files, FN, initLedger, renderOk, treeHash } from './packages';

jest.setTimeout(300000);

let etcd: EtcdCluster;
let client: EtcdClient;
const dirs: string[] = [];

beforeAll(async () => {
  ({ etcd, client } = await startReady());
});

afterAll(async () => {
  client?.close();
  await etcd?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const local = `  annotations:\n    config.kubernetes.io/local-config: "true"\n`;

/**
 * One NF package of `cluster`, with its own copy of the shared VLANIndex: interface-fn must see it
 * in every render to name it in the cluster's VLANClaims.
 */
function writeNf(dir: string, prefix: string, cluster: string, nf: string, networks: readonly string[], bridgeDomains?: string): void {
  initLedger(etcd.endpoints, prefix);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'Kptfile'),
    `apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: ${nf}\n${local}pipeline:\n  mutators:\n  - exec: ${FN.interface}\n` +
      `  - exec: ${FN.ipam}\n    configMap:\n      ledgerEndpoints: ${JSON.stringify(etcd.endpoints.join(','))}\n      ledgerPrefix: ${JSON.stringify(prefix)}\n`,
  );
  writeFileSync(
    join(dir, 'resources.yaml'),
    [
      `apiVersion: infra.nephio.org/v1alpha1\nkind: WorkloadCluster\nmetadata:\n  name: ${cluster}\n${local}spec:\n  clusterName: ${cluster}\n  cnis:\n  - macvlan\n  masterInterface: ens4\n`,
      `apiVersion: vlan.resource.nephio.org/v1alpha1\nkind: VLANIndex\nmetadata:\n  name: fabric\n${local}` +
        `    netpipe.dev/clusters: edge1, edge2\n${bridgeDomains ? `    netpipe.dev/bridge-domains: ${bridgeDomains}\n` : ''}spec:\n  minID: 100\n  maxID: 199\n`,
      ...networks.map(
        (ni) =>
          `apiVersion: req.nephio.org/v1alpha1\nkind: Interface\nmetadata:\n  name: ${ni.replace('vpc-', '')}\n  namespace: ${nf}\n  annotations:\n` +
          `    specializer.nephio.org/owner: workload.nephio.org/v1alpha1.NFDeployment.${nf}\n` +
          `spec:\n  networkInstance:\n    name: ${ni}\n  cniType: macvlan\n  attachmentType: vlan\n  ipFamilyPolicy: none\n`,
      ),
    ].join('---\n'),
  );
}

/** `<index> <bridge domain>` -> VLAN ID of every VLANClaim of the package. */
function vlansOf(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const f of files(dir)) {
    if (!f.endsWith('.yaml')) continue;
    for (const text of readFileSync(join(dir, f), 'utf8').split(/^---$/m)) {
      const doc = load(text) as
        | { kind?: string; metadata: { annotations?: Record<string, string> }; spec: { vlanIndex: { name: string } }; status?: { vlanID?: number } }
        | undefined;
      if (doc?.kind !== 'VLANClaim' || doc.status?.vlanID === undefined) continue;
      out[`${doc.spec.vlanIndex.name} ${doc.metadata.annotations?.['specializer.nephio.org/vlanClaimName']}`] = doc.status.vlanID;
    }
  }
  return out;
}

const whoHasVlan = (prefix: string, index: string, id: number) =>
  spawnSync('node', [CLI, 'ledger', 'who-has', 'vlan', index, String(id), '--endpoints', etcd.endpoints[0]!, '--prefix', prefix], { encoding: 'utf8' }).stdout;

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'netpipe-shared-vlan-'));
  dirs.push(d);
  return d;
}

describe('a VLAN index shared by two clusters, rendered separately through the ledger', () => {
  it('per-cluster bridge domains: distinct IDs from the one index across both renders', async () => {
    const root = tmp();
    const a = join(root, 'edge1-upf');
    const b = join(root, 'edge2-upf');
    writeNf(a, '/shared-cluster', 'edge1', 'upf1', ['vpc-ran', 'vpc-internal']);
    writeNf(b, '/shared-cluster', 'edge2', 'upf2', ['vpc-ran', 'vpc-internal']);
    await Promise.all([renderOk(a), renderOk(b)]);
    const all = { ...vlansOf(a), ...vlansOf(b) };
    expect(Object.keys(all).sort()).toEqual([
      'fabric vpc-internal-edge1-bd',
      'fabric vpc-internal-edge2-bd',
      'fabric vpc-ran-edge1-bd',
      'fabric vpc-ran-edge2-bd',
    ]);
    expect(new Set(Object.values(all)).size).toBe(4);
    expect(Object.values(all).sort()).toEqual([100, 101, 102, 103]);
  });

  it('a network as one bridge domain: the same ID in both clusters, distinct per network, kept while either cluster uses it', async () => {
    const root = tmp();
    const a = join(root, 'edge1-upf');
    const b = join(root, 'edge2-upf');
    writeNf(a, '/shared-network', 'edge1', 'upf1', ['vpc-ran', 'vpc-internal'], 'network');
    writeNf(b, '/shared-network', 'edge2', 'upf2', ['vpc-ran'], 'network');
    await Promise.all([renderOk(a), renderOk(b)]);
    const va = vlansOf(a);
    const vb = vlansOf(b);
    expect(Object.keys(va).sort()).toEqual(['fabric vpc-internal-bd', 'fabric vpc-ran-bd']);
    expect(vb).toEqual({ 'fabric vpc-ran-bd': va['fabric vpc-ran-bd'] });
    expect(va['fabric vpc-internal-bd']).not.toBe(va['fabric vpc-ran-bd']);
    const ran = va['fabric vpc-ran-bd']!;
    const held = whoHasVlan('/shared-network', 'fabric', ran);
    expect(held).toContain('bridge domain vpc-ran-bd');
    expect(held).toContain('upf1 (edge1)');
    expect(held).toContain('upf2 (edge2)');

    // edge1 drops its vpc-ran Interface: edge2 still holds the bridge domain's ID, so a new
    // network gets another one, and edge2's re-render changes nothing.
    writeNf(a, '/shared-network', 'edge1', 'upf1', ['vpc-internal', 'vpc-n6'], 'network');
    await renderOk(a);
    const after = vlansOf(a);
    expect(after['fabric vpc-internal-bd']).toBe(va['fabric vpc-internal-bd']);
    expect(after['fabric vpc-n6-bd']).not.toBe(ran);
    const hb = treeHash(b);
    await renderOk(b);
    expect(treeHash(b)).toBe(hb);
    expect(vlansOf(b)).toEqual({ 'fabric vpc-ran-bd': ran });
    // The ledger still holds it, for edge2 alone now.
    const still = whoHasVlan('/shared-network', 'fabric', ran);
    expect(still).toContain('bridge domain vpc-ran-bd');
    expect(still).toContain('upf2 (edge2)');
    expect(still).not.toContain('upf1 (edge1)');
  });
});
