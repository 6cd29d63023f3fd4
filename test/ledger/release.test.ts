/**
 * `netpipe ledger release --package` of a deleted package: its holdings sit under the package and
 * under `<package>/<subpackage>`, and all of them go; `--dry-run` lists them and writes nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdClient, prefixEnd } from '../../functions/lib/src/ledger';
import { EtcdCluster, startReady } from './etcd';
import { CLI, initLedger, LedgerSettings, renderOk, writeInterfaces, writeNetworksPackage, writeNfPackage } from './packages';

jest.setTimeout(120000);

let etcd: EtcdCluster;
let client: EtcdClient;
const dirs: string[] = [];
const PREFIX = '/release';

beforeAll(async () => {
  ({ etcd, client } = await startReady());
  initLedger(etcd.endpoints, PREFIX);
});

afterAll(async () => {
  client?.close();
  await etcd?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const cli = (...args: string[]) => spawnSync('node', [CLI, 'ledger', ...args, '--endpoints', etcd.endpoints[0], '--prefix', PREFIX], { encoding: 'utf8' });
const ledgerKeys = async () => (await client.range(`${PREFIX}/`, prefixEnd(`${PREFIX}/`))).map((kv) => `${kv.key}=${kv.value}`);

it('releases a package with its subpackages; --dry-run only lists them', async () => {
  const root = mkdtempSync(join(tmpdir(), 'netpipe-release-'));
  dirs.push(root);
  const ledger: LedgerSettings = { endpoints: etcd.endpoints, prefix: PREFIX };
  const networks = join(root, 'networks');
  writeNetworksPackage(networks, 'networks', [{ name: 'vpc-n3', prefixes: [{ prefix: '10.3.0.0/24' }] }], ledger);
  await renderOk(networks);
  // Package `cu` with a subpackage `cu/up`, rendered as one (the subpackage has no pipeline).
  const cu = join(root, 'cu');
  writeNfPackage(cu, { name: 'cu', cluster: 'edge1', nf: 'cucp', interfaces: [{ name: 'n3', ni: 'vpc-n3' }], ledger });
  const up = join(cu, 'up');
  writeNfPackage(up, { name: 'up', cluster: 'edge1', nf: 'cuup', interfaces: [], ledger });
  writeFileSync(join(up, 'Kptfile'), 'apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: up\n  annotations:\n    config.kubernetes.io/local-config: "true"\n');
  writeInterfaces(up, 'cuup', [{ name: 'n3', ni: 'vpc-n3' }]);
  await renderOk(cu);
  const status = JSON.parse(cli('status', '--json').stdout) as { ni: string; used: number }[];
  expect(status.find((r) => r.ni === 'vpc-n3')?.used).toBe(2);

  // The package is deleted from Git: both holdings are orphans.
  rmSync(cu, { recursive: true });
  expect(cli('verify', networks).stdout).toMatch(/orphans \(2\)/);

  const before = await ledgerKeys();
  const dry = cli('release', '--package', 'cu', '--dry-run');
  expect(dry.status).toBe(0);
  expect(dry.stdout).toMatch(/^would release \(nothing written\):/);
  expect(dry.stdout).toMatch(/vpc-n3 +10\.3\.0\.\d+ +edge1\/cucp\/cucp-n3-ipv4 +cu\n/);
  expect(dry.stdout).toMatch(/vpc-n3 +10\.3\.0\.\d+ +edge1\/cuup\/cuup-n3-ipv4 +cu\/up\n/);
  expect(await ledgerKeys()).toEqual(before);

  const rel = cli('release', '--package', 'cu');
  expect(rel.stdout).toMatch(/^released:/);
  expect(rel.stdout).toContain('cu/up');
  const clean = cli('verify', networks);
  expect(clean.stdout).toContain('clean');
  expect(clean.status).toBe(0);
  expect(cli('release', '--package', 'cu').stdout).toBe('nothing to release\n');
});
