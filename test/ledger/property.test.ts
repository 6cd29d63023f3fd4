/**
 * Random interleavings against a real etcd, checked against a model: packages of several
 * clusters add and remove Interfaces (single and dual-stack) and re-render, several renders at a
 * time concurrently (in one process: the edge and the unchanged transform, as ipam-fn runs them).
 * After every step: all allocated, unique per network instance, persistent, dual-stack whole,
 * freed addresses never handed out again while the pool has never-used blocks (next-fit), and
 * the ledger's owner records equal the packages' claims.
 */
import fc from 'fast-check';
import { ipamFn } from '../../functions/ipam-fn/src/transform';
import { KubeObject } from '../../functions/lib/src';
import { EtcdClient, initialise, LedgerConfig, withAddressLedger } from '../../functions/lib/src/ledger';
import { dump } from '../../cli/src/ledger-admin';
import { LedgerKeys } from '../../functions/lib/src/ledger/keys';
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

const PACKAGES = 5;
const clusterOf = (pkg: number): string => `c${pkg % 3}`;
const NI = 'vpc-x';

const annotated = (path: string): Record<string, string> => ({ 'internal.config.kubernetes.io/path': path, 'config.kubernetes.io/local-config': 'true' });

function kptfile(name: string): KubeObject {
  return { apiVersion: 'kpt.dev/v1', kind: 'Kptfile', metadata: { name, annotations: annotated('Kptfile') } } as KubeObject;
}

function claim(pkg: number, iface: string, family: 'ipv4' | 'ipv6'): KubeObject {
  const name = `nf${pkg}-${iface}-${family}`;
  return {
    apiVersion: 'ipam.resource.nephio.org/v1alpha1',
    kind: 'IPClaim',
    metadata: { name, namespace: 'ns', annotations: { ...annotated(`ipclaim-${name}.yaml`), 'netpipe.dev/interface': `ns/${iface}` } },
    spec: { kind: 'network', networkInstance: { name: NI }, selector: { matchLabels: { 'nephio.org/address-family': family, 'nephio.org/cluster-name': clusterOf(pkg) } } },
  } as KubeObject;
}

/** A UE pool (`kind: pool`, a /28 of the pool-kind prefix) of the package's cluster. */
function poolClaim(pkg: number, iface: string): KubeObject {
  const name = `nf${pkg}-${iface}-pool`;
  return {
    apiVersion: 'ipam.resource.nephio.org/v1alpha1',
    kind: 'IPClaim',
    metadata: { name, namespace: 'ns', annotations: annotated(`ipclaim-${name}.yaml`) },
    spec: { kind: 'pool', networkInstance: { name: NI }, prefixLength: 28, selector: { matchLabels: { 'nephio.org/cluster-name': clusterOf(pkg) } } },
  } as KubeObject;
}

/** A VLAN of the bridge domain `<iface>-<cluster>-bd`: shared by the packages of one cluster. */
function vlanClaim(pkg: number, iface: string): KubeObject {
  const name = `nf${pkg}-${iface}-vlan`;
  return {
    apiVersion: 'vlan.resource.nephio.org/v1alpha1',
    kind: 'VLANClaim',
    metadata: { name, namespace: 'ns', annotations: { ...annotated(`vlanclaim-${name}.yaml`), 'specializer.nephio.org/vlanClaimName': `${iface}-${clusterOf(pkg)}-bd` } },
    spec: { vlanIndex: { name: clusterOf(pkg) } },
  } as KubeObject;
}

function workloadCluster(pkg: number): KubeObject {
  return { apiVersion: 'infra.nephio.org/v1alpha1', kind: 'WorkloadCluster', metadata: { name: clusterOf(pkg), annotations: annotated('wc.yaml') }, spec: { clusterName: clusterOf(pkg) } } as KubeObject;
}

