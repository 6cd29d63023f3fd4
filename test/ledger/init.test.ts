/**
 * A wiped ledger does not pass for a new one: a ledger is initialised (`netpipe ledger init`, or
 * `rebuild` from Git) and a render refuses to allocate from a prefix without the mark, naming the
 * ledger and `netpipe ledger rebuild`, with real kpt renders against a real etcd.
 */
import { spawnSync } from 'node:child_process';
import { EtcdClient, prefixEnd } from '../../functions/lib/src/ledger';
import { EtcdCluster, startReady } from './etcd';
import { claimPrefixes, CLI, render, renderOk, treeHash } from './packages';
import { Scenario } from './scenario';

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

const cli = (prefix: string, ...args: string[]) => spawnSync('node', [CLI, 'ledger', ...args, '--endpoints', etcd.endpoints[0], '--prefix', prefix], { encoding: 'utf8' });
const keysUnder = async (prefix: string): Promise<string[]> => (await client.range(`${prefix}/`, prefixEnd(`${prefix}/`))).map((kv) => kv.key);

function scenario(prefix: string, skipInit: boolean): Scenario {
  const s = new Scenario({ endpoints: etcd.endpoints, prefix, skipInit });
  scenarios.push(s);
  return s;
}

it('a never-initialised ledger: renders refuse naming the ledger, init and rebuild, nothing written; after netpipe ledger init they allocate', async () => {
  const s = scenario('/fresh', true);
  const [nf] = s.addNfs(1, 1, undefined, true);
  for (const dir of [s.networks, nf]) {
    const before = treeHash(dir);
    const r = await render(dir);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain(`the shared address ledger (etcd ${etcd.endpoints[0]}, prefix /fresh) is not initialised`);
    expect(r.output).toContain('netpipe ledger init --prefix /fresh');
    expect(r.output).toContain('netpipe ledger rebuild --prefix /fresh DIR...');
    expect(treeHash(dir)).toBe(before);
  }
  expect(await keysUnder('/fresh')).toEqual([]);

  const init = cli('/fresh', 'init');
  expect([init.status, init.stdout]).toEqual([0, 'initialised: the ledger under /fresh\n']);
  expect(await keysUnder('/fresh')).toEqual(['/fresh/v1/init']);
  const again = cli('/fresh', 'init');
  expect([again.status, again.stdout]).toEqual([0, 'already initialised: the ledger under /fresh\n']);
  await renderOk(s.networks);
  await renderOk(nf);
  expect(Object.keys(claimPrefixes(nf))).toHaveLength(3);
});

it('a wiped ledger: the networks package and a new package refuse (no pools republished, no address handed out twice); rebuild restores, renders go on', async () => {
  const s = scenario('/wiped', false);
  await renderOk(s.networks);
  const nfs = s.addNfs(3, 1, undefined, true);
  await Promise.all(nfs.map((d) => renderOk(d)));
  const hashes = nfs.map(treeHash);

  // The etcd data is lost (a new, empty etcd under the same endpoints looks the same).
  await client.txn([], [{ del: '/wiped/', end: prefixEnd('/wiped/') }]);
  const [late] = s.addNfs(1, 1, undefined, true);
  for (const dir of [s.networks, late]) {
    const r = await render(dir);
    expect(r.status).not.toBe(0);
    expect(r.output).toContain('prefix /wiped) is not initialised');
    expect(r.output).toContain('netpipe ledger rebuild --prefix /wiped DIR...');
  }
  expect(await keysUnder('/wiped')).toEqual([]);
  // init refuses nothing here (the prefix is empty), but the operator is told to rebuild; rebuild marks it.
  const rebuilt = cli('/wiped', 'rebuild', s.networks, ...nfs);
  expect(rebuilt.status).toBe(0);
  expect(await keysUnder('/wiped')).toContain('/wiped/v1/init');
  await renderOk(late);
  expect(s.duplicates()).toEqual([]);
  await Promise.all(nfs.map((d) => renderOk(d)));
  expect(nfs.map(treeHash)).toEqual(hashes);
});

it('init refuses a prefix that holds records but no mark unless --existing; rebuild accepts a prefix holding only the mark', async () => {
  await client.txn([], [{ put: '/legacy/v1/package/p', value: '{"holdings":[]}' }]);
  const refused = cli('/legacy', 'init');
  expect(refused.status).toBe(2);
  expect(refused.stderr).toContain('holds records (/legacy/v1/package/p) but was never initialised');
  expect(refused.stderr).toContain('netpipe ledger init --existing');
  const marked = cli('/legacy', 'init', '--existing');
  expect([marked.status, marked.stdout]).toEqual([0, 'initialised: the ledger under /legacy\n']);

  const s = scenario('/only-mark', false);
  await renderOk(s.networks);
  for (const part of ['ni/', 'package/', 'published/', 'vlan/']) await client.txn([], [{ del: `/only-mark/v1/${part}`, end: prefixEnd(`/only-mark/v1/${part}`) }]);
  expect(await keysUnder('/only-mark')).toEqual(['/only-mark/v1/init']);
  expect(cli('/only-mark', 'rebuild', s.networks).status).toBe(0);
  await renderOk(s.networks);
});
