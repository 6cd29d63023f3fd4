/**
 * Networks published by Nephio's Network management package (catalog distros/sandbox/network):
 * rendered with the shared ledger it publishes its routing tables' aggregates, as a networks
 * package publishes pools; an NF package without a copy of the Network then carves its
 * per-cluster subnets from the published aggregates. Real `kpt fn render`, real etcd.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EtcdClient } from '../../functions/lib/src/ledger';
import { EtcdCluster, startReady } from './etcd';
import { CLI, files, initLedger, render, renderOk, treeHash } from './packages';
import { docs, Ledger, networkPackage, one, removeScratch, specialize, vlanIndexPackage } from './porch-variant';

jest.setTimeout(180000);

const PREFIX = '/published-networks';
let etcd: EtcdCluster;
let client: EtcdClient;
let ledger: Ledger;

beforeAll(async () => {
  ({ etcd, client } = await startReady());
  initLedger(etcd.endpoints, PREFIX);
  ledger = { endpoints: etcd.endpoints, prefix: PREFIX };
});

afterAll(async () => {
  client?.close();
  await etcd?.stop();
  removeScratch();
});


/** The UPF blueprint without the copies of the Networks it carries (network_*.yaml). */
function withoutNetworks(dir: string): string {
  for (const f of readdirSync(dir)) if (f.startsWith('network_')) rmSync(join(dir, f));
  return dir;
}

const published = async (ni: string): Promise<{ prefix: string; kind?: string; labels: Record<string, string> }[]> => {
  const kv = await client.range(`${PREFIX}/v1/ni/${ni}/pools`, `${PREFIX}/v1/ni/${ni}/pools\0`);
  return kv.length === 0 ? [] : (JSON.parse(kv[0]!.value) as { pools: { prefix: string; kind?: string; labels: Record<string, string> }[] }).pools;
};

const claims = (dir: string) =>
  docs(dir)
    .map(({ doc }) => doc)
    .filter((d) => d.kind === 'IPClaim' && d.status?.prefix)
    .map((d) => ({ name: d.metadata.name, prefix: String(d.status!.prefix), ni: String((d.spec!.networkInstance as { name: string }).name) }));

