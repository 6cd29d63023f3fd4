/**
 * `netpipe ledger rebuild` writes its records only where the ledger is still empty: a write by
 * anything else while it runs (a render, a second rebuild) stops it with an error saying how far
 * it got, instead of being overwritten. Real kpt renders, real etcd; the interloper writes through
 * etcd between the rebuild's reads and its first batch.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdClient, prefixEnd, TxnOp } from '../../functions/lib/src/ledger/etcd';
import type { Compare, TxnResult } from '../../functions/lib/src/ledger/etcd';
import { LedgerKeys } from '../../functions/lib/src/ledger/keys';
import { rebuild } from '../../cli/src/ledger-admin';
import { readPackageTree } from '../../cli/src/git-packages';
import { EtcdCluster, startReady } from './etcd';
import { renderOk, writeNetworksPackage, writeNfPackage } from './packages';

jest.setTimeout(120000);

let etcd: EtcdCluster;
let client: EtcdClient;
const dir = mkdtempSync(join(tmpdir(), 'netpipe-rebuild-guard-'));
beforeAll(async () => {
  ({ etcd, client } = await startReady());
});
afterAll(async () => {
  client?.close();
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

class Interloper extends EtcdClient {
  private done = false;
  constructor(
    endpoints: readonly string[],
    private readonly before: (ops: readonly TxnOp[]) => Promise<void>,
  ) {
    super({ endpoints: [...endpoints] });
  }
  override async txn(compare: readonly Compare[], success: readonly TxnOp[]): Promise<TxnResult> {
    if (!this.done && success.some((op) => 'put' in op)) {
      this.done = true;
      await this.before(success);
    }
    return super.txn(compare, success);
  }
}

it('a record written by something else during a rebuild stops it; nothing of the other writer is overwritten', async () => {
  const ledger = { endpoints: etcd.endpoints, prefix: '/rebuild-guard' };
  const networks = join(dir, 'networks');
  writeNetworksPackage(networks, 'networks', [{ name: 'vpc-n3', prefixes: [{ prefix: '10.90.0.0/24' }] }], ledger);
  await renderOk(networks);
  const nf = join(dir, 'upf-a');
  writeNfPackage(nf, { name: 'upf-a', cluster: 'edge01', nf: 'upf', interfaces: [{ name: 'n3', ni: 'vpc-n3' }, { name: 'n4', ni: 'vpc-n3' }], ledger });
  await renderOk(nf);
  const keys = new LedgerKeys(ledger.prefix);
  // The data is lost, the marker with it.
  await client.txn([], [{ del: keys.root(), end: prefixEnd(keys.root()) }]);

  let taken = '';
  const racing = new Interloper(etcd.endpoints, async (ops) => {
    const first = ops.find((op): op is { put: string; value: string } => 'put' in op)!;
    taken = first.put;
    await client.txn([], [{ put: first.put, value: first.value }]);
  });
  try {
    await expect(rebuild(racing, keys, [readPackageTree(networks), readPackageTree(nf)])).rejects.toThrow(
      /something else wrote to the ledger under \/rebuild-guard while it was being rebuilt \(0 of \d+ records were written\); stop the renders, wipe the prefix and rebuild again/,
    );
  } finally {
    racing.close();
  }
  // Only the interloper's key is there: no batch, no pools, no marker.
  expect((await client.range(keys.root(), prefixEnd(keys.root()))).map((kv) => kv.key)).toEqual([taken]);
});
