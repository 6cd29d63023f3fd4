/**
 * What Nephio packages need from the shared ledger, against one real etcd: VLAN IDs, pool and
 * loopback prefixes and carved Network subnets, for packages of several clusters rendered
 * separately and concurrently by real `kpt fn render` processes.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { EtcdClient, prefixEnd } from '../../functions/lib/src/ledger';
import { EtcdCluster, startReady } from './etcd';
import { CLI, files, FN, initLedger, LedgerSettings, render, renderOk, treeHash } from './packages';

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

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'netpipe-nephio-ledger-'));
  dirs.push(d);
  return d;
}

const ledgerOf = (prefix: string): LedgerSettings => {
  initLedger(etcd.endpoints, prefix);
  return { endpoints: etcd.endpoints, prefix };
};
const cli = (prefix: string, ...args: string[]) =>
  spawnSync('node', [CLI, 'ledger', ...args, '--endpoints', etcd.endpoints[0], '--prefix', prefix], { encoding: 'utf8' });

function kptfile(name: string, ledger: LedgerSettings, withInterfaceFn: boolean, extra: Record<string, string> = {}): string {
  const data = { ledgerEndpoints: ledger.endpoints.join(','), ledgerPrefix: ledger.prefix, ...extra };
  return (
    `apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: ${name}\n  annotations:\n    config.kubernetes.io/local-config: "true"\npipeline:\n  mutators:\n` +
    (withInterfaceFn ? `  - exec: ${FN.interface}\n` : '') +
    `  - exec: ${FN.ipam}\n    configMap:\n${Object.entries(data).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}\n`).join('')}`
  );
}

const local = `  annotations:\n    config.kubernetes.io/local-config: "true"\n`;

/** A package defining VLAN indexes (and whatever else `docs` holds), rendered first. */
function writeNetworks(dir: string, prefix: string, docs: string[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Kptfile'), kptfile('networks', ledgerOf(prefix), false));
  writeFileSync(join(dir, 'resources.yaml'), docs.join('---\n'));
}

const vlanIndex = (name: string, min: number, max: number): string =>
  `apiVersion: vlan.resource.nephio.org/v1alpha1\nkind: VLANIndex\nmetadata:\n  name: ${name}\n${local}spec:\n  minID: ${min}\n  maxID: ${max}\n`;

interface Itf {
  readonly name: string;
  readonly ni: string;
  /** L2 only (no IP) unless set. */
  readonly family?: 'ipv4-only' | 'dual-stack';
  /** Untagged (no VLANClaim) instead of a VLAN. */
  readonly untagged?: boolean;
}

function writeNf(dir: string, prefix: string, cluster: string, nf: string, itfs: readonly Itf[], extra: Record<string, string> = {}): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Kptfile'), kptfile(dir.slice(dir.lastIndexOf('/') + 1), ledgerOf(prefix), true, extra));
  writeFileSync(
    join(dir, 'workload-cluster.yaml'),
    `apiVersion: infra.nephio.org/v1alpha1\nkind: WorkloadCluster\nmetadata:\n  name: ${cluster}\n${local}spec:\n  clusterName: ${cluster}\n  cnis:\n  - macvlan\n  masterInterface: ens4\n`,
  );
  writeInterfacesOf(dir, nf, itfs);
}

function writeInterfacesOf(dir: string, nf: string, itfs: readonly Itf[]): void {
  writeFileSync(
    join(dir, 'interfaces.yaml'),
    itfs
      .map(
        (i) =>
          `apiVersion: req.nephio.org/v1alpha1\nkind: Interface\nmetadata:\n  name: ${i.name}\n  namespace: ${nf}\n  annotations:\n` +
          `    specializer.nephio.org/owner: workload.nephio.org/v1alpha1.NFDeployment.${nf}\n    specializer.nephio.org/for: workload.nephio.org/v1alpha1.NFDeployment.${nf}\n` +
          `spec:\n  networkInstance:\n    name: ${i.ni}\n  cniType: macvlan\n  attachmentType: ${i.untagged ? 'none' : 'vlan'}\n  ipFamilyPolicy: ${i.family ?? 'none'}\n`,
      )
      .join('---\n'),
  );
}

