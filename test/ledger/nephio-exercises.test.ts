/**
 * Nephio's exercise 1 (free5gc: AMF and SMF on regional, UPF on edge01 and edge02, the UERANSIM
 * gNB on edge01) and exercise 2 (OAI: CU-CP on regional, CU-UP and DU on edge, as the catalog's
 * workloads/oai/package-variants place them) replayed the way Porch runs them, on the vendored
 * catalog packages: the management packages first (distros/sandbox/network, one
 * infra/capi/vlanindex per cluster), then every NF package specialized as the PackageVariant
 * controller leaves it, each rendered by its own `kpt fn render` process, all at once, against
 * one real etcd. Then what Nephio's downstream reads is checked across all packages.
 */
import { spawnSync } from 'node:child_process';
import { EtcdClient } from '../../functions/lib/src/ledger';
import { EtcdCluster, startReady } from './etcd';
import { CLI, files, initLedger, renderOk, treeHash } from './packages';
import { conditionOf, Doc, docs, Ledger, networkPackage, one, removeScratch, specialize, vlanIndexPackage } from './porch-variant';

jest.setTimeout(180000);

const PREFIX = '/nephio-exercises';
let etcd: EtcdCluster;
let client: EtcdClient;
let ledger: Ledger;

beforeAll(async () => {
  ({ etcd, client } = await startReady());
  initLedger(etcd.endpoints, PREFIX);
  ledger = { endpoints: etcd.endpoints, prefix: PREFIX };
});

afterAll(async () => {
  client?.close();
  await etcd?.stop();
  removeScratch();
});


/** The NF packages of both exercises: catalog blueprint, cluster, namespace, downstream package. */
const VARIANTS = [
  ['workloads/free5gc/pkg-example-amf-bp', 'regional', 'free5gc-cp', 'free5gc-amf'],
  ['workloads/free5gc/pkg-example-smf-bp', 'regional', 'free5gc-cp', 'free5gc-smf'],
  ['workloads/free5gc/pkg-example-upf-bp', 'edge01', 'free5gc-upf', 'free5gc-upf'],
  ['workloads/free5gc/pkg-example-upf-bp', 'edge02', 'free5gc-upf', 'free5gc-upf'],
  ['workloads/tools/ueransim', 'edge01', 'ueransim', 'ueransim'],
  ['workloads/oai/pkg-example-cucp-bp', 'regional', 'oai-ran-cucp', 'oai-ran-cucp'],
  ['workloads/oai/pkg-example-cuup-bp', 'edge', 'oai-ran-cuup', 'oai-ran-cuup'],
  ['workloads/oai/pkg-example-du-bp', 'edge', 'oai-ran-du', 'oai-ran-du'],
] as const;
const CLUSTERS = ['regional', 'edge01', 'edge02', 'edge'];

const of = (dir: string, kind: string): Doc[] => docs(dir).map(({ doc }) => doc).filter((d) => d.kind === kind);
const ipValue = (a: string): bigint =>
  a.includes(':')
    ? a.split('::').length > 1
      ? ipValue(expandV6(a))
      : a.split(':').reduce((n, h) => (n << 16n) + BigInt(parseInt(h || '0', 16)), 0n)
    : a.split('.').reduce((n, o) => (n << 8n) + BigInt(o), 0n);
function expandV6(a: string): string {
  const [head, tail] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  return [...h, ...Array(8 - h.length - t.length).fill('0'), ...t].join(':');
}
const inside = (address: string, cidr: string): boolean => {
  const [net, len] = cidr.split('/');
  if (address.includes(':') !== net!.includes(':')) return false;
  const bits = net!.includes(':') ? 128 : 32;
  const shift = BigInt(bits - Number(len));
  return ipValue(address) >> shift === ipValue(net!) >> shift;
};

