/**
 * netpipe's inputs for an imported cluster, as files: the cluster package (Kptfile running
 * netpipe-fn, WorkloadCluster, NetworkInstances, VLANIndex) and one subpackage per workload (its
 * Interfaces, the workload with its annotation, and the claims that adopt its addresses).
 *
 * Adoption uses what interface-fn and ipam-fn already keep: an IPClaim carrying
 * `netpipe.dev/interface` is interface-fn's own claim for that Interface, and its `spec.prefix` is
 * a chosen address - reserved before anything is allocated, never moved, written into
 * `status.prefix` by ipam-fn. A VLANClaim's `spec.vlanID` likewise. So the first render binds
 * exactly the addresses and VLANs the pods have now.
 */
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  ANNOTATIONS, API, attachmentName, childAnnotations, claimName, FROM_INTERFACE, Interface, interfaceRef, KubeObject, VLAN_CLAIM_NAME,
  generatedFileName,
} from '../../../functions/lib/src';
import { NETWORKS_ANNOTATION } from '../../../functions/lib/src/network-selection';
import { dumpYaml } from '../../../functions/lib/src/yaml/scalar-schema';
import { Attachment } from './attachments';
import { nameRef } from './manifests';
import { NetworkPlan } from './networks';
import { Workload } from './workloads';

/** Marks what the import wrote, naming where it came from. */
export const IMPORTED_FROM = 'netpipe.dev/imported-from';

export interface PackageFiles {
  /** Path inside DIR -> file text. */
  files: Map<string, string>;
  /** Per attachment, the NAD name the render gives it. */
  nadNames: Map<Attachment, string>;
}

export interface WriteOptions {
  cluster: string;
  master: string;
  /** `exec:` path or `image:` reference of netpipe-fn. */
  fn: { exec: string } | { image: string };
  config: Record<string, string>;
  description: string;
}

const LOCAL = { [ANNOTATIONS.localConfig]: 'true' };
/** Fields the API server sets; they do not belong in a package. */
const SERVER_METADATA = ['uid', 'resourceVersion', 'creationTimestamp', 'generation', 'managedFields', 'selfLink', 'ownerReferences'];
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

const docs = (objects: readonly object[]): string => objects.map((o) => dumpYaml(o)).join('---\n');

function forOf(w: Workload): string {
  return `apps/v1.${w.kind}.${w.name}`;
}

function familyPolicy(a: Attachment): 'ipv4-only' | 'ipv6-only' | 'dual-stack' | 'none' {
  const f = new Set(a.addresses.map((x) => x.family));
  if (f.size === 0) return 'none';
  if (f.size === 2) return 'dual-stack';
  return f.has('ipv4') ? 'ipv4-only' : 'ipv6-only';
}

function interfaceOf(a: Attachment, network: NetworkPlan): Interface {
  return {
    apiVersion: API.interface.apiVersion,
    kind: API.interface.kind,
    metadata: {
      name: a.podInterface,
      namespace: a.workload.namespace,
      annotations: { [ANNOTATIONS.for]: forOf(a.workload), [IMPORTED_FROM]: nameRef(a.nad.manifest) },
    },
    spec: {
      networkInstance: { name: network.name },
      cniType: a.nad.cniType,
      attachmentType: a.nad.vlan !== undefined ? 'vlan' : 'none',
      ipFamilyPolicy: familyPolicy(a),
    },
  };
}

function claimsOf(a: Attachment, itf: Interface, network: NetworkPlan, cluster: string): KubeObject[] {
  return a.addresses.map((addr) => ({
    apiVersion: API.ipClaim.apiVersion,
    kind: API.ipClaim.kind,
    metadata: {
      name: claimName(itf, addr.family),
      namespace: a.workload.namespace,
      annotations: { ...childAnnotations(itf), ...LOCAL, [FROM_INTERFACE]: interfaceRef(itf), [IMPORTED_FROM]: a.origin },
    },
    spec: {
      kind: 'network',
      networkInstance: { name: network.name },
      prefix: addr.cidr,
      selector: { matchLabels: { 'nephio.org/address-family': addr.family, 'nephio.org/cluster-name': cluster } },
    },
  }));
}