/** `kind name` -> the parsed document, for every YAML file of a package. */
function docsOf(dir: string, kind: string): Record<string, { metadata: { name: string; annotations?: Record<string, string> }; spec: Record<string, unknown>; status?: Record<string, unknown> }> {
  const out: Record<string, never> = {};
  for (const f of files(dir)) {
    if (!f.endsWith('.yaml')) continue;
    for (const text of readFileSync(join(dir, f), 'utf8').split(/^---$/m)) {
      const doc = load(text) as { kind?: string; metadata?: { name: string } } | undefined;
      if (doc?.kind === kind && doc.metadata) out[doc.metadata.name] = doc as never;
    }
  }
  return out;
}

/** bridge domain -> VLAN ID of every VLANClaim of the package. */
function vlansOf(dir: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of Object.values(docsOf(dir, 'VLANClaim'))) {
    const bd = c.metadata.annotations?.['specializer.nephio.org/vlanClaimName'] ?? c.metadata.name;
    if (c.status?.vlanID !== undefined) out[`${(c.spec.vlanIndex as { name: string }).name} ${bd}`] = c.status.vlanID as number;
  }
  return out;
}

describe('VLAN IDs in the shared ledger', () => {
  it('packages of two clusters rendered concurrently: one ID per bridge domain, unique per index, re-render byte-identical, verify clean; wipe + rebuild', async () => {
    const prefix = '/vlans';
    const root = tmp();
    const networks = join(root, 'networks');
    writeNetworks(networks, prefix, [vlanIndex('edge1', 100, 199), vlanIndex('edge2', 100, 199)]);
    await renderOk(networks);
    const nfs: string[] = [];
    for (let i = 0; i < 8; i++) {
      const cluster = `edge${(i % 2) + 1}`;
      const dir = join(root, `${cluster}-nf${i}`);
      // n3 is shared by every NF of a cluster (one bridge domain), x<i> is the NF's own.
      writeNf(dir, prefix, cluster, `nf${i}`, [{ name: 'n3', ni: 'vpc-n3' }, { name: 'x', ni: `vpc-x${i}` }]);
      nfs.push(dir);
    }
    await Promise.all(nfs.map((d) => renderOk(d)));
    const byBd = new Map<string, Set<number>>();
    const byId = new Map<string, Set<string>>();
    for (const d of nfs) {
      const v = vlansOf(d);
      expect(Object.keys(v)).toHaveLength(2);
      for (const [key, id] of Object.entries(v)) {
        (byBd.get(key) ?? byBd.set(key, new Set()).get(key)!).add(id);
        const idKey = `${key.split(' ')[0]} ${id}`;
        (byId.get(idKey) ?? byId.set(idKey, new Set()).get(idKey)!).add(key);
      }
    }
    for (const [bd, ids] of byBd) expect([bd, ids.size]).toEqual([bd, 1]);
    for (const [id, bds] of byId) expect([id, bds.size]).toEqual([id, 1]);
    expect(byBd.size).toBe(2 + 8);
    // Next-fit from the index's start: each index handed out 100..104 (VLAN 1 is outside anyway).
    for (const index of ['edge1', 'edge2']) {
      expect([...byId.keys()].filter((k) => k.startsWith(`${index} `)).map((k) => Number(k.split(' ')[1])).sort()).toEqual([100, 101, 102, 103, 104]);
    }
    const hashes = nfs.map(treeHash);
    await Promise.all(nfs.map((d) => renderOk(d)));
    expect(nfs.map(treeHash)).toEqual(hashes);
    // No VLANCursor in Git: the cursor lives in the ledger.
    expect(nfs.flatMap((d) => files(d)).filter((f) => f.includes('vlan-cursor'))).toEqual([]);

    const verify = cli(prefix, 'verify', networks, ...nfs);
    expect(verify.stdout).toContain('clean');
    expect(verify.status).toBe(0);
    const status = cli(prefix, 'status');
    expect(status.stdout).toMatch(/VLAN INDEX +RANGE +USABLE +USED +FREE +CURSOR/);
    expect(status.stdout).toMatch(/edge1 +100-199 +100 +5 +95 +104/);
    const who = cli(prefix, 'who-has', 'vlan', 'edge2', String([...byBd].find(([k]) => k === 'edge2 vpc-n3-edge2-bd')![1].values().next().value));
    expect(who.stdout).toContain('bridge domain vpc-n3-edge2-bd');
    expect(who.stdout).toMatch(/edge2-nf1.*edge2-nf3|edge2-nf3.*edge2-nf1/s);

    await client.txn([], [{ del: `${prefix}/`, end: prefixEnd(`${prefix}/`) }]);
    const lost = cli(prefix, 'verify', networks, ...nfs);
    expect(lost.status).toBe(1);
    expect(lost.stdout).toMatch(/VLAN/);
    expect(cli(prefix, 'rebuild', networks, ...nfs).status).toBe(0);
    expect(cli(prefix, 'verify', networks, ...nfs).status).toBe(0);
    await Promise.all(nfs.map((d) => renderOk(d)));
    expect(nfs.map(treeHash)).toEqual(hashes);
  });

  it('an Interface dropped releases its VLAN (reused last); another package sharing the bridge domain keeps it', async () => {
    const prefix = '/vlan-release';
    const root = tmp();
    const networks = join(root, 'networks');
    writeNetworks(networks, prefix, [vlanIndex('edge1', 10, 19)]);
    await renderOk(networks);
    const a = join(root, 'edge1-a');
    const b = join(root, 'edge1-b');
    writeNf(a, prefix, 'edge1', 'a', [{ name: 'n3', ni: 'vpc-n3' }, { name: 'own', ni: 'vpc-own' }]);
    writeNf(b, prefix, 'edge1', 'b', [{ name: 'n3', ni: 'vpc-n3' }]);
    await renderOk(a);
    await renderOk(b);
    expect(vlansOf(a)).toEqual({ 'edge1 vpc-n3-edge1-bd': 10, 'edge1 vpc-own-edge1-bd': 11 });
    expect(vlansOf(b)).toEqual({ 'edge1 vpc-n3-edge1-bd': 10 });
    // a drops both: its own VLAN is freed, the shared one stays with b.
    writeInterfacesOf(a, 'a', []);
    await renderOk(a);
    const rec = JSON.parse((await client.range(`${prefix}/v1/vlan/edge1`, `${prefix}/v1/vlan/edge1\0`))[0].value) as { held: Record<string, { holders: string[][] }> };
    expect(Object.keys(rec.held)).toEqual(['10']);
    expect(rec.held['10'].holders).toEqual([['edge1-b', 'edge1']]);
    writeInterfacesOf(a, 'a', [{ name: 'new', ni: 'vpc-new' }]);
    await renderOk(a);
    expect(vlansOf(a)).toEqual({ 'edge1 vpc-new-edge1-bd': 12 });

    // Deleting package b needs an explicit release: its share of VLAN 10 goes, and the ID with it.
    expect(cli(prefix, 'verify', networks, a).stdout).toMatch(/VLAN 10 of bridge domain vpc-n3-edge1-bd is held for package edge1-b/);
    const released = cli(prefix, 'release', '--package', 'edge1-b');
    expect(released.stdout).toMatch(/vlan:edge1 +10 +bridge domain vpc-n3-edge1-bd +edge1-b/);
    expect(cli(prefix, 'verify', networks, a).status).toBe(0);
    expect(cli(prefix, 'who-has', 'vlan', 'edge1', '10').status).toBe(1);
  });

  it('exhaustion names the index; a package whose VLANIndex differs from the published one fails naming the difference; files untouched', async () => {
    const prefix = '/vlan-errors';
    const root = tmp();
    const networks = join(root, 'networks');
    writeNetworks(networks, prefix, [vlanIndex('edge1', 10, 11)]);
    await renderOk(networks);
    const a = join(root, 'edge1-a');
    writeNf(a, prefix, 'edge1', 'a', [{ name: 'p', ni: 'vpc-p' }, { name: 'q', ni: 'vpc-q' }]);
    await renderOk(a);
    const b = join(root, 'edge1-b');
    writeNf(b, prefix, 'edge1', 'b', [{ name: 'r', ni: 'vpc-r' }]);
    const before = treeHash(b);
    const r = await render(b);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/no free VLAN ID for "bridge domain vpc-r-edge1-bd" in VLAN index edge1/);
    expect(treeHash(b)).toBe(before);

    writeFileSync(join(b, 'index.yaml'), vlanIndex('edge1', 10, 20));
    const before2 = treeHash(b);
    const r2 = await render(b);
    expect(r2.status).not.toBe(0);
    expect(r2.output).toMatch(/VLAN index edge1 differs from the definition published .* by package networks: range 10-11 in the ledger, 10-20 here/);
    expect(treeHash(b)).toBe(before2);
  });
});

