/**
 * A pool removed from the networks package that published it: withdrawn from the ledger when
 * nothing is held in it (new claims stop getting it), refused while addresses are held, naming
 * the holders, with nothing written. Real `kpt fn render`, real etcd; the race against a
 * concurrent reservation uses etcd's own range compare.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdClient, prefixEnd, TxnOp } from '../../functions/lib/src/ledger/etcd';
import type { Compare, TxnResult } from '../../functions/lib/src/ledger/etcd';
import { LedgerKeys } from '../../functions/lib/src/ledger/keys';
import { withdrawRemovedPools } from '../../functions/lib/src/ledger/withdraw';
import type { KubeObject } from '../../functions/lib/src/kube/object';
import { EtcdCluster, startReady } from './etcd';
import { claimPrefixes, CLI, initLedger, render, renderOk, treeHash, writeNetworksPackage, writeNfPackage } from './packages';

jest.setTimeout(120000);

let etcd: EtcdCluster;
let client: EtcdClient;
const dir = mkdtempSync(join(tmpdir(), 'netpipe-pool-removed-'));
beforeAll(async () => {
  ({ etcd, client } = await startReady());
});
afterAll(async () => {
  client?.close();
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const dump = async (prefix: string) => (await client.range(`${prefix}/`, prefixEnd(`${prefix}/`))).map((kv) => `${kv.key}=${kv.value}`);
const published = async (prefix: string, ni: string) => {
  const kv = await client.get(`${prefix}/v1/ni/${ni}/pools`);
  return kv ? (JSON.parse(kv.value) as { pools: { prefix: string }[] }).pools.map((p) => p.prefix) : [];
};

it('a held pool is refused naming its holders and nothing is written; once released it is withdrawn and new claims no longer get it', async () => {
  const ledger = { endpoints: etcd.endpoints, prefix: '/removed' };
  const networks = join(dir, 'networks');
  writeNetworksPackage(networks, 'networks', [{ name: 'vpc-n3', prefixes: [{ prefix: '10.30.0.0/24' }] }], ledger);
  await renderOk(networks);
  const nf = join(dir, 'upf-a');
  writeNfPackage(nf, { name: 'upf-a', cluster: 'edge01', nf: 'upf', interfaces: [{ name: 'n3', ni: 'vpc-n3' }], ledger });
  await renderOk(nf);
  const held = claimPrefixes(nf)['upf-n3-ipv4'];
  expect(held).toMatch(/^10\.30\.0\.\d+\/24$/);

  // Widen by a new pool and drop the old one in one edit, as a user would.
  writeNetworksPackage(networks, 'networks', [{ name: 'vpc-n3', prefixes: [{ prefix: '10.3.0.0/24' }] }], ledger);
  const keysBefore = await dump(ledger.prefix);
  const treeBefore = treeHash(networks);
  const refused = await render(networks);
  expect(refused.status).not.toBe(0);
  expect(refused.output).toMatch(
    new RegExp(
      `pool 10\\.30\\.0\\.0/24 of network instance vpc-n3 cannot be withdrawn from etcd .* prefix /removed: package networks no longer defines it, but 1 address\\(es\\) in it are still held: ${held!.split('/')[0]!.replace(/\./g, '\\.')} \\(claim edge01/[^ ]*upf-n3-ipv4[^ ]*, package upf-a\\)\\. Nothing was written`,
    ),
  );
  expect(await dump(ledger.prefix)).toEqual(keysBefore);
  expect(treeHash(networks)).toBe(treeBefore);
  expect(await published(ledger.prefix, 'vpc-n3')).toEqual(['10.30.0.0/24']);

  // The package is gone: release its holdings, and the pool can go.
  rmSync(nf, { recursive: true, force: true });
  const rel = spawnSync('node', [CLI, 'ledger', 'release', '--package', 'upf-a', '--endpoints', etcd.endpoints[0]!, '--prefix', ledger.prefix], { encoding: 'utf8' });
  expect(rel.status).toBe(0);
  const out = await renderOk(networks);
  expect(out).toContain('pool 10.30.0.0/24 of network instance vpc-n3 was withdrawn from etcd');
  expect(out).toContain('package networks no longer defines it and nothing was held in it');
  expect(await published(ledger.prefix, 'vpc-n3')).toEqual(['10.3.0.0/24']);
  // Nothing of the withdrawn pool is left: no chunk, no carving cursor, no affinity to it.
  expect((await dump(ledger.prefix)).filter((kv) => kv.includes('10.30.0.0'))).toEqual([]);

  const nf2 = join(dir, 'upf-b');
  writeNfPackage(nf2, { name: 'upf-b', cluster: 'edge01', nf: 'upf2', interfaces: [{ name: 'n3', ni: 'vpc-n3' }], ledger });
  await renderOk(nf2);
  expect(claimPrefixes(nf2)['upf2-n3-ipv4']).toMatch(/^10\.3\.0\.\d+\/24$/);
  // Withdrawn once: the next render of the networks package says nothing more about it.
  expect(await renderOk(networks)).not.toContain('10.30.0.0');
});

it('a pool its publisher keeps, removed from another package that also defines the network instance, stays', async () => {
  const ledger = { endpoints: etcd.endpoints, prefix: '/two-publishers' };
  const a = join(dir, 'net-a');
  const b = join(dir, 'net-b');
  writeNetworksPackage(a, 'net-a', [{ name: 'vpc-x', prefixes: [{ prefix: '10.40.0.0/24' }] }], ledger);
  await renderOk(a);
  writeNetworksPackage(b, 'net-b', [{ name: 'vpc-x', prefixes: [{ prefix: '10.41.0.0/24' }] }], ledger);
  await renderOk(b);
  // net-b published last; net-a's pool keeps its publisher and survives net-b's renders.
  expect(await renderOk(b)).not.toContain('withdrawn');
  expect(await published(ledger.prefix, 'vpc-x')).toEqual(['10.40.0.0/24', '10.41.0.0/24']);
  writeNetworksPackage(a, 'net-a', [{ name: 'vpc-x', prefixes: [{ prefix: '10.41.0.0/24' }] }], ledger);
  expect(await renderOk(a)).toContain('pool 10.40.0.0/24 of network instance vpc-x was withdrawn');
  expect(await published(ledger.prefix, 'vpc-x')).toEqual(['10.41.0.0/24']);
});

it('a network instance dropped whole: refused while held, naming the holder at the Kptfile; withdrawn once released, and rebuild records where the package publishes', async () => {
  const ledger = { endpoints: etcd.endpoints, prefix: '/whole-ni' };
  const networks = join(dir, 'networks-whole');
  const both = [
    { name: 'vpc-keep', prefixes: [{ prefix: '10.60.0.0/24' }] },
    { name: 'vpc-gone', prefixes: [{ prefix: '10.61.0.0/24' }, { prefix: '10.62.0.0/24' }] },
  ];
  writeNetworksPackage(networks, 'networks-whole', both, ledger);
  await renderOk(networks);
  const publishedIn = async () => {
    const kv = await client.get(`${ledger.prefix}/v1/published/networks-whole`);
    return kv ? (JSON.parse(kv.value) as { defines: Record<string, string[]> }).defines : undefined;
  };
  expect(await publishedIn()).toEqual({ 'vpc-gone': ['10.61.0.0/24', '10.62.0.0/24'], 'vpc-keep': ['10.60.0.0/24'] });
  const nf = join(dir, 'upf-whole');
  writeNfPackage(nf, { name: 'upf-whole', cluster: 'edge01', nf: 'upfw', interfaces: [{ name: 'n3', ni: 'vpc-gone' }], ledger });
  await renderOk(nf);
  const held = claimPrefixes(nf)['upfw-n3-ipv4']!;
  expect(held).toMatch(/^10\.61\.0\.\d+\/24$/);

  // The whole network instance goes from the networks package: nothing in the render names it any more.
  writeNetworksPackage(networks, 'networks-whole', [both[0]!], ledger);
  const keysBefore = await dump(ledger.prefix);
  const refused = await render(networks);
  expect(refused.status).not.toBe(0);
  expect(refused.output).toContain(
    `pool 10.61.0.0/24 of network instance vpc-gone cannot be withdrawn from etcd ${etcd.endpoints.join(',')} prefix /whole-ni: package networks-whole no longer defines it, but 1 address(es) in it are still held: ${held.split('/')[0]} (claim edge01/`,
  );
  expect(refused.output).toMatch(/Kptfile/);
  expect(await dump(ledger.prefix)).toEqual(keysBefore);

  rmSync(nf, { recursive: true, force: true });
  expect(spawnSync('node', [CLI, 'ledger', 'release', '--package', 'upf-whole', '--endpoints', etcd.endpoints[0]!, '--prefix', ledger.prefix], { encoding: 'utf8' }).status).toBe(0);
  const out = await renderOk(networks);
  expect(out).toContain('pool 10.61.0.0/24 of network instance vpc-gone was withdrawn from etcd');
  expect(out).toContain('pool 10.62.0.0/24 of network instance vpc-gone was withdrawn from etcd');
  expect(await client.get(`${ledger.prefix}/v1/ni/vpc-gone/pools`)).toBeUndefined();
  expect((await dump(ledger.prefix)).filter((kv) => kv.includes('vpc-gone'))).toEqual([]);
  expect(await publishedIn()).toEqual({ 'vpc-keep': ['10.60.0.0/24'] });
  // A new claim on the dropped network instance gets nothing from the ledger.
  const late = join(dir, 'upf-late');
  writeNfPackage(late, { name: 'upf-late', cluster: 'edge02', nf: 'upfl', interfaces: [{ name: 'n3', ni: 'vpc-gone' }], ledger });
  const lateRender = await render(late);
  expect(lateRender.output).not.toMatch(/10\.6[12]\./);
  expect(claimPrefixes(late)['upfl-n3-ipv4']).toBeUndefined();

  // Wiped and rebuilt from Git: the record of where the package publishes comes back as its render wrote it.
  const recorded = await dump(ledger.prefix);
  await client.txn([], [{ del: `${ledger.prefix}/`, end: prefixEnd(`${ledger.prefix}/`) }]);
  rmSync(late, { recursive: true, force: true });
  const rebuilt = spawnSync('node', [CLI, 'ledger', 'rebuild', networks, '--endpoints', etcd.endpoints[0]!, '--prefix', ledger.prefix], { encoding: 'utf8' });
  expect(rebuilt.status).toBe(0);
  const published = (kvs: string[]) => kvs.filter((kv) => kv.includes('/v1/published/') || kv.includes('/pools='));
  expect(published(await dump(ledger.prefix))).toEqual(published(recorded));
});

it('a pool its publisher drops passes to another package that defines it: an NF package whose copy published first drops the copy while holding, and the networks package publishes it now', async () => {
  const ledger = { endpoints: etcd.endpoints, prefix: '/handover' };
  const networks = join(dir, 'networks-handover');
  writeNetworksPackage(networks, 'networks-handover', [{ name: 'vpc-h', prefixes: [{ prefix: '10.70.0.0/24' }] }], ledger);
  const nf = join(dir, 'upf-handover');
  writeNfPackage(nf, { name: 'upf-handover', cluster: 'edge01', nf: 'upfh', interfaces: [{ name: 'n3', ni: 'vpc-h' }], ledger });
  // The NF package carries its own copy of the network instance (as Nephio's catalog blueprints do) and renders first.
  cpSync(join(networks, 'network-instances.yaml'), join(nf, 'network-instances.yaml'));
  await renderOk(nf);
  const held = claimPrefixes(nf)['upfh-n3-ipv4'];
  expect(held).toMatch(/^10\.70\.0\.\d+\/24$/);
  await renderOk(networks);

  rmSync(join(nf, 'network-instances.yaml'));
  const out = await renderOk(nf);
  expect(out).toContain(`pool 10.70.0.0/24 of network instance vpc-h stays published in etcd ${etcd.endpoints.join(',')} prefix /handover: package upf-handover no longer defines it, and package networks-handover, which defines it too, publishes it now`);
  expect(claimPrefixes(nf)['upfh-n3-ipv4']).toBe(held);
  expect(await published(ledger.prefix, 'vpc-h')).toEqual(['10.70.0.0/24']);
  expect(await renderOk(nf)).not.toContain('10.70.0.0/24 of network instance');

  // The networks package publishes it now: dropping it there is refused while the NF package holds an address in it.
  writeNetworksPackage(networks, 'networks-handover', [{ name: 'vpc-h', prefixes: [{ prefix: '10.71.0.0/24' }] }], ledger);
  const refused = await render(networks);
  expect(refused.status).not.toBe(0);
  expect(refused.output).toContain('pool 10.70.0.0/24 of network instance vpc-h cannot be withdrawn');
  expect(refused.output).toContain('package networks-handover no longer defines it, but 1 address(es) in it are still held');

  // A package deleted from Git takes what it defined with `release --package`: no pool passes to a package that is gone.
  const dry = spawnSync('node', [CLI, 'ledger', 'release', '--package', 'networks-handover', '--dry-run', '--endpoints', etcd.endpoints[0]!, '--prefix', ledger.prefix], { encoding: 'utf8' });
  expect(dry.stdout).toMatch(/vpc-h +10\.70\.0\.0\/24 +its pool definition +networks-handover/);
  expect(await client.get(`${ledger.prefix}/v1/published/networks-handover`)).toBeDefined();
  const rel = spawnSync('node', [CLI, 'ledger', 'release', '--package', 'networks-handover', '--endpoints', etcd.endpoints[0]!, '--prefix', ledger.prefix], { encoding: 'utf8' });
  expect(rel.status).toBe(0);
  expect(await client.get(`${ledger.prefix}/v1/published/networks-handover`)).toBeUndefined();
});

it('a pool whose publishing package is gone: netpipe ledger withdraw refuses while held naming the holders, previews with --dry-run, withdraws what is empty', async () => {
  const ledger = { endpoints: etcd.endpoints, prefix: '/operator-withdraw' };
  const networks = join(dir, 'networks-gone');
  writeNetworksPackage(networks, 'networks-gone', [{ name: 'vpc-g', prefixes: [{ prefix: '10.80.0.0/24' }, { prefix: '10.81.0.0/24' }] }], ledger);
  await renderOk(networks);
  const nf = join(dir, 'upf-gone');
  writeNfPackage(nf, { name: 'upf-gone', cluster: 'edge01', nf: 'upfg', interfaces: [{ name: 'n3', ni: 'vpc-g' }], ledger });
  await renderOk(nf);
  const held = claimPrefixes(nf)['upfg-n3-ipv4']!;
  expect(held).toMatch(/^10\.80\.0\.\d+\/24$/);
  // The networks package is deleted from Git, and released: nothing of it renders again.
  rmSync(networks, { recursive: true, force: true });
  const ledgerCli = (...args: string[]) => spawnSync('node', [CLI, 'ledger', ...args, '--endpoints', etcd.endpoints[0]!, '--prefix', ledger.prefix], { encoding: 'utf8' });
  expect(ledgerCli('release', '--package', 'networks-gone').status).toBe(0);

  const keysBefore = await dump(ledger.prefix);
  const refused = ledgerCli('withdraw', '--ni', 'vpc-g', '--pool', '10.80.0.0/24');
  expect(refused.status).toBe(1);
  expect(refused.stdout).toContain(
    `pool 10.80.0.0/24 of network instance vpc-g cannot be withdrawn from etcd ${etcd.endpoints[0]} prefix /operator-withdraw: it was published by package networks-gone, and 1 address(es) in it are still held: ${held.split('/')[0]} (claim edge01/`,
  );
  expect(refused.stdout).toContain('release packages that are gone with `netpipe ledger release --package NAME` first');
  const preview = ledgerCli('withdraw', '--ni', 'vpc-g', '--pool', '10.81.0.0/24', '--dry-run');
  expect([preview.status, preview.stdout]).toEqual([0, expect.stringContaining('pool 10.81.0.0/24 of network instance vpc-g would be withdrawn (read only: nothing was written)')]);
  expect(await dump(ledger.prefix)).toEqual(keysBefore);
  const unknown = ledgerCli('withdraw', '--ni', 'vpc-g', '--pool', '10.99.0.0/24');
  expect(unknown.status).toBe(2);
  expect(unknown.stderr).toContain('network instance vpc-g publishes no pool 10.99.0.0/24 in etcd');
  expect(unknown.stderr).toContain('(it publishes 10.80.0.0/24, 10.81.0.0/24)');

  const done = ledgerCli('withdraw', '--ni', 'vpc-g', '--pool', '10.81.0.0/24');
  expect([done.status, done.stdout]).toEqual([0, expect.stringContaining('pool 10.81.0.0/24 of network instance vpc-g was withdrawn from etcd')]);
  expect(done.stdout).toContain('withdrawn on request (published by package networks-gone) and nothing was held in it');
  expect(await published(ledger.prefix, 'vpc-g')).toEqual(['10.80.0.0/24']);
  // Once its holder is gone too, the last pool goes, and with it the network instance's pools record.
  rmSync(nf, { recursive: true, force: true });
  expect(ledgerCli('release', '--package', 'upf-gone').status).toBe(0);
  expect(ledgerCli('withdraw', '--ni', 'vpc-g', '--pool', '10.80.0.0/24').status).toBe(0);
  expect(await client.get(`${ledger.prefix}/v1/ni/vpc-g/pools`)).toBeUndefined();
  expect((await dump(ledger.prefix)).filter((kv) => kv.includes('vpc-g'))).toEqual([]);
});

/** A client that, right after the withdrawal's read, lets "another render" reserve an address. */
class RacingClient extends EtcdClient {
  private raced = false;
  constructor(
    endpoints: readonly string[],
    private readonly race: () => Promise<void>,
  ) {
    super({ endpoints: [...endpoints] });
  }
  override async txn(compare: readonly Compare[], success: readonly TxnOp[]): Promise<TxnResult> {
    const r = await super.txn(compare, success);
    // The guarded read: ranges over the pool's chunks, the carving and the affinities.
    if (!this.raced && success.some((op) => 'range' in op && op.range.includes('/affinity/'))) {
      this.raced = true;
      await this.race();
    }
    return r;
  }
}

