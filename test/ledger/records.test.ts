/**
 * Records are decoded, never trusted: bad values put into a real etcd (the way an operator's
 * etcdctl or another tool sharing the prefix would) fail the render naming the key and what is
 * wrong, never as a raw JavaScript error and never by handing out another package's addresses;
 * `netpipe ledger verify` reports each one and exits 1.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdClient, initialise, LedgerConfig, LedgerKeys } from '../../functions/lib/src/ledger';
import { EtcdCluster, startReady } from './etcd';
import { renderIn, resourceList } from './in-process';
import { claimPrefixes, CLI, render, renderOk } from './packages';
import { Scenario } from './scenario';

jest.setTimeout(300000);

let etcd: EtcdCluster;
let client: EtcdClient;
const scenarios: Scenario[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  ({ etcd, client } = await startReady());
});

afterAll(async () => {
  client?.close();
  await etcd?.stop();
  for (const s of scenarios) s.remove();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const RAW_JS = /is not a function|Cannot convert|Cannot read prop|undefined is not|TypeError|SyntaxError|is not iterable/;

async function put(key: string, value: string): Promise<void> {
  await client.txn([], [{ put: key, value }]);
}

describe('a block key overwritten', () => {
  for (const value of ['"str"', '{"cluster":"edge1","cursor":null,"held":{}}']) {
    it(`holding ${value}: the next render (kpt fn render) fails naming the key, files untouched, no address shared`, async () => {
      const prefix = `/bad-block-${value.length}`;
      const s = new Scenario({ endpoints: etcd.endpoints, prefix });
      scenarios.push(s);
      await renderOk(s.networks);
      const [a, b] = s.addNfs(2, 1, undefined, true);
      await renderOk(a);
      const keys = new LedgerKeys(prefix);
      const blocks = await client.range(`${keys.ni('vpc-n3')}block/`, `${keys.ni('vpc-n3')}block0`);
      expect(blocks.length).toBeGreaterThan(0);
      const block = blocks[0].key;
      await put(block, value);
      const before = claimPrefixes(b);
      const r = await render(b);
      expect(r.status).not.toBe(0);
      expect(r.output).toContain(`key ${block}`);
      expect(r.output).toMatch(/not a valid chunk record|never writes/);
      expect(r.output).toContain('netpipe ledger verify');
      expect(r.output).not.toMatch(RAW_JS);
      expect(claimPrefixes(b)).toEqual(before);
      const v = spawnSync('node', [CLI, 'ledger', 'verify', s.networks, a, '--endpoints', etcd.endpoints[0], '--prefix', prefix], { encoding: 'utf8' });
      expect(v.status).toBe(1);
      expect(v.stdout).toContain(`bad (1):\n  ${block}`);
    });
  }
});

/** Bad values for every key kind a render reads: [what, key, value]. */
function cases(keys: LedgerKeys, block: string): [string, string, string][] {
  const ni = 'vpc-big';
  const pool = '10.50.0.0/16';
  return [
    ['block: not JSON', block, '{"cluster":'],
    ['block: cursor a string', block, '{"cluster":"edge1","cursor":"5","held":{"5":["x","y"]}}'],
    ['block: offset out of a block', block, '{"cluster":"edge1","cursor":5,"held":{"99":["x","y"]}}'],
    ['block: holder not a pair', block, '{"cluster":"edge1","cursor":5,"held":{"5":"x"}}'],
    ['affinity: not a block index', keys.affinity(ni, 'edge1'), `{"${pool}":"0xzz"}`],
    ['affinity: a list', keys.affinity(ni, 'edge1'), '[1,2]'],
    ['carve: a number', keys.carve(ni), `{"${pool}":7}`],
    ['pools: pools not a list', keys.pools(ni), '{"pools":"x","package":"p"}'],
    ['pools: an unknown field', keys.pools(ni), `{"pools":[],"package":"p","extra":1}`],
    ['package: holdings an object', keys.package('pkg-a'), '{"holdings":{}}'],
    ['published: network instances a string', keys.published('pkg-a'), '{"defines":{"vpc-big":"10.50.0.0/16"}}'],
    ['owner: address a number', keys.owner(ni, 'edge1/nf/pkg-a-if0'), `{"address":5,"prefix":"10.50.0.5/16","pool":"${pool}","cluster":"edge1","package":"pkg-a"}`],
  ];
}

it('each wrong-typed record fails the render naming the key, never as a raw JavaScript error; verify reports them all', async () => {
  const prefix = '/bad-types';
  const config: LedgerConfig = { prefix, etcd: { endpoints: etcd.endpoints } };
  const keys = new LedgerKeys(prefix);
  await initialise(client, keys, 'init');
  const a = resourceList('pkg-a', 'edge1', ['if0', 'if1']);
  expect((await renderIn(a, config, client)).errors).toEqual([]);
  const block = (await client.range(`${keys.ni('vpc-big')}block/`, `${keys.ni('vpc-big')}block0`))[0].key;
  for (const [what, key, value] of cases(keys, block)) {
    const original = await client.get(key);
    await put(key, value);
    // pkg-a reads its owner and package records; a new package reads the cluster's block, affinity, carving.
    const r = key.includes('/owner/') || key.includes('/package/') || key.includes('/published/') ? await renderIn(a, config, client) : await renderIn(resourceList(`pkg-${what.length}`, 'edge1', ['if0']), config, client);
    const message = r.errors.join('\n');
    expect([what, message]).toEqual([what, expect.stringContaining(`key ${key}`)]);
    expect([what, message]).not.toEqual([what, expect.stringMatching(RAW_JS)]);
    expect(r.prefixes.size).toBe(0);
    await (original ? put(key, original.value) : client.txn([], [{ del: key }]));
  }

  // All at once (and keys the layout does not have): verify lists each one and exits 1.
  const bad = [...new Map(cases(keys, block).map(([, k, v]) => [k, v]))];
  bad.push([`${prefix}/v1/junk`, '1'], [keys.vlan('vi'), '{"definition":null,"package":"","cursor":"x","held":{}}'], [keys.subnets('vpc-big'), '{"cursors":{},"carved":{"a":"b"}}']);
  for (const [k, v] of bad) await put(k, v);
  const dir = mkdtempSync(join(tmpdir(), 'netpipe-bad-'));
  dirs.push(dir);
  const v = spawnSync('node', [CLI, 'ledger', 'verify', dir, '--endpoints', etcd.endpoints[0], '--prefix', prefix], { encoding: 'utf8' });
  expect(v.stderr).toBe('');
  expect(v.status).toBe(1);
  expect(v.stdout).toContain(`bad (${bad.length}):`);
  for (const [k] of bad) expect(v.stdout).toContain(`  ${k} `);
  expect(v.stdout).not.toMatch(RAW_JS);
  // status still shows what decodes, says what does not, exits 1; release refuses.
  const st = spawnSync('node', [CLI, 'ledger', 'status', '--endpoints', etcd.endpoints[0], '--prefix', prefix], { encoding: 'utf8' });
  expect(st.status).toBe(1);
  expect(st.stderr).toContain('netpipe ledger verify lists them all');
  const rel = spawnSync('node', [CLI, 'ledger', 'release', '--package', 'pkg-a', '--endpoints', etcd.endpoints[0], '--prefix', prefix], { encoding: 'utf8' });
  expect(rel.status).toBe(2);
  expect(rel.stderr).toContain('refusing to release');
});