const poolsNi = (name: string, prefixes: readonly { prefix: string; kind: string }[]): string =>
  `apiVersion: ipam.resource.nephio.org/v1alpha1\nkind: NetworkInstance\nmetadata:\n  name: ${name}\n${local}spec:\n  prefixes:\n` +
  prefixes.map((p) => `  - prefix: ${p.prefix}\n    labels:\n      nephio.org/prefix-kind: ${p.kind}\n`).join('');

const ipPrefix = (name: string, ni: string, prefix: string, kind: string): string =>
  `apiVersion: ipam.resource.nephio.org/v1alpha1\nkind: IPPrefix\nmetadata:\n  name: ${name}\n${local}spec:\n  kind: ${kind}\n  networkInstance:\n    name: ${ni}\n  prefix: ${prefix}\n`;

/** Hand-written `kind: pool` (with a length) and `kind: loopback` claims, as dnn-fn and Nephio's interface-fn make them. */
function writeClaims(dir: string, cluster: string, nf: string, claims: readonly { name: string; ni: string; kind: 'pool' | 'loopback'; length?: number }[]): void {
  writeFileSync(
    join(dir, 'claims.yaml'),
    claims
      .map(
        (c) =>
          `apiVersion: ipam.resource.nephio.org/v1alpha1\nkind: IPClaim\nmetadata:\n  name: ${nf}-${c.name}\n  namespace: ${nf}\n${local}spec:\n  kind: ${c.kind}\n  networkInstance:\n    name: ${c.ni}\n` +
          (c.length ? `  prefixLength: ${c.length}\n` : '') +
          `  selector:\n    matchLabels:\n      nephio.org/cluster-name: ${cluster}\n`,
      )
      .join('---\n'),
  );
}