describe("Nephio's exercises 1 and 2 on the Porch path, with the shared ledger", () => {
  it('management packages first, then every NF package rendered concurrently: allocations inside the Networks, one VLAN per bridge domain, unique addresses, the gNB reads the AMF, ready, byte-identical, verify clean', async () => {
    const started = Date.now();
    const network = networkPackage(ledger);
    const indexes = CLUSTERS.map((c) => vlanIndexPackage(c, ledger));
    await Promise.all([network, ...indexes].map((d) => renderOk(d)));

    const nfs = VARIANTS.map(([pkg, cluster, ns, downstream]) => ({ cluster, dir: specialize(pkg, cluster, ns, { ledger, downstream }), downstream }));
    await Promise.all(nfs.map((n) => renderOk(n.dir)));
    // Porch re-renders a package whenever it changes; the gNB read the AMF's N2 only if the AMF's render came first.
    const gnb = nfs.find((n) => n.downstream === 'ueransim')!.dir;
    const amf = nfs.find((n) => n.downstream === 'free5gc-amf')!.dir;
    await renderOk(gnb);

    // The Networks' prefixes, from the management package as published.
    const prefixes = of(network, 'Network').flatMap((n) =>
      (n.spec!.routingTables as { name: string; prefixes: { prefix: string; labels?: Record<string, string> }[] }[]).flatMap((t) => t.prefixes.map((p) => ({ ni: t.name, ...p }))),
    );
    const addresses = new Map<string, string>();
    let claimCount = 0;
    for (const n of nfs) {
      for (const c of of(n.dir, 'IPClaim')) {
        const status = c.status as { prefix?: string } | undefined;
        expect([n.downstream, c.metadata.name, status?.prefix]).toEqual([n.downstream, c.metadata.name, expect.any(String)]);
        if (c.metadata.annotations?.['nephio.org/action'] === 'get') continue;
        claimCount++;
        const ni = (c.spec!.networkInstance as { name: string }).name;
        const selector = ((c.spec!.selector as { matchLabels?: Record<string, string> } | undefined)?.matchLabels ?? {}) as Record<string, string>;
        const address = status!.prefix!.split('/')[0]!;
        // Inside a prefix of its routing table that Nephio's selector picks (the labels the prefix carries agree).
        const fits = prefixes.filter((p) => p.ni === ni && Object.entries(p.labels ?? {}).every(([k, v]) => k === 'nephio.org/prefix-kind' || selector[k] === undefined || selector[k] === v));
        expect([c.metadata.name, fits.some((p) => inside(address, p.prefix))]).toEqual([c.metadata.name, true]);
        const key = `${ni} ${address}`;
        expect([key, addresses.get(key)]).toEqual([key, undefined]);
        addresses.set(key, `${n.downstream}@${n.cluster}/${c.metadata.name}`);
      }
    }
    expect(claimCount).toBe(17);

    // One VLAN per bridge domain per cluster; different bridge domains of a cluster, different IDs.
    const byDomain = new Map<string, Set<number>>();
    const byCluster = new Map<string, Map<number, string>>();
    for (const n of nfs) {
      for (const v of of(n.dir, 'VLANClaim')) {
        const id = (v.status as { vlanID?: number } | undefined)?.vlanID;
        expect([v.metadata.name, typeof id]).toEqual([v.metadata.name, 'number']);
        const domain = v.metadata.annotations?.['specializer.nephio.org/vlanClaimName'] ?? v.metadata.name;
        const ids = byDomain.get(domain) ?? new Set<number>();
        ids.add(id!);
        byDomain.set(domain, ids);
        const seen = byCluster.get(n.cluster) ?? new Map<number, string>();
        expect([id, seen.get(id!) ?? domain]).toEqual([id, domain]);
        seen.set(id!, domain);
        byCluster.set(n.cluster, seen);
      }
    }
    for (const [domain, ids] of byDomain) expect([domain, ids.size]).toEqual([domain, 1]);
    // The DU's F1 and the CU-UP's F1-U are one bridge domain on edge: one VLAN.
    const du = nfs.find((n) => n.downstream === 'oai-ran-du')!.dir;
    const cuup = nfs.find((n) => n.downstream === 'oai-ran-cuup')!.dir;
    const duVlan = of(du, 'VLANClaim')[0]!;
    const cuupF1u = of(cuup, 'VLANClaim').find((v) => v.metadata.annotations?.['specializer.nephio.org/vlanClaimName'] === 'vpc-cudu-f1-edge-bd')!;
    expect(duVlan.metadata.annotations?.['specializer.nephio.org/vlanClaimName']).toBe('vpc-cudu-f1-edge-bd');
    expect(cuupF1u.status).toEqual(duVlan.status);

    // NAD masters <masterInterface>.<vlan>; NFDeployments filled; the root gate True.
    for (const n of nfs) {
      const vlanOf = new Map(of(n.dir, 'VLANClaim').map((v) => [v.metadata.name, (v.status as { vlanID: number }).vlanID]));
      const nads = of(n.dir, 'NetworkAttachmentDefinition');
      expect([n.downstream, nads.length > 0]).toEqual([n.downstream, true]);
      for (const nad of nads) {
        const config = JSON.parse(String((nad.spec as { config: string }).config)) as { plugins: { type: string; master?: string }[] };
        const macvlan = config.plugins.find((p) => p.type === 'macvlan')!;
        expect([nad.metadata.name, macvlan.master]).toEqual([nad.metadata.name, `eth1.${vlanOf.get(nad.metadata.name)}`]);
      }
      for (const d of of(n.dir, 'NFDeployment')) {
        const itfs = (d.spec as { interfaces?: { name: string; ipv4?: { address: string }; vlanID?: number }[] }).interfaces ?? [];
        expect([d.metadata.name, itfs.length > 0, itfs.every((i) => i.ipv4?.address && typeof i.vlanID === 'number')]).toEqual([d.metadata.name, true, true]);
      }
      expect([n.downstream, n.cluster, conditionOf(n.dir, 'netpipe.dev/networks-ready')?.status]).toEqual([n.downstream, n.cluster, 'True']);
    }

    // The gNB's get claim: the AMF's N2 address, exactly.
    expect(one(gnb, 'IPClaim', 'amf-regional-n2-ipv4').status).toEqual(one(amf, 'IPClaim', 'amf-regional-n2-ipv4').status);
    const firstPass = Date.now() - started;

    // Every package rendered again, all at once: not one byte changes.
    const all = [network, ...indexes, ...nfs.map((n) => n.dir)];
    const hashes = all.map(treeHash);
    await Promise.all(all.map((d) => renderOk(d)));
    expect(all.map(treeHash)).toEqual(hashes);
    const verify = spawnSync('node', [CLI, 'ledger', 'verify', ...all, '--endpoints', etcd.endpoints[0]!, '--prefix', PREFIX], { encoding: 'utf8' });
    expect(verify.stdout + verify.stderr).toContain('clean');
    expect(verify.status).toBe(0);
    // Measured on an idle 2-CPU machine: see the README (Using Nephio packages).
    process.stdout.write(`nephio exercises: ${nfs.length} NF packages + ${indexes.length + 1} management packages, first pass ${firstPass} ms, total ${Date.now() - started} ms\n`);
  });

  it('the blueprints as published render with nothing generated', async () => {
    const blueprints = [...new Set(VARIANTS.map(([pkg]) => pkg))].map((pkg) => specialize(pkg, 'example', 'example', { injected: false }));
    const before = blueprints.map(files);
    await Promise.all(blueprints.map((d) => renderOk(d)));
    expect(blueprints.map(files)).toEqual(before);
    for (const b of blueprints) expect([b, of(b, 'NetworkAttachmentDefinition').length, of(b, 'VLANClaim').length]).toEqual([b, 0, 0]);
  });
});
