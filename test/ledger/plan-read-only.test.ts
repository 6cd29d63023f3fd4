/**
 * `netpipe plan` on packages that use the shared ledger: the preview render reads the ledger and
 * writes nothing to it, and shows the addresses the next real render then gets; a package whose
 * ledger step is an image step (kpt gives those no environment) is refused before anything runs.
 * Real `kpt fn render`, real etcd.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdClient, prefixEnd } from '../../functions/lib/src/ledger/etcd';
import { EtcdCluster, startReady } from './etcd';
import { claimPrefixes, CLI, renderOk, treeHash, writeNetworksPackage, writeNfPackage } from './packages';

jest.setTimeout(120000);

let etcd: EtcdCluster;
let client: EtcdClient;
const dir = mkdtempSync(join(tmpdir(), 'netpipe-plan-ledger-'));
beforeAll(async () => {
  ({ etcd, client } = await startReady());
});
afterAll(async () => {
  client?.close();
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const dump = async (prefix: string) => (await client.range(`${prefix}/`, prefixEnd(`${prefix}/`))).map((kv) => `${kv.key}@${kv.modRevision}=${kv.value}`);
const plan = (...args: string[]) => spawnSync('node', [CLI, 'plan', ...args], { encoding: 'utf8' });

it('plans a ledger package without writing the ledger; the render then gets the addresses the plan showed', async () => {
  const ledger = { endpoints: etcd.endpoints, prefix: '/plan' };
  const networks = join(dir, 'networks');
  writeNetworksPackage(networks, 'networks', [{ name: 'vpc-n3', prefixes: [{ prefix: '10.60.0.0/24' }] }], ledger);
  await renderOk(networks);
  const nf = join(dir, 'upf-a');
  writeNfPackage(nf, { name: 'upf-a', cluster: 'edge01', nf: 'upf', interfaces: [{ name: 'n3', ni: 'vpc-n3' }, { name: 'n4', ni: 'vpc-n3' }], ledger });

  const keys = await dump(ledger.prefix);
  const tree = treeHash(nf);
  const first = plan(nf);
  expect(first.status).toBe(0);
  const shown = [...first.stdout.matchAll(/upf (n3|n4) ipv4 gets (10\.60\.0\.\d+) /g)].map((m) => `${m[1]} ${m[2]}`).sort();
  expect(shown).toHaveLength(2);
  // Nothing reserved, nothing written: planning again shows the same.
  expect(await dump(ledger.prefix)).toEqual(keys);
  expect(treeHash(nf)).toBe(tree);
  expect(plan(nf).stdout).toBe(first.stdout);

  await renderOk(nf);
  const got = claimPrefixes(nf);
  expect([`n3 ${got['upf-n3-ipv4']!.split('/')[0]}`, `n4 ${got['upf-n4-ipv4']!.split('/')[0]}`].sort()).toEqual(shown);
  expect(plan(nf).stdout).toContain('nothing to do');
});

it('refuses a package whose ledger step is an image step, naming it; nothing runs and nothing is written', async () => {
  const ledger = { endpoints: etcd.endpoints, prefix: '/plan-image' };
  const nf = join(dir, 'upf-image');
  writeNfPackage(nf, { name: 'upf-image', cluster: 'edge01', nf: 'upf', interfaces: [{ name: 'n3', ni: 'vpc-n3' }], ledger, image: { interface: 'localhost/netpipe/interface-fn:never-pulled', ipam: 'localhost/netpipe/ipam-fn:never-pulled' } });
  const keys = await dump(ledger.prefix);
  const r = plan(nf);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/cannot plan .*upf-image without writing the shared ledger: pipeline\.mutators\[1\] of Kptfile \(image localhost\/netpipe\/ipam-fn:never-pulled\) uses it, and kpt gives image functions no environment.*nothing was run/);
  expect(await dump(ledger.prefix)).toEqual(keys);

  // The same step with its configuration in a file (configPath) is found as well.
  const kptfile = readFileSync(join(nf, 'Kptfile'), 'utf8');
  const inline = kptfile.slice(kptfile.indexOf('    configMap:\n'));
  const data = inline.split('\n').slice(1).filter((l) => l.trim() !== '').map((l) => `  ${l.trim()}`).join('\n');
  writeFileSync(join(nf, 'Kptfile'), kptfile.replace(inline, '    configPath: ledger.yaml\n'));
  writeFileSync(join(nf, 'ledger.yaml'), `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ledger\n  annotations:\n    config.kubernetes.io/local-config: "true"\ndata:\n${data}\n`);
  const byPath = plan(nf);
  expect(byPath.status).toBe(2);
  expect(byPath.stderr).toContain('pipeline.mutators[1] of Kptfile (image localhost/netpipe/ipam-fn:never-pulled) uses it');
});