function vlanClaimOf(a: Attachment, itf: Interface, network: NetworkPlan, cluster: string): KubeObject {
  return {
    apiVersion: API.vlanClaim.apiVersion,
    kind: API.vlanClaim.kind,
    metadata: {
      name: attachmentName(itf),
      namespace: a.workload.namespace,
      annotations: { ...childAnnotations(itf), [VLAN_CLAIM_NAME]: `${network.name}-${cluster}-bd`, ...LOCAL, [FROM_INTERFACE]: interfaceRef(itf), [IMPORTED_FROM]: nameRef(a.nad.manifest) },
    },
    spec: { vlanIndex: { name: cluster }, vlanID: a.nad.vlan },
  };
}

function networkInstanceOf(n: NetworkPlan): KubeObject {
  const perFamily = new Map<string, number>();
  for (const p of [...n.subnets.map((s) => s.family), ...n.routeOnly.map((r) => (r.includes(':') ? 'ipv6' : 'ipv4'))]) perFamily.set(p, (perFamily.get(p) ?? 0) + 1);
  const severalPerFamily = [...perFamily.values()].some((c) => c > 1);
  return {
    apiVersion: API.networkInstance.apiVersion,
    kind: API.networkInstance.kind,
    metadata: {
      name: n.name,
      annotations: { ...LOCAL, ...(n.routes === 'none' && severalPerFamily ? { 'netpipe.dev/routes': 'none' } : {}) },
    },
    spec: {
      prefixes: [
        ...n.subnets.map((s) => ({
          prefix: s.cidr,
          ...(s.gateway !== undefined ? { gateway: s.gateway } : {}),
          ...(s.exclude.length > 0 ? { exclude: [...new Set(s.exclude)].sort() } : {}),
        })),
        ...n.routeOnly.map((prefix) => ({ prefix, labels: { 'nephio.org/prefix-kind': 'pool' } })),
      ],
    },
  };
}

/** The workload as a package holds it: server-set fields dropped, the annotation naming netpipe's NADs. */
function workloadObject(w: Workload, annotation: string): { object: KubeObject; dropped: string[] } {
  const o = JSON.parse(JSON.stringify(w.manifest.object)) as KubeObject & { spec?: { template?: { metadata?: { annotations?: Record<string, string> } } } };
  const dropped: string[] = [];
  if ('status' in o) {
    delete o.status;
    dropped.push('status');
  }
  const meta = o.metadata as unknown as Record<string, unknown>;
  for (const k of SERVER_METADATA) {
    if (k in meta) {
      delete meta[k];
      dropped.push(`metadata.${k}`);
    }
  }
  if (o.metadata.annotations && LAST_APPLIED in o.metadata.annotations) {
    delete o.metadata.annotations[LAST_APPLIED];
    dropped.push(`metadata.annotations[${LAST_APPLIED}]`);
  }
  o.spec!.template!.metadata!.annotations![NETWORKS_ANNOTATION] = annotation;
  return { object: o, dropped };
}

function entryObject(a: Attachment, nadName: string): Record<string, unknown> {
  const rest = Object.entries(a.entry.fields ?? {}).filter(([k]) => !['name', 'namespace', 'interface', 'ips'].includes(k));
  return { name: nadName, interface: a.podInterface, ...(a.addresses.length > 0 ? { ips: a.addresses.map((x) => x.cidr) } : {}), ...Object.fromEntries(rest) };
}

export interface WorkloadNotes {
  dropped: Map<Workload, string[]>;
}

