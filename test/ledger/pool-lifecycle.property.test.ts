/**
 * Pools added and removed by the networks package while NF packages add, remove and re-render
 * Interfaces, several renders at a time concurrently, against a real etcd (in one process: the
 * edge and the unchanged transform, as ipam-fn runs them). After every step:
 * - every held address lies in a pool the ledger publishes, and no two claims share one;
 * - addresses persist; the ledger's owner records are exactly the packages' claims;
 * - a networks render that drops a pool either withdraws it (then no claim holds an address in it
 *   and no key of the ledger names it) or fails naming holders that really hold addresses in it,
 *   writing nothing; a pool removed and added again starts clean.
 */
import fc from 'fast-check';
import { ipamFn } from '../../functions/ipam-fn/src/transform';
import { KubeObject } from '../../functions/lib/src';
import { EtcdClient, initialise, LedgerConfig, withAddressLedger } from '../../functions/lib/src/ledger';
import { prefixEnd } from '../../functions/lib/src/ledger/etcd';
import { LedgerKeys } from '../../functions/lib/src/ledger/keys';
import { decodeRecord } from '../../functions/lib/src/ledger/records';
import type { Result } from '../../functions/lib/src/results';
import { parseAddress } from '../../functions/lib/src/ipam/address';
import { EtcdCluster, startReady } from './etcd';

jest.setTimeout(300000);

let etcd: EtcdCluster;
let client: EtcdClient;
beforeAll(async () => {
  ({ etcd, client } = await startReady());
});
afterAll(async () => {
  client?.close();
  await etcd?.stop();
});

const PACKAGES = 4;
const NI = 'vpc-l';
/** Candidate pools, each a /26 (62 usable): one is always enough for every claim the model makes. */
const POOLS = ['10.40.0.0/26', '10.41.0.0/26', '10.42.0.0/26', '10.43.0.0/26'];
const clusterOf = (pkg: number): string => `c${pkg % 2}`;
const annotated = (path: string): Record<string, string> => ({ 'internal.config.kubernetes.io/path': path, 'config.kubernetes.io/local-config': 'true' });
const kptfile = (name: string): KubeObject => ({ apiVersion: 'kpt.dev/v1', kind: 'Kptfile', metadata: { name, annotations: annotated('Kptfile') } }) as KubeObject;

function networks(pools: readonly string[]): KubeObject[] {
  return [
    kptfile('networks'),
    {
      apiVersion: 'ipam.resource.nephio.org/v1alpha1',
      kind: 'NetworkInstance',
      metadata: { name: NI, annotations: annotated('ni.yaml') },
      spec: { prefixes: [...pools].sort().map((prefix) => ({ prefix })) },
    } as KubeObject,
  ];
}

function claim(pkg: number, iface: string): KubeObject {
  const name = `nf${pkg}-${iface}-ipv4`;
  return {
    apiVersion: 'ipam.resource.nephio.org/v1alpha1',
    kind: 'IPClaim',
    metadata: { name, namespace: 'ns', annotations: { ...annotated(`ipclaim-${name}.yaml`), 'netpipe.dev/interface': `ns/${iface}` } },
    spec: { kind: 'network', networkInstance: { name: NI }, selector: { matchLabels: { 'nephio.org/address-family': 'ipv4', 'nephio.org/cluster-name': clusterOf(pkg) } } },
  } as KubeObject;
}

const workloadCluster = (pkg: number): KubeObject =>
  ({ apiVersion: 'infra.nephio.org/v1alpha1', kind: 'WorkloadCluster', metadata: { name: clusterOf(pkg), annotations: annotated('wc.yaml') }, spec: { clusterName: clusterOf(pkg) } }) as KubeObject;

type Command =
  | { kind: 'add'; pkg: number; iface: string }
  | { kind: 'remove'; pkg: number; slot: number }
  | { kind: 'add-pool'; pool: number }
  | { kind: 'drop-pool'; pool: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('add' as const), pkg: fc.nat(PACKAGES - 1), iface: fc.constantFrom('a', 'b', 'c', 'd', 'e') }),
  fc.record({ kind: fc.constant('add' as const), pkg: fc.nat(PACKAGES - 1), iface: fc.constantFrom('a', 'b', 'c', 'd', 'e') }),
  fc.record({ kind: fc.constant('remove' as const), pkg: fc.nat(PACKAGES - 1), slot: fc.nat(4) }),
  fc.record({ kind: fc.constant('add-pool' as const), pool: fc.nat(POOLS.length - 1) }),
  fc.record({ kind: fc.constant('drop-pool' as const), pool: fc.nat(POOLS.length - 1) }),
);

const statusOf = (o: KubeObject): string | undefined => (o.status as { prefix?: string } | undefined)?.prefix;
const inPool = (address: string, pool: string): boolean => {
  const [net, len] = pool.split('/');
  const a = parseAddress(address.split('/')[0]!);
  const n = parseAddress(net!);
  if (!a.ok || !n.ok) throw new Error(`bad address ${address} or pool ${pool}`);
  return a.value.value >> BigInt(32 - Number(len)) === n.value.value >> BigInt(32 - Number(len));
};