describe('Networks published by the Network management package', () => {
  /** The UPF package that carries its own copy of the Networks (first test). */
  let copyDir = '';

  it('the network package publishes its aggregates; NF packages with and without a copy of the Networks, rendered concurrently, carve disjoint subnets of them', async () => {
    const network = networkPackage(ledger);
    const out = await renderOk(network);
    // It holds nothing to allocate (kpt itself only drops the catalog files' trailing blanks).
    expect(out).toContain('ipam-fn: nothing to do');
    expect(files(network).sort()).toEqual(['Kptfile', 'README.md', 'package-context.yaml', 'vpc-cu-e1.yaml', 'vpc-cudu-f1.yaml', 'vpc-internal.yaml', 'vpc-internet.yaml', 'vpc-ran.yaml']);
    expect(await published('vpc-ran')).toEqual([
      { prefix: '172.2.0.0/16', kind: 'aggregate', gateway: null, exclusions: [], labels: { 'nephio.org/network-name': 'n2' } },
      { prefix: '172.3.0.0/16', kind: 'aggregate', gateway: null, exclusions: [], labels: { 'nephio.org/network-name': 'n3' } },
      { prefix: '172:2::/32', kind: 'aggregate', gateway: null, exclusions: [], labels: { 'nephio.org/network-name': 'n2' } },
      { prefix: '172:3::/32', kind: 'aggregate', gateway: null, exclusions: [], labels: { 'nephio.org/network-name': 'n3' } },
    ]);
    // vpc-internet: aggregates and the pool-kind prefixes (published as pools, as today).
    expect((await published('vpc-internet')).map((p) => `${p.prefix} ${p.kind ?? 'network'}`)).toEqual(['10.0.0.0/8 pool', '1000::/32 pool', '172.0.0.0/16 aggregate', '172::/32 aggregate']);

    for (const c of ['edge01', 'edge02']) await renderOk(vlanIndexPackage(c, ledger));
    const bare = withoutNetworks(specialize('workloads/free5gc/pkg-example-upf-bp', 'edge01', 'free5gc-upf', { ledger, downstream: 'free5gc-upf' }));
    const copy = specialize('workloads/free5gc/pkg-example-upf-bp', 'edge02', 'free5gc-upf', { ledger, downstream: 'free5gc-upf' });
    copyDir = copy;
    const [outBare] = await Promise.all([renderOk(bare), renderOk(copy)]);

    const bareClaims = claims(bare);
    const copyClaims = claims(copy);
    expect(bareClaims.map((c) => c.name).sort()).toEqual(['upf-edge01-n3-ipv4', 'upf-edge01-n4-ipv4', 'upf-edge01-n6-ipv4']);
    expect(copyClaims.map((c) => c.name).sort()).toEqual(['upf-edge02-n3-ipv4', 'upf-edge02-n4-ipv4', 'upf-edge02-n6-ipv4']);
    const n3 = (cs: typeof bareClaims) => cs.find((c) => c.name.endsWith('-n3-ipv4'))!.prefix;
    // Nephio's selector nephio.org/network-name: n3 picks the n3 aggregate; one /24 per cluster.
    expect(n3(bareClaims)).toMatch(/^172\.3\.\d+\.\d+\/24$/);
    expect(n3(copyClaims)).toMatch(/^172\.3\.\d+\.\d+\/24$/);
    expect(n3(bareClaims).split('.').slice(0, 3)).not.toEqual(n3(copyClaims).split('.').slice(0, 3));
    // Said where the aggregate came from.
    expect(outBare).toMatch(/routing table vpc-ran is not in this package: cluster edge01 draws from subnet 172\.3\.\d+\.0\/24 of aggregate 172\.3\.0\.0\/16, published in the shared ledger by package network; the subnet is recorded here as IPPrefix vpc-ran-edge01-172-3-\d+-0-24/);
    // Recorded in Git either way: beside the claim where the package has no Network.
    expect(files(bare).filter((f) => f.startsWith('ipprefix-vpc-ran-')).length).toBe(1);
    expect(files(copy).filter((f) => f.startsWith('ipprefix-vpc-ran-')).length).toBe(1);
    // Both carvings are the ledger's.
    const subnets = JSON.parse((await client.range(`${PREFIX}/v1/ni/vpc-ran/subnets`, `${PREFIX}/v1/ni/vpc-ran/subnets\0`))[0]!.value) as { carved: Record<string, Record<string, string>> };
    expect(Object.keys(subnets.carved['172.3.0.0/16']!).sort()).toEqual(['edge01', 'edge02']);

    const hashes = [treeHash(bare), treeHash(copy), treeHash(network)];
    await Promise.all([renderOk(bare), renderOk(copy), renderOk(network)]);
    expect([treeHash(bare), treeHash(copy), treeHash(network)]).toEqual(hashes);
    const verify = spawnSync('node', [CLI, 'ledger', 'verify', network, bare, copy, '--endpoints', etcd.endpoints[0]!, '--prefix', PREFIX], { encoding: 'utf8' });
    expect(verify.stdout + verify.stderr).toContain('clean');
    expect(verify.status).toBe(0);
  });

  it('an aggregate the Network drops passes to the NF package whose copy defines it; dropped there too, it is refused while clusters hold subnets carved from it, naming them; an unheld one is withdrawn', async () => {
    const network = networkPackage(ledger);
    await renderOk(network);
    // The UPF with its own copy renders last, so the ledger records that it defines the aggregates too.
    await renderOk(copyDir);
    const n3v6 = '    - prefix: 172:3::/32\n      labels:\n        nephio.org/network-name: n3\n';
    const n3v4 = '    - prefix: 172.3.0.0/16\n      labels:\n        nephio.org/network-name: n3\n';
    const text = readFileSync(join(network, 'vpc-ran.yaml'), 'utf8');
    expect(text).toContain(n3v6 + n3v4);
    writeFileSync(join(network, 'vpc-ran.yaml'), text.replace(n3v6 + n3v4, ''));
    const handed = await renderOk(network, ['--allow-exec', '--truncate-output=false']);
    for (const a of ['172.3.0.0/16', '172:3::/32']) {
      expect(handed).toContain(`aggregate ${a} of network instance vpc-ran stays published in etcd ${etcd.endpoints.join(',')} prefix ${PREFIX}: package network no longer defines it, and package free5gc-upf, which defines it too, publishes it now`);
    }
    expect((await published('vpc-ran')).map((p) => p.prefix)).toEqual(['172.2.0.0/16', '172.3.0.0/16', '172:2::/32', '172:3::/32']);

    // The copy drops the n3 aggregates too: nobody else defines them, and both clusters hold subnets of the IPv4 one.
    const copyFile = join(copyDir, 'network_vpc-ran.yaml');
    const copyText = readFileSync(copyFile, 'utf8');
    expect(copyText).toContain(n3v6 + n3v4);
    writeFileSync(copyFile, copyText.replace(n3v6 + n3v4, ''));
    const before = treeHash(copyDir);
    const keysBefore = await client.range(`${PREFIX}/`, `${PREFIX}0`);
    const r = await render(copyDir);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(
      /aggregate 172\.3\.0\.0\/16 of network instance vpc-ran cannot be withdrawn from etcd .*: package free5gc-upf no longer defines it, but 2 subnet\(s\) carved from it are still held: subnet 172\.3\.\d+\.0\/24 of cluster edge01; subnet 172\.3\.\d+\.0\/24 of cluster edge02\. Nothing was written/,
    );
    expect(treeHash(copyDir)).toBe(before);
    expect(await client.range(`${PREFIX}/`, `${PREFIX}0`)).toEqual(keysBefore);

    // The IPv6 n3 aggregate holds nothing (the UPFs are IPv4-only): it goes alone.
    writeFileSync(copyFile, copyText.replace(n3v6, ''));
    const out = await renderOk(copyDir, ['--allow-exec', '--truncate-output=false']);
    expect(out).toContain('aggregate 172:3::/32 of network instance vpc-ran was withdrawn from etcd');
    expect((await published('vpc-ran')).map((p) => p.prefix)).toEqual(['172.2.0.0/16', '172.3.0.0/16', '172:2::/32']);
  });

  it('a Network re-published with an aggregate that differs is refused, naming the difference; nothing is written', async () => {
    const network = networkPackage(ledger);
    await renderOk(network);
    const text = readFileSync(join(network, 'vpc-ran.yaml'), 'utf8');
    writeFileSync(join(network, 'vpc-ran.yaml'), text.replace('nephio.org/network-name: n3\n    - prefix: 172.3.0.0/16\n      labels:\n        nephio.org/network-name: n3', 'nephio.org/network-name: n3\n    - prefix: 172.3.0.0/16\n      labels:\n        nephio.org/network-name: n3x'));
    const before = treeHash(network);
    const r = await render(network);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/172\.3\.0\.0\/16 \(Network vpc-ran routing table vpc-ran\) of network instance vpc-ran differs from the definition published in etcd .* by package network: labels \{"nephio\.org\/network-name":"n3"\} in the ledger, \{"nephio\.org\/network-name":"n3x"\} here/);
    expect(treeHash(network)).toBe(before);
  });
});

describe('an NF package without its Networks and without the ledger', () => {
  it('fails naming both ways out: a copy of the Network in the package, or the shared ledger; nothing is written', async () => {
    const bare = withoutNetworks(specialize('workloads/free5gc/pkg-example-upf-bp', 'edge01', 'free5gc-upf', { downstream: 'free5gc-upf' }));
    const before = treeHash(bare);
    const r = await render(bare);
    expect(r.status).not.toBe(0);
    expect(r.output).toMatch(/IPClaim [a-z-]*\/?upf-edge01-n3-ipv4: network instance vpc-ran has no pools: .*add a copy of Network vpc-ran \(its routing table vpc-ran\) to this package, or configure the shared ledger \(ledgerEndpoints\)/);
    expect(treeHash(bare)).toBe(before);
    expect(one(bare, 'Interface', 'n3').status).toBeUndefined();
  });
});
