/**
 * A 3-member etcd cluster on loopback, one member killed while packages render concurrently:
 * the renders still succeed (the client moves on to the other members, and a transaction whose
 * answer was lost is safe to repeat because it compares revisions), with no duplicates.
 */
import { spawnSync } from 'node:child_process';
import { EtcdCluster, startReady } from './etcd';
import { CLI, renderOk, treeHash } from './packages';
import { Scenario } from './scenario';

jest.setTimeout(300000);

let etcd: EtcdCluster;
let scenario: Scenario | undefined;

beforeAll(async () => {
  const started = await startReady({ size: 3 });
  etcd = started.etcd;
  started.client.close();
});

afterAll(async () => {
  await etcd?.stop();
  scenario?.remove();
});

it('3 members, one killed mid-run: concurrent renders of 12 packages all succeed, no duplicates, re-render byte-identical, verify clean', async () => {
  scenario = new Scenario({ endpoints: etcd.endpoints, prefix: '/cluster' });
  const s = scenario;
  await renderOk(s.networks);
  s.addNfs(12, 3, undefined, true);
  let finished = 0;
  const renders = s.packages.map((d) => renderOk(d).then(() => finished++));
  // Once the first render has committed, kill the first endpoint every renderer tries.
  while (finished === 0) await new Promise((r) => setTimeout(r, 50));
  const finishedBeforeKill = finished;
  await etcd.members[0].stop('SIGKILL');
  await Promise.all(renders);
  expect(finishedBeforeKill).toBeLessThan(s.packages.length);
  expect(s.duplicates()).toEqual([]);
  const hashes = s.packages.map(treeHash);
  await Promise.all(s.packages.map((d) => renderOk(d)));
  expect(s.packages.map(treeHash)).toEqual(hashes);
  const verify = spawnSync('node', [CLI, 'ledger', 'verify', s.networks, ...s.packages, '--endpoints', etcd.endpoints.join(','), '--prefix', '/cluster'], { encoding: 'utf8' });
  expect(verify.stdout).toContain('clean');
  expect(verify.status).toBe(0);
});
