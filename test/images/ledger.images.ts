/**
 * The ipam-fn image reaches the shared ledger when kpt allows it network access
 * (`kpt fn render --allow-network`; Porch function pods have cluster networking), and without
 * network access it fails with a result that says so, leaving the package untouched.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { EtcdCluster, etcdAvailable, startReady } from '../ledger/etcd';
import { claimPrefixes, render, renderOk, treeHash, writeNetworksPackage, writeNfPackage } from '../ledger/packages';
import { NETWORKS, NF_INTERFACES, Scenario } from '../ledger/scenario';

const ROOT = join(__dirname, '..', '..');
let etcd: EtcdCluster;
let scenario: Scenario | undefined;
let image = '';

beforeAll(async () => {
  if (!etcdAvailable()) throw new Error('etcd is not installed: `apt-get install -y etcd-server` (scripts/setup.sh does)');
  const args = [join(ROOT, 'scripts', 'images.mjs'), '--json', 'ipam-fn'];
  if (process.env.IMAGES_TEST_FUNCTIONS_DIR) args.push('--functions-dir', process.env.IMAGES_TEST_FUNCTIONS_DIR);
  const built = spawnSync('node', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (built.status !== 0) throw new Error(`scripts/images.mjs failed:\n${built.stderr}`);
  const summary = JSON.parse(built.stdout) as { engine: string; images: { name: string; image: string }[] };
  if (summary.engine !== 'podman') throw new Error(`this test drives podman; images.mjs picked ${summary.engine}`);
  image = summary.images.find((i) => i.name === 'ipam-fn')!.image;
  const started = await startReady({ listenAll: true });
  etcd = started.etcd;
  started.client.close();
});

afterAll(async () => {
  await etcd?.stop();
  scenario?.remove();
});

it('kpt fn render --allow-network: the image allocates through the ledger; without network access it fails naming the ledger, files untouched', async () => {
  const port = etcd.endpoints[0].split(':').pop();
  scenario = new Scenario({ endpoints: etcd.endpoints, prefix: '/image' });
  const s = scenario;
  writeNetworksPackage(s.networks, 'networks', NETWORKS, { endpoints: etcd.endpoints, prefix: '/image' });
  await renderOk(s.networks);
  // From inside the container the host is host.containers.internal, not 127.0.0.1 (the Scenario initialised /image).
  const ledger = { endpoints: [`http://host.containers.internal:${port}`], prefix: '/image', skipInit: true };
  const dirs = ['edge1', 'edge2'].map((cluster) => {
    const dir = join(s.dir, `${cluster}-upf`);
    writeNfPackage(dir, { name: `${cluster}-upf`, cluster, nf: 'upf', interfaces: NF_INTERFACES, ledger, image: { interface: '', ipam: image }, claimsOnly: true });
    s.packages.push(dir);
    return dir;
  });
  const env = { ...process.env, KPT_FN_RUNTIME: 'podman' };

  const before = treeHash(dirs[0]);
  const closed = await render(dirs[0], [], env);
  expect(closed.status).not.toBe(0);
  expect(closed.output).toMatch(/shared address ledger \(etcd http:\/\/host\.containers\.internal:\d+, prefix \/image\) cannot be used/);
  expect(closed.output).toContain('--allow-network');
  expect(treeHash(dirs[0])).toBe(before);

  for (const d of dirs) await renderOk(d, ['--allow-network'], env);
  expect(dirs.map((d) => Object.keys(claimPrefixes(d)).length)).toEqual([3, 3]);
  expect(s.duplicates()).toEqual([]);
  const hashes = dirs.map(treeHash);
  for (const d of dirs) await renderOk(d, ['--allow-network'], env);
  expect(dirs.map(treeHash)).toEqual(hashes);
});
