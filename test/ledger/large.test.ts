/**
 * Packages of thousands of claims against an etcd with its default `--max-txn-ops` (128): real
 * `kpt fn render` for a 2,000-claim package (first render, growth by 1 and by 100, a rename of
 * 100), and in-process renders for what a process cannot show on demand: a render killed between
 * its transactions, and large renders of one cluster racing each other.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadAll } from 'js-yaml';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdClient, initialise, LedgerConfig, LedgerKeys } from '../../functions/lib/src/ledger';
import type { TxnOp } from '../../functions/lib/src/ledger/etcd';
import { EtcdCluster, startReady } from './etcd';
import { renderIn, resourceList } from './in-process';
import { CLI, FN, initLedger, renderOk } from './packages';

jest.setTimeout(600000);

let etcd: EtcdCluster;
let client: EtcdClient;
const dirs: string[] = [];

beforeAll(async () => {
  ({ etcd, client } = await startReady());
});

afterAll(async () => {
  client?.close();
  await etcd?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const netpipe = (...args: string[]) => spawnSync('node', [CLI, ...args], { encoding: 'utf8' });

function ledgerStep(prefix: string): string {
  initLedger(etcd.endpoints, prefix);
  return `  - exec: ${FN.ipam}\n    configMap:\n      ledgerEndpoints: ${etcd.endpoints[0]}\n      ledgerPrefix: ${prefix}\n`;
}

function claimDoc(name: string, cluster: string): string {
  return (
    `apiVersion: ipam.resource.nephio.org/v1alpha1\nkind: IPClaim\nmetadata:\n  name: ${name}\n  namespace: nf\n  annotations:\n    config.kubernetes.io/local-config: 'true'\n` +
    `spec:\n  kind: network\n  networkInstance:\n    name: vpc-big\n  selector:\n    matchLabels:\n      nephio.org/address-family: ipv4\n      nephio.org/cluster-name: ${cluster}\n`
  );
}

/** A package whose claims live in files of 100 claims each (a file per hundred keeps kpt's writes small). */
function writeClaims(dir: string, names: readonly string[]): void {
  for (let i = 0; i * 100 < names.length || i < 30; i++) {
    const slice = names.slice(i * 100, i * 100 + 100);
    const file = join(dir, `ipclaims-${String(i).padStart(2, '0')}.yaml`);
    if (slice.length === 0) rmSync(file, { force: true });
    else writeFileSync(file, slice.map((n) => claimDoc(n, 'edge1')).join('---\n'));
  }
}

function writePackage(dir: string, name: string, prefix: string, names: readonly string[]): void {
  writeFileSync(
    join(dir, 'Kptfile'),
    `apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: ${name}\n  annotations:\n    config.kubernetes.io/local-config: "true"\npipeline:\n  mutators:\n${ledgerStep(prefix)}`,
  );
  writeFileSync(
    join(dir, 'network-instance.yaml'),
    `apiVersion: ipam.resource.nephio.org/v1alpha1\nkind: NetworkInstance\nmetadata:\n  name: vpc-big\n  annotations:\n    config.kubernetes.io/local-config: "true"\nspec:\n  prefixes:\n  - prefix: 10.40.0.0/16\n`,
  );
  writeClaims(dir, names);
}

/** Claim name -> status.prefix of every claim in the package's claim files. */
function claimPrefixes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).filter((n) => n.startsWith('ipclaims-')).sort()) {
    for (const doc of loadAll(readFileSync(join(dir, f), 'utf8')) as { metadata: { name: string }; status?: { prefix?: string } }[]) {
      if (doc.status?.prefix) out[doc.metadata.name] = doc.status.prefix;
    }
  }
  return out;
}

const names = (from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `if${from + i}`);

function unique(values: readonly string[]): boolean {
  return new Set(values).size === values.length;
}

it('etcd runs with its default --max-txn-ops: a transaction of 129 operations is refused', async () => {
  const ops: TxnOp[] = Array.from({ length: 129 }, (_, i) => ({ put: `/limit/${i}`, value: 'x' }));
  await expect(client.txn([], ops)).rejects.toThrow(/too many operations/);
  await expect(client.txn([], ops.slice(0, 128))).resolves.toMatchObject({ succeeded: true });
});

it('a 2,000-claim package renders with kpt: first render, growth by 1 and by 100, a rename of 100; verify clean', async () => {
  const root = mkdtempSync(join(tmpdir(), 'netpipe-large-'));
  dirs.push(root);
  const dir = join(root, 'big');
  mkdirSync(dir);
  writePackage(dir, 'big', '/large', names(0, 2000));
  await renderOk(dir);
  const first = claimPrefixes(dir);
  expect(Object.keys(first)).toHaveLength(2000);
  expect(unique(Object.values(first))).toBe(true);

  writeClaims(dir, names(0, 2001));
  await renderOk(dir);
  const grown = claimPrefixes(dir);
  expect(Object.keys(grown)).toHaveLength(2001);
  for (const [n, p] of Object.entries(first)) expect(grown[n]).toBe(p);

  writeClaims(dir, names(0, 2101));
  await renderOk(dir);
  const grown100 = claimPrefixes(dir);
  expect(Object.keys(grown100)).toHaveLength(2101);
  expect(unique(Object.values(grown100))).toBe(true);
  for (const [n, p] of Object.entries(grown)) expect(grown100[n]).toBe(p);

  // A rename of 100: if0..if99 go, if2101..if2200 come (an NF renamed replaces its claims).
  writeClaims(dir, names(100, 2201));
  await renderOk(dir);
  const renamed = claimPrefixes(dir);
  expect(Object.keys(renamed)).toHaveLength(2101);
  expect(unique(Object.values(renamed))).toBe(true);
  for (const n of names(100, 2101)) expect(renamed[n]).toBe(grown100[n]);

  const cli = (...args: string[]) => netpipe('ledger', ...args, '--endpoints', etcd.endpoints[0], '--prefix', '/large');
  const verify = cli('verify', dir);
  expect(verify.stdout).toContain('clean');
  expect(verify.status).toBe(0);
  const status = JSON.parse(cli('status', '--json').stdout) as { ni: string; used: number }[];
  expect(status.find((r) => r.ni === 'vpc-big')?.used).toBe(2101);
});