export function packageFiles(networks: readonly NetworkPlan[], kept: ReadonlyMap<Workload, ReadonlyMap<number, { fields?: Record<string, unknown>; name: string; namespace?: string; interface?: string }>>, opts: WriteOptions): PackageFiles & WorkloadNotes {
  const files = new Map<string, string>();
  const nadNames = new Map<Attachment, string>();
  const dropped = new Map<Workload, string[]>();
  const networkOf = new Map<Attachment, NetworkPlan>();
  for (const n of networks) for (const a of n.attachments) networkOf.set(a, n);
  const byWorkload = new Map<Workload, Attachment[]>();
  for (const a of networkOf.keys()) byWorkload.set(a.workload, [...(byWorkload.get(a.workload) ?? []), a]);
  const workloads = [...byWorkload.keys()].sort((x, y) => `${x.namespace}/${x.name}/${x.kind}`.localeCompare(`${y.namespace}/${y.name}/${y.kind}`));
  const plainNames = new Map<string, number>();
  for (const w of workloads) plainNames.set(w.name, (plainNames.get(w.name) ?? 0) + 1);

  const root = {
    apiVersion: 'kpt.dev/v1',
    kind: 'Kptfile',
    metadata: { name: opts.cluster, annotations: LOCAL },
    info: { description: opts.description },
    pipeline: { mutators: [{ ...opts.fn, ...(Object.keys(opts.config).length > 0 ? { configMap: opts.config } : {}) }] },
  };
  files.set('Kptfile', dumpYaml(root));
  const cnis = [...new Set(networks.flatMap((n) => n.attachments.map((a) => a.nad.cniType)))].sort();
  files.set('workload-cluster.yaml', dumpYaml({
    apiVersion: API.workloadCluster.apiVersion,
    kind: API.workloadCluster.kind,
    metadata: { name: opts.cluster, annotations: LOCAL },
    spec: { clusterName: opts.cluster, cnis, masterInterface: opts.master },
  }));
  const withAddresses = networks.filter((n) => n.subnets.length > 0);
  if (withAddresses.length > 0) files.set('network-instances.yaml', docs([...withAddresses].sort((a, b) => a.name.localeCompare(b.name)).map(networkInstanceOf)));
  if (networks.some((n) => n.vlan !== undefined)) {
    files.set('vlan-index.yaml', dumpYaml({ apiVersion: API.vlanIndex.apiVersion, kind: API.vlanIndex.kind, metadata: { name: opts.cluster, annotations: LOCAL }, spec: {} }));
  }

  for (const w of workloads) {
    const dir = plainNames.get(w.name) === 1 ? w.name : `${w.namespace}-${w.name}-${w.kind.toLowerCase()}`;
    const attachments = [...byWorkload.get(w)!].sort((a, b) => a.entryIndex - b.entryIndex);
    const interfaces: Interface[] = [];
    const generated: [string, KubeObject][] = [];
    for (const a of attachments) {
      const n = networkOf.get(a)!;
      const itf = interfaceOf(a, n);
      interfaces.push(itf);
      nadNames.set(a, attachmentName(itf));
      for (const c of claimsOf(a, itf, n, opts.cluster)) generated.push([generatedFileName('IPClaim', c.metadata.name), c]);
      if (a.nad.vlan !== undefined) {
        const v = vlanClaimOf(a, itf, n, opts.cluster);
        generated.push([generatedFileName('VLANClaim', v.metadata.name), v]);
      }
    }
    const entries: Record<string, unknown>[] = w.entries.map((e, i) => {
      const a = attachments.find((x) => x.entryIndex === i);
      if (a) return entryObject(a, nadNames.get(a)!);
      const k = kept.get(w)?.get(i) ?? e;
      return k.fields ?? { name: k.name, ...(k.namespace !== undefined ? { namespace: k.namespace } : {}), ...(k.interface !== undefined ? { interface: k.interface } : {}) };
    });
    const { object, dropped: d } = workloadObject(w, JSON.stringify(entries));
    if (d.length > 0) dropped.set(w, d);
    files.set(`${dir}/Kptfile`, dumpYaml({ apiVersion: 'kpt.dev/v1', kind: 'Kptfile', metadata: { name: dir, annotations: LOCAL }, info: { description: `${w.kind} ${w.namespace}/${w.name} of cluster ${opts.cluster}` } }));
    files.set(`${dir}/interfaces.yaml`, docs(interfaces));
    files.set(`${dir}/${w.kind.toLowerCase()}.yaml`, dumpYaml(object));
    for (const [file, o] of generated.sort((a, b) => a[0].localeCompare(b[0]))) files.set(`${dir}/${file}`, dumpYaml(o));
  }
  return { files, nadNames, dropped };
}

/** DIR must be new or empty: the import never writes over a package. */
export function checkTarget(dir: string): string | undefined {
  const st = statSync(dir, { throwIfNoEntry: false });
  if (!st) return undefined;
  if (!st.isDirectory()) return `${dir} exists and is not a directory`;
  if (readdirSync(dir).length > 0) return `${dir} is not empty: import into a new or empty directory`;
  return undefined;
}

/** Writes every file beside DIR first and renames it into place, so a failure leaves no half package. */
export function writePackage(dir: string, files: ReadonlyMap<string, string>): void {
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  const scratch = mkdtempSync(join(parent, `.${basename(dir)}-import-`));
  try {
    for (const [path, text] of files) {
      mkdirSync(dirname(join(scratch, path)), { recursive: true });
      writeFileSync(join(scratch, path), text);
    }
    if (statSync(dir, { throwIfNoEntry: false })) rmdirSync(dir);
    renameSync(scratch, dir);
  } catch (e) {
    rmSync(scratch, { recursive: true, force: true });
    throw e;
  }
}