const networks = (): KubeObject[] => [
  kptfile('networks'),
  {
    apiVersion: 'ipam.resource.nephio.org/v1alpha1',
    kind: 'NetworkInstance',
    metadata: { name: NI, annotations: annotated('ni.yaml') },
    spec: { prefixes: [{ prefix: '10.20.0.0/22' }, { prefix: '2001:db8:20::/64' }, { prefix: '10.30.0.0/22', labels: { 'nephio.org/prefix-kind': 'pool' } }] },
  } as KubeObject,
  ...['c0', 'c1', 'c2'].map(
    (c) => ({ apiVersion: 'vlan.resource.nephio.org/v1alpha1', kind: 'VLANIndex', metadata: { name: c, annotations: annotated('vlan.yaml') }, spec: { minID: 100, maxID: 199 } }) as KubeObject,
  ),
];

type Command = { kind: 'add'; pkg: number; iface: string; dual: boolean; what: 'address' | 'pool' | 'vlan' } | { kind: 'remove'; pkg: number; slot: number } | { kind: 'render'; pkg: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('add' as const),
    pkg: fc.nat(PACKAGES - 1),
    iface: fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'),
    dual: fc.boolean(),
    what: fc.constantFrom('address' as const, 'address' as const, 'pool' as const, 'vlan' as const),
  }),
  fc.record({ kind: fc.constant('remove' as const), pkg: fc.nat(PACKAGES - 1), slot: fc.nat(5) }),
  fc.record({ kind: fc.constant('render' as const), pkg: fc.nat(PACKAGES - 1) }),
);

const statusOf = (o: KubeObject): string | undefined => (o.status as { prefix?: string } | undefined)?.prefix;