/** claim name -> status.prefix */
function prefixesOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, c] of Object.entries(docsOf(dir, 'IPClaim'))) if (c.status?.prefix) out[name] = c.status.prefix as string;
  return out;
}

function range(cidr: string): [bigint, bigint] {
  const [a, len] = cidr.split('/');
  const v = a.split('.').reduce((n, o) => (n << 8n) + BigInt(o), 0n);
  return [v, v + (1n << BigInt(32 - Number(len))) - 1n];
}

function overlaps(cidrs: readonly string[]): string[] {
  const sorted = cidrs.map((c) => [c, ...range(c)] as const).sort((x, y) => (x[1] < y[1] ? -1 : 1));
  const out: string[] = [];
  for (let i = 1; i < sorted.length; i++) if (sorted[i][1] <= sorted[i - 1][2]) out.push(`${sorted[i - 1][0]} ${sorted[i][0]}`);
  return out;
}

describe('pool and loopback prefixes in the shared ledger', () => {
  it('packages of two clusters rendered concurrently: aligned, never overlapping, persistent; verify clean; wipe + rebuild; a dropped claim is released', async () => {
    const prefix = '/prefixes';
    const root = tmp();
    const networks = join(root, 'networks');
    // The UE pools come from an IPPrefix of kind pool (the kind is not a label: it is published too).
    writeNetworks(networks, prefix, [poolsNi('vpc-ue', [{ prefix: '10.255.0.0/24', kind: 'loopback' }]), ipPrefix('ue', 'vpc-ue', '10.64.0.0/16', 'pool')]);
    await renderOk(networks);
    const nfs: string[] = [];
    for (let i = 0; i < 6; i++) {
      const cluster = `edge${(i % 2) + 1}`;
      const dir = join(root, `${cluster}-nf${i}`);
      writeNf(dir, prefix, cluster, `nf${i}`, []);
      writeClaims(dir, cluster, `nf${i}`, [
        { name: 'ue-a', ni: 'vpc-ue', kind: 'pool', length: 20 },
        { name: 'ue-b', ni: 'vpc-ue', kind: 'pool', length: 24 + (i % 3) },
        { name: 'lo', ni: 'vpc-ue', kind: 'loopback' },
      ]);
      nfs.push(dir);
    }
    await Promise.all(nfs.map((d) => renderOk(d)));
    const all = nfs.flatMap((d) => Object.values(prefixesOf(d)));
    expect(all).toHaveLength(18);
    expect(overlaps(all)).toEqual([]);
    for (const p of all) {
      const [lo] = range(p);
      expect([p, lo % (1n << BigInt(32 - Number(p.split('/')[1])))]).toEqual([p, 0n]);
      expect(p.startsWith('10.255.0.') ? p.endsWith('/32') : p.startsWith('10.64.')).toBe(true);
    }
    const hashes = nfs.map(treeHash);
    await Promise.all(nfs.map((d) => renderOk(d)));
    expect(nfs.map(treeHash)).toEqual(hashes);
    expect(cli(prefix, 'verify', networks, ...nfs).status).toBe(0);
    const status = cli(prefix, 'status').stdout;
    expect(status).toMatch(/vpc-ue +10\.64\.0\.0\/16 +65536 +\d+ +\d+ +12 prefixes/);
    const somePool = prefixesOf(nfs[3])['nf3-ue-a'];
    expect(cli(prefix, 'who-has', somePool.split('/')[0]).stdout).toContain(`${somePool}  edge2/nf3/nf3-ue-a`);

    await client.txn([], [{ del: `${prefix}/`, end: prefixEnd(`${prefix}/`) }]);
    expect(cli(prefix, 'verify', networks, ...nfs).stdout).toMatch(/drift \(18\)/);
    expect(cli(prefix, 'rebuild', networks, ...nfs).status).toBe(0);
    expect(cli(prefix, 'verify', networks, ...nfs).status).toBe(0);
    await Promise.all(nfs.map((d) => renderOk(d)));
    expect(nfs.map(treeHash)).toEqual(hashes);

    // nf0 drops its /20: released in the ledger, and (next-fit) not handed to the next newcomer.
    const freed = prefixesOf(nfs[0])['nf0-ue-a'];
    writeClaims(nfs[0], 'edge1', 'nf0', [{ name: 'ue-b', ni: 'vpc-ue', kind: 'pool', length: 24 }, { name: 'lo', ni: 'vpc-ue', kind: 'loopback' }]);
    await renderOk(nfs[0]);
    const held = JSON.parse((await client.range(`${prefix}/v1/ni/vpc-ue/prefix/10.64.0.0%2F16`, `${prefix}/v1/ni/vpc-ue/prefix/10.64.0.0%2F16\0`))[0].value) as { held: Record<string, string[]> };
    expect(Object.keys(held.held)).not.toContain(freed);
    expect(Object.keys(held.held)).toHaveLength(11);
    writeClaims(nfs[0], 'edge1', 'nf0', [{ name: 'ue-b', ni: 'vpc-ue', kind: 'pool', length: 24 }, { name: 'lo', ni: 'vpc-ue', kind: 'loopback' }, { name: 'ue-c', ni: 'vpc-ue', kind: 'pool', length: 20 }]);
    await renderOk(nfs[0]);
    expect(prefixesOf(nfs[0])['nf0-ue-c']).not.toBe(freed);
    expect(overlaps(nfs.flatMap((d) => Object.values(prefixesOf(d))))).toEqual([]);
    expect(cli(prefix, 'verify', networks, ...nfs).status).toBe(0);
  });

  it('exhaustion names the pool; a Git-merge duplicate prefix fails naming both; files untouched', async () => {
    const prefix = '/prefix-errors';
    const root = tmp();
    const networks = join(root, 'networks');
    writeNetworks(networks, prefix, [ipPrefix('ue', 'vpc-ue', '10.80.0.0/22', 'pool')]);
    await renderOk(networks);
    const a = join(root, 'edge1-a');
    const b = join(root, 'edge2-b');
    writeNf(a, prefix, 'edge1', 'a', []);
    writeClaims(a, 'edge1', 'a', [{ name: 'ue', ni: 'vpc-ue', kind: 'pool', length: 23 }]);
    writeNf(b, prefix, 'edge2', 'b', []);
    writeClaims(b, 'edge2', 'b', [{ name: 'ue', ni: 'vpc-ue', kind: 'pool', length: 23 }, { name: 'ue2', ni: 'vpc-ue', kind: 'pool', length: 23 }]);
    await renderOk(a);
    const before = treeHash(b);
    const r = await render(b);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/no free \/23 block .*10\.80\.0\.0\/22/);
    expect(treeHash(b)).toBe(before);

    writeClaims(b, 'edge2', 'b', [{ name: 'ue', ni: 'vpc-ue', kind: 'pool', length: 23 }]);
    await renderOk(b);
    const file = join(b, 'claims.yaml');
    // Without ipam-fn's own record of the binding (a claim rendered before it kept one), so the
    // ledger is what catches these.
    const rendered = readFileSync(file, 'utf8').replace(/^ +netpipe\.dev\/allocated: .*\n/gm, '');
    const own = prefixesOf(b)['b-ue'];
    // The claim's recorded prefix edited: the ledger's record for the same claim says otherwise.
    writeFileSync(file, rendered.replace(/prefix: \S+/, `prefix: 10.80.0.0/23`));
    const edited = await render(b);
    expect(edited.status).not.toBe(0);
    expect(edited.output).toContain(`The shared ledger (etcd ${etcd.endpoints[0]} prefix ${prefix}) records ${own} for "IPClaim b/b-ue", the claim records 10.80.0.0/23`);
    // A Git-merge duplicate: another claim recording a's prefix.
    writeFileSync(file, `${rendered}---\n${rendered.replace(/name: b-ue/, 'name: b-dup').replace(/prefix: \S+/, `prefix: ${prefixesOf(a)['a-ue']}`)}`);
    const before2 = treeHash(b);
    const r2 = await render(b);
    expect(r2.status).not.toBe(0);
    expect(r2.output).toContain('edge1/a/a-ue');
    expect(r2.output).toContain('package edge1-a');
    expect(r2.output).toContain('b-dup');
    expect(treeHash(b)).toBe(before2);
  });
});

