/**
 * A rendered package copied to a new package name (Porch clone, or `cp -r` and a new Kptfile
 * name), and a package moved (renamed, the old name gone), against one real etcd through real
 * `kpt fn render`: two packages never share a claim identity or an address, and `verify` reports
 * copies.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdClient, prefixEnd } from '../../functions/lib/src/ledger';
import { EtcdCluster, startReady } from './etcd';
import { claimPrefixes, CLI, files, initLedger, LedgerSettings, render, renderOk, treeHash, writeNetworksPackage, writeNfPackage } from './packages';

jest.setTimeout(180000);

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

const cli = (prefix: string, ...args: string[]) => spawnSync('node', [CLI, 'ledger', ...args, '--endpoints', etcd.endpoints[0], '--prefix', prefix], { encoding: 'utf8' });
const ledgerKeys = async (prefix: string) => (await client.range(`${prefix}/`, prefixEnd(`${prefix}/`))).map((kv) => `${kv.key}=${kv.value}`);

interface Setup {
  readonly prefix: string;
  readonly root: string;
  readonly networks: string;
  /** The original package `upf-a` of cluster edge1, rendered. */
  readonly original: string;
}

async function setup(prefix: string, vlans = false): Promise<Setup> {
  const root = mkdtempSync(join(tmpdir(), 'netpipe-copy-'));
  dirs.push(root);
  initLedger(etcd.endpoints, prefix);
  const ledger: LedgerSettings = { endpoints: etcd.endpoints, prefix };
  const networks = join(root, 'networks');
  writeNetworksPackage(networks, 'networks', [{ name: 'vpc-n3', prefixes: [{ prefix: '10.3.0.0/24' }] }], ledger);
  if (vlans) {
    writeFileSync(
      join(networks, 'vlan-index.yaml'),
      'apiVersion: vlan.resource.nephio.org/v1alpha1\nkind: VLANIndex\nmetadata:\n  name: edge1\n  annotations:\n    config.kubernetes.io/local-config: "true"\nspec:\n  minID: 100\n  maxID: 199\n',
    );
  }
  await renderOk(networks);
  const original = join(root, 'upf-a');
  writeNfPackage(original, { name: 'upf-a', cluster: 'edge1', nf: 'upf', interfaces: [{ name: 'n3', ni: 'vpc-n3' }], ledger });
  if (vlans) edit(original, 'interfaces.yaml', (t) => t.replace('attachmentType: none', 'attachmentType: vlan'));
  await renderOk(original);
  return { prefix, root, networks, original };
}

function edit(dir: string, file: string, change: (text: string) => string): void {
  writeFileSync(join(dir, file), change(readFileSync(join(dir, file), 'utf8')));
}

/** A copy of the package under a new Kptfile name, as `porchctl rpkg clone` leaves it. */
function copyOf(s: Setup, name: string): string {
  const dir = join(s.root, name);
  cpSync(s.original, dir, { recursive: true });
  edit(dir, 'Kptfile', (t) => t.replace('name: upf-a', `name: ${name}`));
  return dir;
}

/** The workload renamed: the Interfaces' owner (the NFDeployment) is `upf2`. */
const renameWorkload = (dir: string): void => edit(dir, 'interfaces.yaml', (t) => t.replace(/NFDeployment\.upf\b/g, 'NFDeployment.upf2'));

/** bridge domain -> VLAN ID recorded in a package's VLANClaims. */
function vlanIds(dir: string): string[] {
  return files(dir)
    .filter((f) => /vlanclaim/i.test(f))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .map((t) => `${/vlanClaimName: (\S+)/.exec(t)?.[1]} ${/vlanID: (\d+)/.exec(t)?.[1]}`);
}