it('a reservation in a chunk the withdrawal never read, made between its read and its write, makes it start again and refuse', async () => {
  const prefix = '/race';
  initLedger(etcd.endpoints, prefix);
  const keys = new LedgerKeys(prefix);
  const def = { prefix: '10.50.0.0/24', gateway: null, exclusions: [], labels: {} };
  await client.txn([], [{ put: keys.pools('vpc-r'), value: JSON.stringify({ pools: [def, { ...def, prefix: '10.51.0.0/24' }], package: 'networks' }) }]);
  const reserve = async () => {
    // Chunk 3 of 10.50.0.0/24 (addresses .192-.255), created after the read: only a range guard sees it.
    const chunk = keys.chunk('vpc-r', '10.50.0.0/24', 3n);
    await client.txn([], [{ put: chunk, value: JSON.stringify({ cluster: 'edge09', cursor: 0, held: { '0': ['edge09/ns/late-ipv4', 'late'] } }) }]);
  };
  const racing = new RacingClient(etcd.endpoints, reserve);
  const anchor = { apiVersion: 'ipam.resource.nephio.org/v1alpha1', kind: 'NetworkInstance', metadata: { name: 'vpc-r' } } as KubeObject;
  try {
    const r = await withdrawRemovedPools(racing, keys, {
      packages: ['networks'],
      defined: [{ ni: 'vpc-r', def: { ...def, prefix: '10.51.0.0/24' }, pkg: 'networks', carved: false, definedBy: anchor, field: 'spec.prefixes' }],
      packageAnchor: () => anchor,
      ledgerName: 'the test ledger',
    });
    expect(r.notices).toEqual([]);
    expect(r.errors.map((e) => e.message)).toEqual([
      expect.stringContaining('but 1 address(es) in it are still held: 10.50.0.192 (claim edge09/ns/late-ipv4, package late). Nothing was written'),
    ]);
  } finally {
    racing.close();
  }
  expect(((JSON.parse((await client.get(keys.pools('vpc-r')))!.value) as { pools: { prefix: string }[] }).pools.map((p) => p.prefix))).toEqual(['10.50.0.0/24', '10.51.0.0/24']);
});
