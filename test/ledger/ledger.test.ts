/**
 * The shared ledger against one real etcd: packages of several clusters rendered separately and
 * concurrently by real `kpt fn render` processes never share an address; faults leave files
 * untouched and lose nothing.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EtcdClient, prefixEnd } from '../../functions/lib/src/ledger';
import { EtcdCluster, startReady } from './etcd';
import { claimPrefixes, CLI, FN, render, renderOk, treeHash, writeInterfaces } from './packages';

const netpipe = (args: string[]) => spawnSync('node', [CLI, ...args], { encoding: 'utf8' });
import { Scenario } from './scenario';

// Real kpt processes, many at once: generous on a loaded machine.
jest.setTimeout(300000);

let etcd: EtcdCluster;
let client: EtcdClient;
const scenarios: Scenario[] = [];

beforeAll(async () => {
  ({ etcd, client } = await startReady());
});

afterAll(async () => {
  client?.close();
  await etcd?.stop();
  for (const s of scenarios) s.remove();
});

function scenario(prefix: string): Scenario {
  const s = new Scenario({ endpoints: etcd.endpoints, prefix });
  scenarios.push(s);
  return s;
}

const allPrefixes = (s: Scenario): Record<string, Record<string, string>> =>
  Object.fromEntries(s.packages.map((d) => [d, claimPrefixes(d)]));

describe('separate renders against one etcd', () => {
  it('20 packages of 4 clusters rendered concurrently: every claim allocated, no duplicates, re-render byte-identical', async () => {
    const s = scenario('/concurrent');
    await renderOk(s.networks);
    s.addNfs(20, 4, undefined, true);
    await Promise.all(s.packages.map((d) => renderOk(d)));
    const prefixes = allPrefixes(s);
    for (const d of s.packages) {
      const nf = d.slice(d.lastIndexOf('-') + 1);
      expect(Object.keys(prefixes[d]).sort()).toEqual([`${nf}-n3-ipv4`, `${nf}-n6-ipv4`, `${nf}-n6-ipv6`]);
    }
    expect(s.duplicates()).toEqual([]);
    const hashes = s.packages.map(treeHash);
    await Promise.all(s.packages.map((d) => renderOk(d)));
    expect(s.packages.map(treeHash)).toEqual(hashes);

    const cli = (...args: string[]) => netpipe(['ledger', ...args, '--endpoints', etcd.endpoints[0], '--prefix', '/concurrent']);
    const clean = cli('verify', s.networks, ...s.packages);
    expect(clean.stdout).toContain('clean');
    expect(clean.status).toBe(0);
    const status = JSON.parse(cli('status', '--json').stdout) as { ni: string; pool: string; used: number; carved: string }[];
    expect(status.map((r) => `${r.ni} ${r.pool} ${r.used}`)).toEqual(['vpc-n3 10.3.0.0/22 20', 'vpc-n6 10.6.0.0/23 20', 'vpc-n6 2001:db8:6::/64 20']);
    // Chunks of 64 addresses: the /22 has 16, the /64 2^58.
    expect(status.map((r) => r.carved.replace(/^\d+\//, 'N/'))).toEqual(['N/16 chunks', 'N/8 chunks', 'N/288230376151711744 chunks']);
    expect(cli('status').stdout).toMatch(/NETWORK INSTANCE +POOL +SIZE +USED +FREE +CARVED +CURSORS/);
    const someAddress = Object.values(claimPrefixes(s.packages[7])).find((p) => p.startsWith('10.3.'))!.split('/')[0];
    expect(cli('who-has', someAddress).stdout).toMatch(new RegExp(`vpc-n3 +${someAddress.replace(/\./g, '\\.')} +edge4/nf7/nf7-n3-ipv4 +edge4-nf7`));

    // The ledger lost: verify says so, rebuild restores it from Git, verify is clean, renders are no-ops.
    await client.txn([], [{ del: '/concurrent/', end: prefixEnd('/concurrent/') }]);
    const lost = cli('verify', s.networks, ...s.packages);
    expect(lost.status).toBe(1);
    expect(lost.stdout).toMatch(/drift \(60\)/);
    const rebuilt = cli('rebuild', s.networks, ...s.packages);
    expect(rebuilt.stdout).toContain('60 holdings');
    expect(cli('rebuild', s.networks, ...s.packages).stderr).toContain('not empty');
    expect(cli('verify', s.networks, ...s.packages).status).toBe(0);
    const more = s.addNfs(4, 4, undefined, true);
    await Promise.all(more.map((d) => renderOk(d)));
    expect(s.duplicates()).toEqual([]);

    // Deleting a package needs an explicit release.
    const gone = s.packages.pop()!;
    const orphaned = cli('verify', s.networks, ...s.packages);
    expect(orphaned.status).toBe(1);
    expect(orphaned.stdout).toMatch(/orphans \(3\)/);
    expect(cli('release', '--package', gone.slice(gone.lastIndexOf('/') + 1)).stdout).toContain('released');
    expect(cli('verify', s.networks, ...s.packages).status).toBe(0);
  });

  it('a networks package publishes its pools; an NF package whose own copy differs fails naming the difference', async () => {
    const s = scenario('/pools');
    await renderOk(s.networks);
    const [nf] = s.addNfs(1, 1);
    writeFileSync(
      join(nf, 'copy-of-n3.yaml'),
      'apiVersion: ipam.resource.nephio.org/v1alpha1\nkind: NetworkInstance\nmetadata:\n  name: vpc-n3\n  annotations:\n    config.kubernetes.io/local-config: "true"\nspec:\n  prefixes:\n  - prefix: 10.3.0.0/22\n    gateway: 10.3.3.254\n',
    );
    const before = treeHash(nf);
    const r = await render(nf);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('10.3.0.0/22');
    expect(r.output).toMatch(/gateway 10\.3\.0\.1 in the ledger, 10\.3\.3\.254 here/);
    expect(treeHash(nf)).toBe(before);
  });

  it('removing an Interface releases its address in the ledger; the freed address is reused last', async () => {
    const s = scenario('/release');
    await renderOk(s.networks);
    const [nf] = s.addNfs(1, 1, [{ name: 'n3', ni: 'vpc-n3' }, { name: 'n3b', ni: 'vpc-n3' }]);
    await renderOk(nf);
    const first = claimPrefixes(nf);
    const freed = first['nf0-n3b-ipv4'];
    expect(freed).toBeDefined();
    writeInterfaces(nf, 'nf0', [{ name: 'n3', ni: 'vpc-n3' }]);
    await renderOk(nf);
    const owners = await client.range('/release/v1/ni/vpc-n3/owner/', prefixEnd('/release/v1/ni/vpc-n3/owner/'));
    expect(owners.map((kv) => JSON.parse(kv.value).address + '/22')).toEqual([first['nf0-n3-ipv4']]);
    writeInterfaces(nf, 'nf0', [{ name: 'n3', ni: 'vpc-n3' }, { name: 'n3c', ni: 'vpc-n3' }]);
    await renderOk(nf);
    const now = claimPrefixes(nf);
    expect(now['nf0-n3-ipv4']).toBe(first['nf0-n3-ipv4']);
    expect(now['nf0-n3c-ipv4']).not.toBe(freed);
  });

  it('etcd stopped: the render fails naming the ledger, files untouched; restarted: nothing lost', async () => {
    const s = scenario('/faults');
    await renderOk(s.networks);
    const [a, b] = s.addNfs(2, 2);
    await renderOk(a);
    const aPrefixes = claimPrefixes(a);
    const bBefore = treeHash(b);
    await etcd.members[0].stop();
    try {
      const r = await render(b);
      expect(r.status).not.toBe(0);
      expect(r.output).toContain(`shared address ledger (etcd ${etcd.endpoints[0]}, prefix /faults)`);
      expect(r.output).toMatch(/Nothing was allocated and no file changed/);
      expect(treeHash(b)).toBe(bBefore);
    } finally {
      etcd.members[0].start();
      await etcd.ready(15000, async () => (await client.range('/', '0'), true));
    }
    await renderOk(b);
    expect(s.duplicates()).toEqual([]);
    const aHash = treeHash(a);
    await renderOk(a);
    expect(treeHash(a)).toBe(aHash);
    expect(claimPrefixes(a)).toEqual(aPrefixes);
  });

  it('a render killed after its commit: the next render gets the same addresses back', async () => {
    const s = scenario('/killed');
    await renderOk(s.networks);
    const [nf] = s.addNfs(1, 1);
    // The functions run by hand on kpt's ResourceList, output thrown away: the ledger committed,
    // the files were never written - what a SIGKILL between commit and write leaves behind.
    const list = spawnSync('kpt', ['fn', 'source', nf], { encoding: 'utf8' }).stdout;
    const claims = spawnSync('node', [FN.interface], { input: list, encoding: 'utf8' }).stdout;
    const config = `functionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: ledger\n  data:\n    ledgerEndpoints: ${etcd.endpoints[0]}\n    ledgerPrefix: /killed\n`;
    const allocated = spawnSync('node', [FN.ipam], { input: `${claims.replace(/\n?$/, '\n')}${config}`, encoding: 'utf8' });
    expect(allocated.status).toBe(0);
    const lost = [...allocated.stdout.matchAll(/^ +prefix: (\S+\/\d+)$/gm)].map((m) => m[1]).sort();
    expect(lost).toHaveLength(3);
    expect(Object.keys(claimPrefixes(nf))).toEqual([]);
    await renderOk(nf);
    expect(Object.values(claimPrefixes(nf)).sort()).toEqual(lost);
  });

  it('a Git-merge duplicate between two packages: the second render fails naming both', async () => {
    const s = scenario('/merge');
    await renderOk(s.networks);
    const [a, b] = s.addNfs(2, 2, [{ name: 'n3', ni: 'vpc-n3' }]);
    await renderOk(a);
    await renderOk(b);
    const aAddr = claimPrefixes(a)['nf0-n3-ipv4'];
    const bFile = join(b, 'ipclaim-nf1-n3-ipv4.yaml');
    const text = readFileSync(bFile, 'utf8');
    // A merge brings the other branch's claim whole: its status and ipam-fn's record of it.
    writeFileSync(bFile, text.replace(/prefix: \S+/, `prefix: ${aAddr}`).replace(/netpipe\.dev\/allocated: \S+/, `netpipe.dev/allocated: ${aAddr}`));
    const before = treeHash(b);
    const r = await render(b);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('edge1/nf0/nf0-n3-ipv4');
    expect(r.output).toContain('IPClaim nf1/nf1-n3-ipv4');
    expect(r.output).toContain('edge1-nf0');
    expect(r.output).toContain('edge2-nf1');
    expect(treeHash(b)).toBe(before);
    rmSync(bFile);
  });

});
