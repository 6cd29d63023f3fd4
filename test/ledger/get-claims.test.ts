/**
 * `nephio.org/action: get` across packages, on Nephio's own catalog packages: the UERANSIM gNB's
 * IPClaim `amf-regional-n2-ipv4` reads the N2 address of the AMF, which another package holds.
 * The packages are the vendored catalog ones (third_party/nephio-catalog), specialized as Porch's
 * PackageVariant leaves them (the WorkloadCluster injected with `kpt.dev/injected-resource`, the
 * injection condition and readiness gate, the catalog's apply-replacements applied), with the
 * Kptfile pipeline replaced by netpipe-fn against a real etcd, and rendered one by one by real
 * `kpt fn render` as Porch does.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { EtcdClient, prefixEnd } from '../../functions/lib/src/ledger';
import { materialize } from '../support/kpt';
import { EtcdCluster, startReady } from './etcd';
import { CLI, files, initLedger, renderOk, ROOT, treeHash } from './packages';
import { CATALOG, conditionOf, Doc, edit, NETPIPE_FN, one, readKptfileName, removeScratch, specialize as specializeVariant, vlanIndexPackage as vlanIndexVariant } from './porch-variant';

jest.setTimeout(180000);

const PREFIX = '/get-claims';

let etcd: EtcdCluster;
let client: EtcdClient;
const dirs: string[] = [];

beforeAll(async () => {
  ({ etcd, client } = await startReady());
  initLedger(etcd.endpoints, PREFIX);
});

afterAll(async () => {
  client?.close();
  await etcd?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  removeScratch();
});

const ledger = () => ({ endpoints: etcd.endpoints, prefix: PREFIX });
const specialize = (pkg: string, cluster: string, namespace: string, opts: { injected?: boolean; ledger?: boolean } = {}): string =>
  specializeVariant(pkg, cluster, namespace, { ...(opts.injected === undefined ? {} : { injected: opts.injected }), ...(opts.ledger === false ? {} : { ledger: ledger() }) });
const vlanIndexPackage = (cluster: string): string => vlanIndexVariant(cluster, ledger());


const GET_CONDITION = 'ipam.resource.nephio.org/v1alpha1.IPClaim.amf-regional-n2-ipv4';

describe('get claims across packages, with the shared ledger', () => {
  it("the gNB's get claim waits (warning, False, exit 0) until the AMF's package holds N2, then reads exactly the AMF's address", async () => {
    const vlanDirs = [vlanIndexPackage('regional'), vlanIndexPackage('edge01')];
    for (const d of vlanDirs) await renderOk(d);
    const gnb = specialize('workloads/tools/ueransim', 'edge01', 'ueransim');
    const amf = specialize('workloads/free5gc/pkg-example-amf-bp', 'regional', 'free5gc-cp');

    // The gNB first: nothing to read yet - a warning, the claim pending, the render passes.
    const early = await renderOk(gnb);
    expect(early).toMatch(/IPClaim amf-regional-n2-ipv4 \(nephio\.org\/action: get\) looks up an existing address, but no network claim of network instance vpc-ran in this render or in the shared ledger matches/);
    expect(one(gnb, 'IPClaim', 'amf-regional-n2-ipv4').status).toBeUndefined();
    expect(conditionOf(gnb, GET_CONDITION)).toMatchObject({ status: 'False', message: 'waiting for the address of the claim it reads (nephio.org/action: get)' });
    // Porch approves on the root Kptfile's gates: this package must not look ready yet.
    expect(conditionOf(gnb, 'netpipe.dev/networks-ready')).toMatchObject({ status: 'False', reason: 'Pending' });
    expect(conditionOf(gnb, 'netpipe.dev/networks-ready')?.message).toContain('IPClaim.amf-regional-n2-ipv4');
    // The gNB's own Interfaces are allocated all the same.
    expect(one(gnb, 'IPClaim', 'ueransimgnb-edge01-n2-ipv4').status?.prefix).toMatch(/^172\.2\./);

    await renderOk(amf);
    const held = one(amf, 'IPClaim', 'amf-regional-n2-ipv4').status as { prefix: string; gateway: string };
    expect(held.prefix).toMatch(/^172\.2\.\d+\.\d+\/24$/);

    const late = await renderOk(gnb);
    expect(late).not.toMatch(/looks up an existing address/);
    expect(one(gnb, 'IPClaim', 'amf-regional-n2-ipv4').status).toEqual(held);
    expect(conditionOf(gnb, GET_CONDITION)).toMatchObject({ status: 'True', message: held.prefix });
    expect(conditionOf(gnb, 'netpipe.dev/networks-ready')).toMatchObject({ status: 'True', reason: 'Ready' });
    expect((one(gnb, 'Kptfile', readKptfileName(gnb)).info as { readinessGates: unknown[] }).readinessGates).toContainEqual({ conditionType: 'netpipe.dev/networks-ready' });
    // A different cluster: a different carved subnet, never the AMF's address.
    expect(one(gnb, 'IPClaim', 'ueransimgnb-edge01-n2-ipv4').status?.prefix).not.toBe(held.prefix);

    // Re-renders change no byte; the ledger agrees with the packages.
    const hashes = [treeHash(gnb), treeHash(amf)];
    await renderOk(gnb);
    await renderOk(amf);
    expect([treeHash(gnb), treeHash(amf)]).toEqual(hashes);
    const verify = spawnSync('node', [CLI, 'ledger', 'verify', ...vlanDirs, gnb, amf, '--endpoints', etcd.endpoints[0], '--prefix', PREFIX], { encoding: 'utf8' });
    expect(verify.stdout + verify.stderr).toContain('clean');
    expect(verify.status).toBe(0);

    // A ledger rebuilt from Git answers the lookup as the one the renders wrote.
    const admin = (...args: string[]) => spawnSync('node', [CLI, 'ledger', ...args, '--endpoints', etcd.endpoints[0], '--prefix', PREFIX], { encoding: 'utf8' });
    const owner = async () => (await client.range(`${PREFIX}/`, prefixEnd(`${PREFIX}/`))).filter((kv) => kv.key.includes('/owner/')).map((kv) => [kv.key, kv.value]);
    const owners = await owner();
    expect(owners.some(([, v]) => v.includes('"nephio.org/nsn-name":"amf-regional-n2-ipv4"'))).toBe(true);
    await client.txn([], [{ del: `${PREFIX}/`, end: prefixEnd(`${PREFIX}/`) }]);
    const rebuilt = admin('rebuild', ...vlanDirs, gnb, amf);
    expect([rebuilt.status, rebuilt.stderr]).toEqual([0, '']);
    expect(await owner()).toEqual(owners);
    await renderOk(gnb);
    expect([treeHash(gnb), treeHash(amf)]).toEqual(hashes);

    // The AMF's N2 goes: the gNB keeps what it read and is told so.
    rmSync(join(amf, 'interface-n2.yaml'));
    await renderOk(amf);
    const after = await renderOk(gnb);
    expect(after).toMatch(/amf-regional-n2-ipv4 .*it keeps the address 172\.2\.\d+\.\d+\/24 it read before/);
    expect(one(gnb, 'IPClaim', 'amf-regional-n2-ipv4').status).toEqual(held);
  });
});

describe('get claims without the ledger', () => {
  it('the UERANSIM blueprint as published renders: exit 0, nothing generated, the get claim pending with a warning', async () => {
    const bp = specialize('workloads/tools/ueransim', 'example', 'ueransim', { injected: false, ledger: false });
    const before = files(bp);
    const out = await renderOk(bp);
    expect(out).toMatch(/amf-regional-n2-ipv4 \(nephio\.org\/action: get\) .* in this render matches its selector/);
    expect(out).toMatch(/configure the shared ledger/);
    expect(files(bp)).toEqual(before);
    expect(one(bp, 'IPClaim', 'amf-regional-n2-ipv4').status).toBeUndefined();
  });

  it('both packages in one render: the get claim reads the AMF claim of the same render', async () => {
    const root = mkdtempSync(join(tmpdir(), 'netpipe-get-tree-'));
    dirs.push(root);
    const gnb = specialize('workloads/tools/ueransim', 'edge01', 'ueransim', { ledger: false });
    const amf = specialize('workloads/free5gc/pkg-example-amf-bp', 'regional', 'free5gc-cp', { ledger: false });
    // One parent package with both as subpackages, rendered at once.
    writeFileSync(
      join(root, 'Kptfile'),
      `apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: ran\n  annotations:\n    config.kubernetes.io/local-config: "true"\npipeline:\n  mutators:\n  - exec: ${NETPIPE_FN}\n    configMap:\n      vlanRange: 100-199\n`,
    );
    for (const [from, name] of [
      [gnb, 'gnb'],
      [amf, 'amf'],
    ] as const) {
      spawnSync('cp', ['-r', from, join(root, name)]);
      edit(join(root, name), 'Kptfile', (k) => delete k.pipeline);
    }
    await renderOk(root);
    const held = one(join(root, 'amf'), 'IPClaim', 'amf-regional-n2-ipv4').status;
    expect(held?.prefix).toMatch(/^172\.2\./);
    expect(one(join(root, 'gnb'), 'IPClaim', 'amf-regional-n2-ipv4').status).toEqual(held);
  });
});

describe('get VLANClaims with the shared ledger (Nephio vlan-fn testdata get_vlan)', () => {
  const NEPHIO_GET_VLAN = join(ROOT, 'third_party/nephio/krm-functions/vlan-fn/fn/testdata/get_vlan');

  function getVlanPackage(): string {
    const dir = materialize(NEPHIO_GET_VLAN, join(mkdtempSync(join(tmpdir(), 'netpipe-get-vlan-')), 'pkg-upf'));
    dirs.push(join(dir, '..'));
    rmSync(join(dir, '_expected.yaml'));
    edit(dir, 'Kptfile', (k) => (k.pipeline = { mutators: [{ exec: NETPIPE_FN, configMap: { ledgerEndpoints: etcd.endpoints.join(','), ledgerPrefix: PREFIX } }] }));
    return dir;
  }

  it('reads the ID the claim of its name holds in the index, never a fresh one; pending with a warning until then', async () => {
    await renderOk(vlanIndexPackage('cluster03'));
    const pkg = getVlanPackage();
    const early = await renderOk(pkg);
    expect(early).toMatch(/VLANClaim n3 \(nephio\.org\/action: get\) reads the VLAN ID of VLANClaim n3 in VLAN index cluster03, but nothing holds one/);
    expect(one(pkg, 'VLANClaim', 'n3').status).toBeUndefined();
    expect(conditionOf(pkg, 'vlan.resource.nephio.org/v1alpha1.VLANClaim.n3')).toMatchObject({ status: 'False' });

    // The package whose claim n3 holds the VLAN (Nephio's backend: the allocation of that name).
    const holder = materialize(join(CATALOG, 'infra/capi/vlanindex'), join(mkdtempSync(join(tmpdir(), 'netpipe-get-vlan-')), 'holder'));
    dirs.push(join(holder, '..'));
    for (const f of files(holder)) if (f !== 'Kptfile') rmSync(join(holder, f));
    edit(holder, 'Kptfile', (k) => (k.pipeline = { mutators: [{ exec: NETPIPE_FN, configMap: { ledgerEndpoints: etcd.endpoints.join(','), ledgerPrefix: PREFIX } }] }));
    writeFileSync(join(holder, 'vlanclaim.yaml'), 'apiVersion: vlan.resource.nephio.org/v1alpha1\nkind: VLANClaim\nmetadata:\n  name: n3\nspec:\n  vlanIndex:\n    name: cluster03\n');
    await renderOk(holder);
    const id = one(holder, 'VLANClaim', 'n3').status?.vlanID;
    expect(typeof id).toBe('number');

    await renderOk(pkg);
    // Nephio's _expected.yaml: status.vlanID (10 from its mock backend; here the holder's ID) and a True condition.
    const expected = (load(readFileSync(join(NEPHIO_GET_VLAN, '_expected.yaml'), 'utf8')) as { items: Doc[] }).items;
    const theirs = expected.find((d) => d.kind === 'VLANClaim')!;
    const ours = one(pkg, 'VLANClaim', 'n3');
    expect(Object.keys(ours.status ?? {})).toEqual(Object.keys(theirs.status ?? {}));
    expect(ours.status?.vlanID).toBe(id);
    expect(ours.spec).toEqual(theirs.spec);
    const theirCondition = ((expected.find((d) => d.kind === 'Kptfile')!.status as { conditions: { type: string; status: string }[] }).conditions)[0]!;
    expect(conditionOf(pkg, theirCondition.type)).toMatchObject({ status: theirCondition.status });
    // The get claim holds nothing: the index still has one holder of the ID.
    const rec = JSON.parse((await client.range(`${PREFIX}/v1/vlan/cluster03`, `${PREFIX}/v1/vlan/cluster03\0`))[0]!.value) as { held: Record<string, unknown> };
    expect(Object.keys(rec.held)).toEqual([String(id)]);
  });
});