const network = (name: string, aggregates: readonly string[]): string =>
  `apiVersion: infra.nephio.org/v1alpha1\nkind: Network\nmetadata:\n  name: ${name}\n${local}spec:\n  topology: lab\n  routingTables:\n  - name: ${name}\n    prefixes:\n` +
  aggregates.map((a) => `    - prefix: ${a}\n`).join('');

/** cluster -> subnet of every carved IPPrefix of the package. */
function carvedOf(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of Object.values(docsOf(dir, 'IPPrefix'))) {
    if (p.metadata.annotations?.['netpipe.dev/carved-from']) out[(p.spec.labels as Record<string, string>)['nephio.org/cluster-name']] = p.spec.prefix as string;
  }
  return out;
}

describe('carved Network subnets in the shared ledger', () => {
  it('packages of four clusters, each with its copy of the Network, rendered concurrently: one subnet per cluster, disjoint, recorded in Git and the ledger; verify; wipe + rebuild', async () => {
    const prefix = '/carving';
    const root = tmp();
    const nfs: string[] = [];
    for (let i = 0; i < 8; i++) {
      const cluster = `edge${(i % 4) + 1}`;
      const dir = join(root, `${cluster}-nf${i}`);
      writeNf(dir, prefix, cluster, `nf${i}`, [{ name: 'n3', ni: 'vpc-ran', family: 'ipv4-only', untagged: true }]);
      writeFileSync(join(dir, 'network.yaml'), network('vpc-ran', ['172.2.0.0/16']));
      nfs.push(dir);
    }
    await Promise.all(nfs.map((d) => renderOk(d)));
    const byCluster = new Map<string, Set<string>>();
    for (const d of nfs) {
      const carved = carvedOf(d);
      const cluster = d.slice(d.lastIndexOf('/') + 1).split('-')[0];
      expect(Object.keys(carved)).toEqual([cluster]);
      (byCluster.get(cluster) ?? byCluster.set(cluster, new Set()).get(cluster)!).add(carved[cluster]);
      // The claim's address lies in its cluster's subnet.
      const [address] = Object.values(prefixesOf(d));
      expect(address.split('.').slice(0, 3).join('.')).toBe(carved[cluster].split('.').slice(0, 3).join('.'));
    }
    const subnets = [...byCluster.values()].map((s) => [...s]);
    expect(subnets.every((s) => s.length === 1)).toBe(true);
    expect(overlaps(subnets.flat())).toEqual([]);
    expect(subnets.flat().sort()).toEqual(['172.2.0.0/24', '172.2.1.0/24', '172.2.2.0/24', '172.2.3.0/24']);
    const addresses = nfs.flatMap((d) => Object.values(prefixesOf(d)));
    expect(new Set(addresses).size).toBe(8);
    const hashes = nfs.map(treeHash);
    await Promise.all(nfs.map((d) => renderOk(d)));
    expect(nfs.map(treeHash)).toEqual(hashes);
    expect(nfs.flatMap((d) => files(d)).filter((f) => f.includes('ipam-cursor'))).toEqual([]);
    expect(cli(prefix, 'verify', ...nfs).stdout).toContain('clean');
    expect(cli(prefix, 'status').stdout).toMatch(/vpc-ran +172\.2\.0\.0\/16 +edge\d +172\.2\.\d\.0\/24/);

    // A Git record that disagrees with the ledger fails naming both.
    const file = files(nfs[0]).find((f) => f.startsWith('ipprefix-'))!;
    const text = readFileSync(join(nfs[0], file), 'utf8');
    const own = carvedOf(nfs[0]).edge1;
    writeFileSync(join(nfs[0], file), text.replace(`prefix: ${own}`, 'prefix: 172.2.9.0/24'));
    const before = treeHash(nfs[0]);
    const r = await render(nfs[0]);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(new RegExp(`records 172\\.2\\.9\\.0/24 as the subnet of cluster edge1 .* the shared ledger records ${own.replace(/\./g, '\\.')}`));
    expect(treeHash(nfs[0])).toBe(before);
    writeFileSync(join(nfs[0], file), text);

    // A fifth cluster, and a package whose IPPrefix was never written (deleted): written back.
    rmSync(join(nfs[1], files(nfs[1]).find((f) => f.startsWith('ipprefix-'))!));
    const more = join(root, 'edge5-nf8');
    writeNf(more, prefix, 'edge5', 'nf8', [{ name: 'n3', ni: 'vpc-ran', family: 'ipv4-only', untagged: true }]);
    writeFileSync(join(more, 'network.yaml'), network('vpc-ran', ['172.2.0.0/16']));
    await Promise.all([renderOk(nfs[1]), renderOk(more)]);
    expect(treeHash(nfs[1])).toBe(hashes[1]);
    expect(carvedOf(more)).toEqual({ edge5: '172.2.4.0/24' });
    nfs.push(more);

    const hashes2 = nfs.map(treeHash);
    await client.txn([], [{ del: `${prefix}/`, end: prefixEnd(`${prefix}/`) }]);
    expect(cli(prefix, 'verify', ...nfs).stdout).toMatch(/cluster edge5 has subnet 172\.2\.4\.0\/24 of 172\.2\.0\.0\/16 in Git .* nothing in the ledger/);
    const rebuilt = cli(prefix, 'rebuild', ...nfs);
    expect(rebuilt.stdout).toContain('5 carved subnets');
    expect(cli(prefix, 'verify', ...nfs).status).toBe(0);
    await Promise.all(nfs.map((d) => renderOk(d)));
    expect(nfs.map(treeHash)).toEqual(hashes2);
    const again = JSON.parse((await client.range(`${prefix}/v1/ni/vpc-ran/subnets`, `${prefix}/v1/ni/vpc-ran/subnets\0`))[0].value) as { cursors: Record<string, string> };
    expect(again.cursors).toEqual({ '172.2.0.0/16': '172.2.4.255' });
  });
});
