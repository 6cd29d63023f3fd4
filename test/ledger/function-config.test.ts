/**
 * Every documented functionConfig form turns the ledger on, through real `kpt fn render` against
 * one real etcd: netpipe-fn's `List` (a ConfigMap with the ledger keys beside pools, its README's
 * form), ipam-fn with the same List, and the plain ConfigMap. A blank ledger setting is an error
 * naming the key, and the files stay as they were.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdClient, prefixEnd } from '../../functions/lib/src/ledger';
import { EtcdCluster, startReady } from './etcd';
import { spawnSync } from 'node:child_process';
import { claimPrefixes, CLI, FN, initLedger, render, renderOk, ROOT, treeHash } from './packages';

jest.setTimeout(300000);

const NETPIPE = join(ROOT, 'functions/netpipe-fn/dist/netpipe-fn.js');

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

/** One NF package of cluster `cluster`: a WorkloadCluster, Interfaces n3 (and n6), run by `fn`. */
function nfPackage(name: string, cluster: string, step: string, configFile?: string): string {
  const root = mkdtempSync(join(tmpdir(), 'netpipe-fc-'));
  dirs.push(root);
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'Kptfile'), `apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: ${name}\n${local}pipeline:\n  mutators:\n${step}`);
  writeFileSync(
    join(dir, 'cluster.yaml'),
    `apiVersion: infra.nephio.org/v1alpha1\nkind: WorkloadCluster\nmetadata:\n  name: ${cluster}\n${local}spec:\n  clusterName: ${cluster}\n  cnis:\n  - macvlan\n  masterInterface: eth1\n`,
  );
  writeFileSync(
    join(dir, 'interfaces.yaml'),
    ['n3', 'n6']
      .map(
        (i) =>
          `apiVersion: req.nephio.org/v1alpha1\nkind: Interface\nmetadata:\n  name: ${i}\n  namespace: upf\n  annotations:\n    specializer.nephio.org/owner: workload.nephio.org/v1alpha1.NFDeployment.${name}\n` +
          `spec:\n  networkInstance:\n    name: vpc-${i}\n  cniType: macvlan\n  attachmentType: none\n  ipFamilyPolicy: ipv4-only\n`,
      )
      .join('---\n'),
  );
  if (configFile !== undefined) writeFileSync(join(dir, 'netpipe-config.yaml'), configFile);
  return dir;
}

