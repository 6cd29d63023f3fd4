/**
 * A pool removed from the networks package stays published in the ledger (a held address would
 * otherwise lose its pool), and the networks render says so, naming the pool, instead of
 * re-publishing it without a word.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdCluster, startReady } from './etcd';
import { render, writeNetworksPackage } from './packages';

jest.setTimeout(120000);

let etcd: EtcdCluster;
const dir = mkdtempSync(join(tmpdir(), 'netpipe-pool-removed-'));
beforeAll(async () => {
  const started = await startReady();
  etcd = started.etcd;
  started.client.close();
});
afterAll(async () => {
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('the networks render without a published pool warns that it is still published, and renders', async () => {
  const ledger = { endpoints: etcd.endpoints, prefix: '/removed' };
  const networks = join(dir, 'networks');
  writeNetworksPackage(networks, 'networks', [{ name: 'vpc-n3', prefixes: [{ prefix: '10.3.0.0/24' }, { prefix: '10.30.0.0/24' }] }], ledger);
  const first = await render(networks);
  expect(first.status).toBe(0);
  expect(first.output).not.toContain('still published');

  writeNetworksPackage(networks, 'networks', [{ name: 'vpc-n3', prefixes: [{ prefix: '10.3.0.0/24' }] }], ledger);
  const second = await render(networks);
  expect(second.status).toBe(0);
  expect(second.output).toMatch(/pool 10\.30\.0\.0\/24 of network instance vpc-n3 is still published in .* although package networks no longer defines it/);
});