describe('a copied package', () => {
  it('with the same workload: the render fails naming both packages, the claim and the address; nothing written; verify reports the copy', async () => {
    const s = await setup('/copy-same');
    const original = claimPrefixes(s.original);
    const copy = copyOf(s, 'upf-b');
    const before = treeHash(copy);
    const ledgerBefore = await ledgerKeys(s.prefix);
    const r = await render(copy);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain(`IPClaim upf/upf-n3-ipv4 of package upf-b: its claim identity edge1/upf/upf-n3-ipv4 holds ${original['upf-n3-ipv4']}`);
    expect(r.output).toContain('for package upf-a, which still lists it');
    expect(r.output).toContain('netpipe ledger release --package upf-a');
    expect(treeHash(copy)).toBe(before);
    expect(await ledgerKeys(s.prefix)).toEqual(ledgerBefore);

    // Both packages in Git: the same identity twice. The copy alone: the ledger holds it for upf-a.
    const both = cli(s.prefix, 'verify', s.networks, s.original, copy);
    expect(both.status).toBe(1);
    expect(both.stdout).toMatch(/copies \(1\):\n {2}vpc-n3 edge1\/upf\/upf-n3-ipv4 is recorded in Git by package upf-a \(10\.3\.0\.2, ipclaim-upf-n3-ipv4\.yaml\) and package upf-b/);
    const alone = cli(s.prefix, 'verify', s.networks, copy);
    expect(alone.status).toBe(1);
    expect(alone.stdout).toContain('vpc-n3 edge1/upf/upf-n3-ipv4 is recorded in Git by package upf-b (10.3.0.2), the ledger holds it (10.3.0.2) for package upf-a');
    // A ledger rebuilt from these packages would hold one identity for two packages: refused.
    const rebuildPrefix = '/copy-same-rebuild';
    const rebuilt = cli(rebuildPrefix, 'rebuild', s.networks, s.original, copy);
    expect(rebuilt.status).not.toBe(0);
    expect(rebuilt.stderr).toContain('refusing to rebuild: vpc-n3 edge1/upf/upf-n3-ipv4 is recorded in Git by package upf-a');
    // The original is untouched by all this.
    await renderOk(s.original);
    expect(claimPrefixes(s.original)).toEqual(original);
  });

  it('with the workload renamed: fresh addresses, a warning naming the original package, claim and old -> new; verify clean', async () => {
    const s = await setup('/copy-renamed');
    const original = claimPrefixes(s.original);
    const copy = copyOf(s, 'upf-c');
    renameWorkload(copy);
    const r = await render(copy);
    expect(r.status).toBe(0);
    const now = claimPrefixes(copy);
    expect(Object.keys(now)).toEqual(['upf2-n3-ipv4']);
    expect(now['upf2-n3-ipv4']).not.toBe(original['upf-n3-ipv4']);
    expect(r.output).toContain(
      `IPClaim upf/upf2-n3-ipv4 of package upf-c: its status ${original['upf-n3-ipv4']} came from package upf-a, whose claim edge1/upf/upf-n3-ipv4 holds it in the shared ledger`,
    );
    expect(r.output).toContain(`${original['upf-n3-ipv4']} -> ${now['upf2-n3-ipv4']}`);
    const hash = treeHash(copy);
    await renderOk(copy);
    expect(treeHash(copy)).toBe(hash);
    await renderOk(s.original);
    expect(claimPrefixes(s.original)).toEqual(original);
    const v = cli(s.prefix, 'verify', s.networks, s.original, copy);
    expect(v.stdout).toContain('clean');
    expect(v.status).toBe(0);
  });

  it('to another cluster: fresh addresses in that cluster, with the warning', async () => {
    const s = await setup('/copy-cluster');
    const original = claimPrefixes(s.original);
    const copy = copyOf(s, 'upf-edge2');
    edit(copy, 'workload-cluster.yaml', (t) => t.replace(/edge1/g, 'edge2'));
    const r = await render(copy);
    expect(r.status).toBe(0);
    const now = claimPrefixes(copy)['upf-n3-ipv4'];
    expect(now).not.toBe(original['upf-n3-ipv4']);
    expect(r.output).toContain(`came from package upf-a, whose claim edge1/upf/upf-n3-ipv4 holds it`);
    expect(r.output).toContain(`${original['upf-n3-ipv4']} -> ${now}`);
    expect(cli(s.prefix, 'verify', s.networks, s.original, copy).status).toBe(0);
  });

  it('with VLANs: refused as it is; with the workload renamed, fresh addresses and the bridge domain VLAN shared', async () => {
    const s = await setup('/copy-vlans', true);
    const original = claimPrefixes(s.original);
    const vlans = vlanIds(s.original);
    expect(vlans).toEqual(['vpc-n3-edge1-bd 100']);
    const same = copyOf(s, 'upf-b');
    const ledgerBefore = await ledgerKeys(s.prefix);
    const refused = await render(same);
    expect(refused.status).not.toBe(0);
    expect(refused.output).toContain('for package upf-a, which still lists it');
    // Not even the copy's share of the bridge domain was recorded.
    expect(await ledgerKeys(s.prefix)).toEqual(ledgerBefore);
    rmSync(same, { recursive: true });

    const copy = copyOf(s, 'upf-c');
    renameWorkload(copy);
    await renderOk(copy);
    expect(claimPrefixes(copy)['upf2-n3-ipv4']).not.toBe(original['upf-n3-ipv4']);
    // One bridge domain per network and cluster: the copy shares VLAN 100 with the original.
    expect(vlanIds(copy)).toEqual(vlans);
    expect(cli(s.prefix, 'who-has', 'vlan', 'edge1', '100').stdout).toContain("upf-a (edge1), upf-c (edge1)");
    expect(cli(s.prefix, 'verify', s.networks, s.original, copy).status).toBe(0);
  });
});

describe('a moved package (renamed, the old name gone)', () => {
  it('after release --package OLD the new name takes the addresses over; without the release the render fails naming the old package', async () => {
    const s = await setup('/move');
    const original = claimPrefixes(s.original);
    const moved = copyOf(s, 'upf-new');
    rmSync(s.original, { recursive: true });

    // The release forgotten: never a silent duplicate.
    const before = treeHash(moved);
    const forgotten = await render(moved);
    expect(forgotten.status).not.toBe(0);
    expect(forgotten.output).toContain('If upf-a was moved to upf-new (deleted under its old name), release the old name first: netpipe ledger release --package upf-a');
    expect(treeHash(moved)).toBe(before);
    const v = cli(s.prefix, 'verify', s.networks, moved);
    expect(v.status).toBe(1);
    expect(v.stdout).toContain('the ledger holds it (10.3.0.2) for package upf-a: a copy of upf-a, or upf-a moved without netpipe ledger release --package upf-a');

    const rel = cli(s.prefix, 'release', '--package', 'upf-a');
    expect(rel.status).toBe(0);
    await renderOk(moved);
    expect(claimPrefixes(moved)).toEqual(original);
    expect(cli(s.prefix, 'who-has', original['upf-n3-ipv4'].split('/')[0]).stdout).toMatch(/edge1\/upf\/upf-n3-ipv4 +upf-new/);
    const clean = cli(s.prefix, 'verify', s.networks, moved);
    expect(clean.stdout).toContain('clean');
    expect(clean.status).toBe(0);
  });
});