/** The README's List: a ConfigMap with the steps' keys (ledger included) and the pools. */
function listConfig(data: Record<string, string>): string {
  const lines = Object.entries(data).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}\n`).join('');
  const ni = (n: string, p: string) => `- apiVersion: ipam.resource.nephio.org/v1alpha1\n  kind: NetworkInstance\n  metadata:\n    name: ${n}\n  spec:\n    prefixes:\n    - prefix: ${p}\n`;
  return (
    `apiVersion: v1\nkind: List\nmetadata:\n  name: netpipe-config\n${local}items:\n` +
    `- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: netpipe-config\n  data:\n${lines}` +
    ni('vpc-n3', '10.3.0.0/24') +
    ni('vpc-n6', '10.6.0.0/24')
  );
}

const ledger = (prefix: string): Record<string, string> => {
  initLedger(etcd.endpoints, prefix);
  return { ledgerEndpoints: etcd.endpoints.join(','), ledgerPrefix: prefix };
};

async function keysUnder(prefix: string): Promise<string[]> {
  const r = await client.range(`${prefix}/`, prefixEnd(`${prefix}/`));
  return r.map((kv) => kv.key).sort();
}

describe('the ledger from every functionConfig form, through kpt', () => {
  it("netpipe-fn's List (ConfigMap with ledger keys beside pools): the render allocates in the ledger, two packages share no address", async () => {
    const step = `  - exec: ${NETPIPE}\n    configPath: netpipe-config.yaml\n`;
    const a = nfPackage('upf-a', 'edge1', step, listConfig({ ...ledger('/fc-netpipe'), cniVersion: '1.0.0' }));
    const b = nfPackage('upf-b', 'edge2', step, listConfig({ ...ledger('/fc-netpipe'), cniVersion: '1.0.0' }));
    await renderOk(a);
    await renderOk(b);
    const keys = await keysUnder('/fc-netpipe');
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.some((k) => k.includes('vpc-n3'))).toBe(true);
    const pa = Object.values(claimPrefixes(a));
    const pb = Object.values(claimPrefixes(b));
    expect(pa).toHaveLength(2);
    expect(pb).toHaveLength(2);
    // Without the ledger each package would start at the pool's first address: .2 both times.
    expect(pa.filter((p) => pb.includes(p))).toEqual([]);
    const before = treeHash(a);
    await renderOk(a);
    expect(treeHash(a)).toBe(before);
  });

  it('ipam-fn with the same List: the ledger is on', async () => {
    const step = `  - exec: ${FN.interface}\n  - exec: ${FN.ipam}\n    configPath: netpipe-config.yaml\n`;
    const dir = nfPackage('upf-c', 'edge3', step, listConfig(ledger('/fc-ipam')));
    await renderOk(dir);
    expect((await keysUnder('/fc-ipam')).length).toBeGreaterThan(0);
  });

  const blank: Array<[string, Record<string, string>, RegExp]> = [
    ['ledgerEndpoints: ""', { ledgerEndpoints: '' }, /ledgerEndpoints is set but empty/],
    ['ledgerEndpoints: " "', { ledgerEndpoints: ' ' }, /ledgerEndpoints is set but empty/],
    ['ledgerEndpoints: ",,"', { ledgerEndpoints: ',,' }, /ledgerEndpoints: ",," has an empty entry/],
    ['ledgerPrefix: ""', { ledgerEndpoints: 'http://127.0.0.1:2379', ledgerPrefix: '' }, /ledgerPrefix is set but empty/],
  ];
  it.each(blank)('netpipe-fn with %s: the render fails naming the key, files untouched', async (_what, data, message) => {
    const step = `  - exec: ${NETPIPE}\n    configPath: netpipe-config.yaml\n`;
    const dir = nfPackage('upf-d', 'edge4', step, listConfig(data));
    const before = treeHash(dir);
    const r = await render(dir);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(message);
    expect(r.output).not.toMatch(/internal error/);
    expect(treeHash(dir)).toBe(before);
  });
});

describe('a render that fails after the ipam step', () => {
  const cli = (prefix: string, ...args: string[]) => spawnSync('node', [CLI, 'ledger', ...args, '--endpoints', etcd.endpoints[0], '--prefix', prefix], { encoding: 'utf8' });

  it('netpipe-fn: a nad-fn error after the ipam step commits nothing to the ledger; fixed, the render allocates', async () => {
    const step = `  - exec: ${NETPIPE}\n    configPath: netpipe-config.yaml\n`;
    const dir = nfPackage('upf-late', 'edge5', step, listConfig({ ...ledger('/late-netpipe'), cniVersion: '9.9.9' }));
    const keys = await keysUnder('/late-netpipe');
    const before = treeHash(dir);
    const r = await render(dir);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('nad-fn: cniVersion 9.9.9 is not a CNI spec version');
    expect(r.output).toContain('ipam-fn: nothing was committed to the shared ledger, as a later step failed');
    expect(treeHash(dir)).toBe(before);
    expect(await keysUnder('/late-netpipe')).toEqual(keys);
    expect(cli('/late-netpipe', 'verify', dir).stdout).not.toContain('orphans');

    writeFileSync(join(dir, 'netpipe-config.yaml'), listConfig({ ...ledger('/late-netpipe'), cniVersion: '1.0.0' }));
    await renderOk(dir);
    expect(Object.keys(claimPrefixes(dir))).toHaveLength(2);
    expect(cli('/late-netpipe', 'verify', dir).status).toBe(0);
  });

  it('ipam-fn and nad-fn as separate steps: the holdings the failed render left are told apart from a deleted package\'s', async () => {
    const step = `  - exec: ${FN.interface}\n  - exec: ${FN.ipam}\n    configPath: netpipe-config.yaml\n  - exec: ${FN.nad}\n    configMap:\n      cniVersion: "9.9.9"\n`;
    const dir = nfPackage('upf-sep', 'edge6', step, listConfig(ledger('/late-separate')));
    const r = await render(dir);
    expect(r.status).not.toBe(0);
    // kpt wrote nothing, but ipam-fn had committed: verify names the cause and the way out.
    const v = cli('/late-separate', 'verify', dir);
    expect(v.status).toBe(1);
    expect(v.stdout).toContain('package upf-sep is given but records no such claim: a render that failed after its commit left it');
    const deleted = cli('/late-separate', 'verify', mkdtempSync(join(tmpdir(), 'netpipe-empty-')));
    expect(deleted.stdout).toContain('if upf-sep was deleted: netpipe ledger release --package upf-sep');
  });
});
