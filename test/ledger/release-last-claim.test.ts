/**
 * A package that drops its last claim on a network instance frees the address in the ledger's
 * chunk too, not only the owner record: `verify` stays clean, the address is free for others
 * (after the never-used ones, by next-fit) and the claim added back holds one slot, not two.
 * Real `kpt fn render`, real etcd.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdClient, prefixEnd } from '../../functions/lib/src/ledger/etcd';
import { LedgerKeys } from '../../functions/lib/src/ledger/keys';
import { decodeRecord } from '../../functions/lib/src/ledger/records';
import { EtcdCluster, startReady } from './etcd';
import { claimPrefixes, CLI, renderOk, writeInterfaces, writeNetworksPackage, writeNfPackage } from './packages';

jest.setTimeout(120000);

let etcd: EtcdCluster;
let client: EtcdClient;
const dir = mkdtempSync(join(tmpdir(), 'netpipe-last-claim-'));
beforeAll(async () => {
  ({ etcd, client } = await startReady());
});
afterAll(async () => {
  client?.close();
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Every held slot of every chunk: `address-offset owner`. */
async function chunkSlots(prefix: string): Promise<string[]> {
  const keys = new LedgerKeys(prefix);
  const out: string[] = [];
  for (const kv of await client.range(keys.root(), prefixEnd(keys.root()))) {
    const k = keys.parse(kv.key);
    if (k?.kind !== 'chunk') continue;
    for (const [offset, [owner]] of Object.entries(decodeRecord('chunk', kv.key, kv.value).held)) out.push(`${k.pool} ${k.index}+${offset} ${owner}`);
  }
  return out.sort();
}

it('dropping the last claim of a network instance frees its chunk slot; verify stays clean', async () => {
  const ledger = { endpoints: etcd.endpoints, prefix: '/last-claim' };
  const networks = join(dir, 'networks');
  writeNetworksPackage(networks, 'networks', [{ name: 'vpc-n3', prefixes: [{ prefix: '10.80.0.0/24' }] }, { name: 'vpc-n4', prefixes: [{ prefix: '10.81.0.0/24' }] }], ledger);
  await renderOk(networks);
  const nf = join(dir, 'upf-a');
  writeNfPackage(nf, { name: 'upf-a', cluster: 'edge01', nf: 'upf', interfaces: [{ name: 'n3', ni: 'vpc-n3' }, { name: 'n4', ni: 'vpc-n4' }], ledger });
  await renderOk(nf);
  const first = claimPrefixes(nf);
  expect(await chunkSlots(ledger.prefix)).toHaveLength(2);

  // n4 is the only claim on vpc-n4: the render that drops it has no claim of that network instance left.
  writeInterfaces(nf, 'upf', [{ name: 'n3', ni: 'vpc-n3' }]);
  await renderOk(nf);
  const slots = await chunkSlots(ledger.prefix);
  expect(slots).toHaveLength(1);
  expect(slots[0]).toMatch(/^10\.80\.0\.0\/24 /);
  const verify = () => spawnSync('node', [CLI, 'ledger', 'verify', networks, nf, '--endpoints', etcd.endpoints[0]!, '--prefix', ledger.prefix], { encoding: 'utf8' });
  const v = verify();
  expect(v.stdout + v.stderr).toContain('clean');
  expect(v.status).toBe(0);

  // Added back: a fresh address (freed ones come last), one slot.
  writeInterfaces(nf, 'upf', [{ name: 'n3', ni: 'vpc-n3' }, { name: 'n4', ni: 'vpc-n4' }]);
  await renderOk(nf);
  expect(claimPrefixes(nf)['upf-n4-ipv4']).not.toBe(first['upf-n4-ipv4']);
  expect(await chunkSlots(ledger.prefix)).toHaveLength(2);
  expect(verify().status).toBe(0);
});