it('pools added and dropped between concurrent NF renders: held addresses always lie in published pools, a held pool is never withdrawn', async () => {
  let run = 0;
  let withdrawals = 0;
  let refusals = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(command, { minLength: 1, maxLength: 4 }), { minLength: 3, maxLength: 8 }), async (steps) => {
      const config: LedgerConfig = { prefix: `/life${run++}`, etcd: { endpoints: etcd.endpoints } };
      const keys = new LedgerKeys(config.prefix);
      await initialise(client, keys, 'init');
      const render = async (items: KubeObject[]): Promise<{ items: KubeObject[]; results: Result[] }> => {
        const input = { items };
        return withAddressLedger(config, input, (hooks) => ipamFn(input, hooks), { client });
      };
      const published = async (): Promise<string[]> => {
        const kv = await client.get(keys.pools(NI));
        return kv ? decodeRecord('pools', kv.key, kv.value).pools.map((d) => d.prefix) : [];
      };
      let defined = [POOLS[0]!];
      expect((await render(networks(defined))).results.filter((r) => r.severity === 'error')).toEqual([]);
      const git = Array.from({ length: PACKAGES }, (_, p) => [kptfile(`pkg${p}`), workloadCluster(p)]);
      const held = new Map<string, string>(); // claim name -> address
      for (const step of steps) {
        const touched = new Set<number>();
        let next = defined;
        for (const c of step) {
          if (c.kind === 'add-pool') next = [...new Set([...next, POOLS[c.pool]!])];
          else if (c.kind === 'drop-pool') next = next.length > 1 ? next.filter((p) => p !== POOLS[c.pool]) : next;
          else if (c.kind === 'add') {
            if (!git[c.pkg]!.some((o) => o.metadata.name === `nf${c.pkg}-${c.iface}-ipv4`)) git[c.pkg]!.push(claim(c.pkg, c.iface));
            touched.add(c.pkg);
          } else {
            const claims = git[c.pkg]!.filter((o) => o.kind === 'IPClaim');
            if (claims.length > 0) {
              const gone = claims[c.slot % claims.length]!.metadata.name;
              git[c.pkg] = git[c.pkg]!.filter((o) => o.metadata.name !== gone);
            }
            touched.add(c.pkg);
          }
        }
        const dropped = defined.filter((p) => !next.includes(p));
        const heldBefore = new Map(held);
        const networksRender = next.join() !== defined.join() ? render(networks(next)) : undefined;
        const nfRenders = [...touched].map(async (p) => [p, await render(git[p]!)] as const);
        const [net, ...outs] = await Promise.all([networksRender, ...nfRenders]);

        for (const [p, out] of outs as (readonly [number, { items: KubeObject[]; results: Result[] }])[]) {
          expect(out.results.filter((r) => r.severity === 'error')).toEqual([]);
          const before = new Map(git[p]!.filter((o) => o.kind === 'IPClaim').map((o) => [o.metadata.name!, statusOf(o)]));
          for (const o of out.items.filter((x) => x.kind === 'IPClaim')) {
            const was = before.get(o.metadata.name!);
            if (was !== undefined) expect(statusOf(o)).toBe(was); // persistent
          }
          for (const name of [...held.keys()]) if (name.startsWith(`nf${p}-`)) held.delete(name);
          for (const o of out.items) if (o.kind === 'IPClaim') held.set(o.metadata.name!, statusOf(o)!);
          git[p] = out.items;
        }
        const now = await published();
        if (net) {
          const errors = net.results.filter((r) => r.severity === 'error');
          if (errors.length === 0) {
            // Withdrawn: the ledger publishes exactly the package's pools.
            expect(now).toEqual([...next].sort());
            withdrawals += dropped.length;
            defined = next;
          } else {
            // Refused: every holder it names is a claim that holds that address, in a dropped pool.
            refusals++;
            for (const e of errors) {
              expect(e.message).toMatch(/cannot be withdrawn .* still held: .* Nothing was written/);
              const named = [...e.message.matchAll(/(\d+\.\d+\.\d+\.\d+) \(claim c\d\/ns\/(nf\d-[a-e]-ipv4), package pkg\d\)/g)];
              expect(named.length).toBeGreaterThan(0);
              for (const m of named) {
                expect(dropped.some((p) => inPool(m[1]!, p))).toBe(true);
                // Held when the withdrawal read it: before this step, or by this step's render of its package.
                const was = [heldBefore.get(m[2]!), held.get(m[2]!)].map((a) => a?.split('/')[0]);
                expect(was).toContain(m[1]);
              }
            }
            // Nothing was withdrawn: the old definition stands (a pool it added stays published).
            for (const p of defined) expect(now).toContain(p);
          }
        }
        // Held addresses lie in published pools and are unique.
        for (const [name, addr] of held) expect([name, now.some((p) => inPool(addr, p))]).toEqual([name, true]);
        const addresses = [...held.values()];
        expect(new Set(addresses).size).toBe(addresses.length);
        // No key names a pool the ledger no longer publishes; owners are exactly the claims.
        const all = await client.range(keys.root(), prefixEnd(keys.root()));
        const owners: string[] = [];
        for (const kv of all) {
          const k = keys.parse(kv.key);
          if (k?.kind === 'chunk' || k?.kind === 'prefixPool') expect(now).toContain(k.pool);
          if (k?.kind === 'affinity') for (const pool of Object.keys(decodeRecord('affinity', kv.key, kv.value))) expect(now).toContain(pool);
          if (k?.kind === 'carve') for (const pool of Object.keys(decodeRecord('carve', kv.key, kv.value))) expect(now).toContain(pool);
          if (k?.kind === 'owner') owners.push(`${k.binding.split('/').pop()} ${decodeRecord('owner', kv.key, kv.value).prefix}`);
        }
        expect(owners.sort()).toEqual([...held].map(([n, a]) => `${n} ${a}`).sort());
      }
    }),
    { numRuns: 20 },
  );
  // The runs exercised both outcomes.
  expect(withdrawals).toBeGreaterThan(0);
  expect(refusals).toBeGreaterThan(0);
});