it('random add/remove/re-render interleavings with concurrent renderers match the model', async () => {
  let run = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(fc.array(command, { minLength: 1, maxLength: 4 }), { minLength: 3, maxLength: 8 }), async (steps) => {
      const config: LedgerConfig = { prefix: `/prop${run++}`, etcd: { endpoints: etcd.endpoints } };
      await initialise(client, new LedgerKeys(config.prefix), 'init');
      const render = async (items: KubeObject[]): Promise<KubeObject[]> => {
        const input = { items };
        const out = await withAddressLedger(config, input, (hooks) => ipamFn(input, hooks), { client });
        const errors = out.results.filter((r) => r.severity === 'error');
        if (errors.length) throw new Error(errors.map((e) => e.message).join('\n'));
        return out.items;
      };
      await render(networks());
      // Git: each package's items; the model: which Interfaces each package has.
      const git = Array.from({ length: PACKAGES }, (_, p) => [kptfile(`pkg${p}`), workloadCluster(p)]);
      const held = new Map<string, string>(); // claim name -> address it has held
      const freed = new Set<string>();
      const vlans = new Map<string, number>(); // VLANClaim name -> `index id`
      const freedVlans = new Set<string>();
      for (const step of steps) {
        const touched = new Set<number>();
        for (const c of step) {
          const items = git[c.pkg];
          if (c.kind === 'add') {
            if (items.some((o) => o.metadata.name?.startsWith(`nf${c.pkg}-${c.iface}-`))) continue;
            if (c.what === 'pool') items.push(poolClaim(c.pkg, c.iface));
            else if (c.what === 'vlan') items.push(vlanClaim(c.pkg, c.iface));
            else {
              items.push(claim(c.pkg, c.iface, 'ipv4'));
              if (c.dual) items.push(claim(c.pkg, c.iface, 'ipv6'));
            }
          } else if (c.kind === 'remove') {
            const isClaim = (o: KubeObject): boolean => o.kind === 'IPClaim' || o.kind === 'VLANClaim';
            const ifaces = [...new Set(items.filter(isClaim).map((o) => o.metadata.name!.split('-')[1]))];
            if (ifaces.length === 0) continue;
            const gone = ifaces[c.slot % ifaces.length];
            git[c.pkg] = items.filter((o) => !(isClaim(o) && o.metadata.name!.split('-')[1] === gone));
          }
          touched.add(c.pkg);
        }
        // The step's packages render concurrently.
        const outs = await Promise.all([...touched].map(async (p) => [p, await render(git[p])] as const));
        for (const [p, items] of outs) {
          const before = new Map(git[p].filter((o) => o.kind === 'IPClaim').map((o) => [o.metadata.name!, statusOf(o)]));
          for (const o of items) {
            if (o.kind !== 'IPClaim') continue;
            const addr = statusOf(o);
            expect(addr).toBeDefined(); // allocated (dual-stack: both families, checked per claim)
            const was = before.get(o.metadata.name!);
            if (was !== undefined) expect(addr).toBe(was); // persistent
            if (was === undefined) expect(freed.has(addr!)).toBe(false); // freed addresses come last
          }
          // What the package no longer has is freed.
          const names = new Set(items.filter((o) => o.kind === 'IPClaim').map((o) => o.metadata.name!));
          for (const [name, addr] of held) if (name.startsWith(`nf${p}-`) && !names.has(name)) {
            freed.add(addr);
            held.delete(name);
          }
          for (const o of items) if (o.kind === 'IPClaim') held.set(o.metadata.name!, statusOf(o)!);
          // VLANs: allocated, persistent, freed ones (of bridge domains no package holds) come last.
          const vlanBefore = new Map(git[p].filter((o) => o.kind === 'VLANClaim').map((o) => [o.metadata.name!, (o.status as { vlanID?: number } | undefined)?.vlanID]));
          const vlanNames = new Set<string>();
          for (const o of items) {
            if (o.kind !== 'VLANClaim') continue;
            const id = (o.status as { vlanID?: number } | undefined)?.vlanID;
            expect(id).toBeDefined();
            const was = vlanBefore.get(o.metadata.name!);
            if (was !== undefined) expect(id).toBe(was);
            else expect(freedVlans.has(`${clusterOf(p)} ${id}`)).toBe(false);
            vlans.set(o.metadata.name!, id!);
            vlanNames.add(o.metadata.name!);
          }
          for (const name of [...vlans.keys()]) if (name.startsWith(`nf${p}-`) && !vlanNames.has(name)) vlans.delete(name);
          git[p] = items;
        }
        // VLANs: one per bridge domain and index; an ID no claim holds any more is freed.
        const byId = new Map<string, Set<string>>();
        for (const [name, id] of vlans) {
          const [pkg, iface] = name.split('-');
          const key = `${clusterOf(Number(pkg.slice(2)))} ${id}`;
          (byId.get(key) ?? byId.set(key, new Set()).get(key)!).add(iface);
        }
        for (const [key, ifaces] of byId) expect([key, ifaces.size]).toEqual([key, 1]);
        const d0 = await dump(client, new LedgerKeys(config.prefix));
        for (const [index, rec] of d0.vlans) {
          for (const id of Object.keys(rec.held)) expect(byId.has(`${index} ${id}`)).toBe(true);
        }
        // Every ID ever handed out that is not held now counts as freed.
        for (const [index, rec] of d0.vlans) if (rec.cursor !== null) for (let id = 100; id <= rec.cursor; id++) if (!byId.has(`${index} ${id}`)) freedVlans.add(`${index} ${id}`);
        // Unique across all packages.
        const addresses = [...held.values()];
        expect(new Set(addresses).size).toBe(addresses.length);
        // The ledger's owners are exactly the packages' claims.
        const d = await dump(client, new LedgerKeys(config.prefix));
        const ledger = [...(d.owners.get(NI) ?? new Map()).entries()].map(([binding, r]) => `${binding.split('/').pop()} ${r.prefix}`).sort();
        expect(ledger).toEqual([...held.entries()].map(([n, a]) => `${n} ${a}`).sort());
      }
    }),
    { numRuns: 15 },
  );
});
