/**
 * `netpipe ledger release --package` of a deleted package: its holdings sit under the package and
 * under `<package>/<subpackage>`, and all of them go; `--dry-run` lists them and writes nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdClient, LedgerKeys, prefixEnd } from '../../functions/lib/src/ledger';
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

/**
 * Every kind of holding a release frees, on records in the ledger's own layout: addresses in
 * chunks (one chunk goes: nothing was allocated from it), a pool claim's prefix, a package's
 * share of VLAN IDs, then one VLAN binding and one carved subnet by `--owner`.
 */
describe('release of every holding kind', () => {
  const P = '/release-kinds';
  const keys = new LedgerKeys(P);
  const NI = 'vpc-n3';
  const owner = (address: string, pkg: string, extra: Record<string, unknown> = {}) => ({ address, prefix: `${address}/24`, pool: '10.3.0.0/24', cluster: 'edge1', package: pkg, ...extra });
  const seed: Record<string, unknown> = {
    [keys.pools(NI)]: {
      pools: [
        { prefix: '10.3.0.0/24', gateway: '10.3.0.1', exclusions: [], labels: {} },
        { prefix: '10.4.0.0/24', kind: 'pool', gateway: null, exclusions: [], labels: {} },
      ],
      package: 'networks',
    },
    [keys.owner(NI, 'edge1/ns/a')]: owner('10.3.0.2', 'cu'),
    [keys.owner(NI, 'edge1/ns/b')]: owner('10.3.0.3', 'cu/up'),
    [keys.owner(NI, 'edge1/ns/c')]: owner('10.3.0.70', 'other'),
    [keys.owner(NI, 'edge1/ns/d')]: owner('10.3.0.130', 'cu'),
    [keys.owner(NI, 'edge1/ns/p')]: { address: '10.4.0.0/28', prefix: '10.4.0.0/28', pool: '10.4.0.0/24', cluster: 'edge1', package: 'cu', block: true },
    [keys.owner(NI, 'edge1/ns/q')]: { address: '10.4.0.16/28', prefix: '10.4.0.16/28', pool: '10.4.0.0/24', cluster: 'edge1', package: 'other', block: true },
    [keys.chunk(NI, '10.3.0.0/24', 0n)]: { cluster: 'edge1', cursor: 3, held: { 2: ['edge1/ns/a', 'cu'], 3: ['edge1/ns/b', 'cu/up'] } },
    [keys.chunk(NI, '10.3.0.0/24', 1n)]: { cluster: 'edge1', cursor: 6, held: { 6: ['edge1/ns/c', 'other'] } },
    // Adopted, never allocated from: it goes once it holds nothing.
    [keys.chunk(NI, '10.3.0.0/24', 2n)]: { cluster: 'edge1', cursor: null, held: { 2: ['edge1/ns/d', 'cu'] } },
    [keys.prefixPool(NI, '10.4.0.0/24')]: { cursor: '10.4.0.31', held: { '10.4.0.0/28': ['edge1/ns/p', 'cu'], '10.4.0.16/28': ['edge1/ns/q', 'other'] } },
    [keys.vlan('vi')]: {
      definition: { min: 100, max: 200, exclude: [] },
      package: 'networks',
      cursor: 101,
      held: { 100: { binding: 'bd1', holders: [['cu', 'edge1'], ['other', 'edge1']] }, 101: { binding: 'bd2', holders: [['cu', 'edge1']] } },
    },
    [keys.subnets('rt')]: { cursors: { '10.9.0.0/16': '10.9.1.255' }, carved: { '10.9.0.0/16': { edge1: '10.9.0.0/24', edge2: '10.9.1.0/24' } } },
    [keys.package('cu')]: { holdings: [{ ni: NI, owner: 'edge1/ns/a' }, { ni: NI, owner: 'edge1/ns/d' }, { ni: NI, owner: 'edge1/ns/p' }], vlans: ['vi'] },
    [keys.package('cu/up')]: { holdings: [{ ni: NI, owner: 'edge1/ns/b' }] },
    [keys.package('other')]: { holdings: [{ ni: NI, owner: 'edge1/ns/c' }, { ni: NI, owner: 'edge1/ns/q' }], vlans: ['vi'] },
  };
  const run = (...args: string[]) => spawnSync('node', [CLI, 'ledger', ...args, '--endpoints', etcd.endpoints[0], '--prefix', P], { encoding: 'utf8' });
  const records = async (): Promise<Record<string, unknown>> =>
    Object.fromEntries((await client.range(`${P}/`, prefixEnd(`${P}/`))).filter((kv) => kv.key !== keys.init()).map((kv) => [kv.key, JSON.parse(kv.value)]));

  beforeAll(async () => {
    initLedger(etcd.endpoints, P);
    await client.txn([], Object.entries(seed).map(([k, v]) => ({ put: k, value: JSON.stringify(v) })));
  });

  it('--package frees its addresses, prefixes and VLAN shares, subpackages included, and nothing of others', async () => {
    const r = run('release', '--package', 'cu', '--json');
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      { ni: 'vlan:vi', address: '100', owner: 'bd1', package: 'cu' },
      { ni: 'vlan:vi', address: '101', owner: 'bd2', package: 'cu' },
      { ni: NI, address: '10.3.0.2', owner: 'edge1/ns/a', package: 'cu' },
      { ni: NI, address: '10.3.0.3', owner: 'edge1/ns/b', package: 'cu/up' },
      { ni: NI, address: '10.3.0.130', owner: 'edge1/ns/d', package: 'cu' },
      { ni: NI, address: '10.4.0.0/28', owner: 'edge1/ns/p', package: 'cu' },
    ]);
    const after = await records();
    const expected = { ...seed };
    for (const o of ['a', 'b', 'd', 'p']) delete expected[keys.owner(NI, `edge1/ns/${o}`)];
    delete expected[keys.chunk(NI, '10.3.0.0/24', 2n)];
    delete expected[keys.package('cu')];
    delete expected[keys.package('cu/up')];
    // The cursor stays: released addresses are reused once every chunk was carved.
    expected[keys.chunk(NI, '10.3.0.0/24', 0n)] = { cluster: 'edge1', cursor: 3, held: {} };
    expected[keys.prefixPool(NI, '10.4.0.0/24')] = { cursor: '10.4.0.31', held: { '10.4.0.16/28': ['edge1/ns/q', 'other'] } };
    expected[keys.vlan('vi')] = { definition: { min: 100, max: 200, exclude: [] }, package: 'networks', cursor: 101, held: { 100: { binding: 'bd1', holders: [['other', 'edge1']] } } };
    expect(after).toEqual(expected);
    expect(run('release', '--package', 'cu').stdout).toBe('nothing to release\n');
  });

  it('--owner frees one VLAN binding for every package, and one carved subnet', async () => {
    const vlan = run('release', '--owner', 'bd1', '--json');
    expect(JSON.parse(vlan.stdout)).toEqual([{ ni: 'vlan:vi', address: '100', owner: 'bd1', package: 'other' }]);
    const subnet = run('release', '--owner', 'subnet:edge2/rt/10.9.0.0/16', '--json');
    expect(JSON.parse(subnet.stdout)).toEqual([{ ni: 'rt', address: '10.9.1.0/24', owner: 'subnet:edge2/rt/10.9.0.0/16', package: '' }]);
    const after = await records();
    expect(after[keys.vlan('vi')]).toEqual({ definition: { min: 100, max: 200, exclude: [] }, package: 'networks', cursor: 101, held: {} });
    // The package no longer holds an ID in the index: the index leaves its record.
    expect(after[keys.package('other')]).toEqual({ holdings: [{ ni: NI, owner: 'edge1/ns/c' }, { ni: NI, owner: 'edge1/ns/q' }] });
    expect(after[keys.subnets('rt')]).toEqual({ cursors: { '10.9.0.0/16': '10.9.1.255' }, carved: { '10.9.0.0/16': { edge1: '10.9.0.0/24' } } });
    // Record bytes as renders write them (key order is part of the layout).
    const bytes = (await client.range(`${P}/`, prefixEnd(`${P}/`))).map((kv) => `${kv.key}=${kv.value}`);
    expect(bytes).toContain(`${keys.vlan('vi')}={"definition":{"min":100,"max":200,"exclude":[]},"package":"networks","cursor":101,"held":{}}`);
    expect(bytes).toContain(`${keys.package('other')}={"holdings":[{"ni":"vpc-n3","owner":"edge1/ns/c"},{"ni":"vpc-n3","owner":"edge1/ns/q"}]}`);
    expect(bytes).toContain(`${keys.chunk(NI, '10.3.0.0/24', 0n)}={"cluster":"edge1","cursor":3,"held":{}}`);
  });
});
