/**
 * The ledger commands read packages as kpt renders them: what a package's `.krmignore` names
 * (a backup of claim files, say) is in no render, so `verify` and `rebuild` leave it out too.
 * Real `kpt fn render`, real etcd.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdCluster, startReady } from './etcd';
import { CLI, renderOk, treeHash, writeNetworksPackage, writeNfPackage } from './packages';

jest.setTimeout(120000);

let etcd: EtcdCluster;
const dir = mkdtempSync(join(tmpdir(), 'netpipe-krmignore-'));
beforeAll(async () => {
  const started = await startReady();
  etcd = started.etcd;
  started.client.close();
});
afterAll(async () => {
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('verify leaves out what .krmignore names, as the render does', async () => {
  const ledger = { endpoints: etcd.endpoints, prefix: '/krmignore' };
  const networks = join(dir, 'networks');
  writeNetworksPackage(networks, 'networks', [{ name: 'vpc-n3', prefixes: [{ prefix: '10.70.0.0/24' }] }], ledger);
  await renderOk(networks);
  const nf = join(dir, 'upf-a');
  writeNfPackage(nf, { name: 'upf-a', cluster: 'edge01', nf: 'upf', interfaces: [{ name: 'n3', ni: 'vpc-n3' }], ledger });
  await renderOk(nf);
  // A backup of the claim files from before a renumbering, kept out of renders by .krmignore.
  mkdirSync(join(nf, 'backup'));
  for (const f of readdirSync(nf).filter((f) => f.startsWith('ipclaim-'))) {
    writeFileSync(join(nf, 'backup', f), readFileSync(join(nf, f), 'utf8').replace(/10\.70\.0\.\d+\/24/g, '10.70.0.99/24'));
  }
  writeFileSync(join(nf, '.krmignore'), 'backup/\n');
  const tree = treeHash(nf);
  await renderOk(nf);
  expect(treeHash(nf)).toBe(tree);

  const verify = spawnSync('node', [CLI, 'ledger', 'verify', networks, nf, '--endpoints', etcd.endpoints[0]!, '--prefix', ledger.prefix], { encoding: 'utf8' });
  expect(verify.stdout + verify.stderr).toContain('clean');
  expect(verify.status).toBe(0);
});