/** A client whose process "dies" (every request fails) after `n` successful transactions. */
function dyingClient(endpoints: readonly string[], n: number): EtcdClient & { txns: number } {
  const c = new EtcdClient({ endpoints }) as EtcdClient & { txns: number };
  c.txns = 0;
  const txn = c.txn.bind(c);
  c.txn = async (compare, ops) => {
    if (ops.some((o) => 'put' in o || 'del' in o)) {
      if (c.txns >= n) throw new Error('killed');
      c.txns++;
    }
    return txn(compare, ops);
  };
  return c;
}

it('a 500-claim render killed between its transactions leaves reservations only its package gets back', async () => {
  const config: LedgerConfig = { prefix: '/large-kill', etcd: { endpoints: etcd.endpoints } };
  await initialise(client, new LedgerKeys(config.prefix), 'init');
  await renderIn(resourceList('other', 'edge1', ['seed']), config, client);
  for (const killAfter of [1, 3, 5]) {
    const pkg = `nf-kill${killAfter}`;
    const dying = dyingClient(etcd.endpoints, killAfter);
    const killed = await renderIn(resourceList(pkg, 'edge1', names(0, 500)), config, dying);
    dying.close();
    expect(killed.errors.join('\n')).toContain('killed');
    // What the killed render reserved is in the ledger, each under the package that reserved it.
    const owners = await client.range(`/large-kill/v1/ni/vpc-big/owner/`, `/large-kill/v1/ni/vpc-big/owner0`);
    const reserved = owners.map((kv) => JSON.parse(kv.value) as { address: string; package: string }).filter((r) => r.package === pkg);
    expect(reserved.length).toBeGreaterThan(0);
    expect(reserved.length).toBeLessThan(500);
    // Another package of the same cluster, rendered meanwhile, gets none of them.
    const other = await renderIn(resourceList(`other${killAfter}`, 'edge1', names(0, 150)), config, client);
    expect(other.errors).toEqual([]);
    const taken = new Set(reserved.map((r) => r.address));
    for (const p of other.prefixes.values()) expect(taken.has(p.split('/')[0])).toBe(false);
    // The same package rendered again gets its reservations back and the rest fresh.
    const again = await renderIn(resourceList(pkg, 'edge1', names(0, 500)), config, client);
    expect(again.errors).toEqual([]);
    const got = new Set([...again.prefixes.values()].map((p) => p.split('/')[0]));
    for (const a of taken) expect(got.has(a)).toBe(true);
    for (const p of other.prefixes.values()) expect(got.has(p.split('/')[0])).toBe(false);
  }
  // A package whose render died and whose claims are then removed releases the reservations.
  const pkg = 'nf-gone';
  const dying = dyingClient(etcd.endpoints, 2);
  expect((await renderIn(resourceList(pkg, 'edge1', names(0, 400)), config, dying)).errors.join('\n')).toContain('killed');
  dying.close();
  const left = await renderIn(resourceList(pkg, 'edge1', []), config, client);
  expect(left.errors).toEqual([]);
  const owners = await client.range(`/large-kill/v1/ni/vpc-big/owner/`, `/large-kill/v1/ni/vpc-big/owner0`);
  expect(owners.map((kv) => JSON.parse(kv.value) as { package: string }).filter((r) => r.package === pkg)).toEqual([]);
});

it('four 400-claim renders of one cluster race: all succeed, no address twice, re-renders keep them', async () => {
  const config: LedgerConfig = { prefix: '/large-race', etcd: { endpoints: etcd.endpoints } };
  await initialise(client, new LedgerKeys(config.prefix), 'init');
  await renderIn(resourceList('seed', 'edge1', ['seed']), config, client);
  const clients = [0, 1, 2, 3].map(() => new EtcdClient({ endpoints: etcd.endpoints }));
  const texts = [0, 1, 2, 3].map((i) => resourceList(`race${i}`, 'edge1', names(0, 400)));
  const results = await Promise.all(texts.map((t, i) => renderIn(t, config, clients[i])));
  for (const r of results) expect(r.errors).toEqual([]);
  const all = results.flatMap((r) => [...r.prefixes.values()]);
  expect(all).toHaveLength(1600);
  expect(unique(all)).toBe(true);
  const again = await Promise.all(texts.map((t, i) => renderIn(t, config, clients[i])));
  for (const [i, r] of again.entries()) expect([...r.prefixes]).toEqual([...results[i].prefixes]);
  for (const c of clients) c.close();
});
