/**
 * Nephio catalog packages (vendored under third_party/nephio-catalog) as Porch's PackageVariant
 * controller leaves them, with the Kptfile pipeline replaced by netpipe-fn (against the shared
 * ledger, or without it): the WorkloadCluster injected with `kpt.dev/injected-resource`, the Kptfile
 * condition `config.injection.WorkloadCluster.<name>` and its readiness gate (porch
 * controllers/packagevariants/pkg/controllers/packagevariant/injection.go), and the catalog's
 * apply-replacements applied as the blueprint's pipeline would.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load, loadAll } from 'js-yaml';
import { materialize } from '../support/kpt';
import { files, ROOT } from './packages';

export const CATALOG = join(ROOT, 'third_party/nephio-catalog');
export const NETPIPE_FN = join(ROOT, 'functions/netpipe-fn/dist/netpipe-fn.js');

export type Doc = { kind?: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string> }; spec?: Record<string, unknown>; status?: Record<string, unknown> } & Record<
  string,
  unknown
>;

export interface Ledger {
  readonly endpoints: readonly string[];
  readonly prefix: string;
}

const scratch: string[] = [];

/** Removes every scratch copy made so far. */
export function removeScratch(): void {
  while (scratch.length > 0) rmSync(scratch.pop()!, { recursive: true, force: true });
}

/** Every document of the package's files, with its file. */
export function docs(dir: string): { file: string; doc: Doc }[] {
  return files(dir)
    .filter((f) => f.endsWith('.yaml') || f === 'Kptfile')
    .flatMap((file) => (loadAll(readFileSync(join(dir, file), 'utf8')) as Doc[]).filter((d) => d && d.kind).map((doc) => ({ file, doc })));
}

export const one = (dir: string, kind: string, name: string): Doc => {
  const found = docs(dir).filter(({ doc }) => doc.kind === kind && doc.metadata.name === name);
  if (found.length !== 1) throw new Error(`${kind} ${name}: ${found.length} found in ${dir}`);
  return found[0]!.doc;
};

/** Rewrites the documents of one file (each file of these packages holds one document). */
export function edit(dir: string, file: string, change: (d: Doc) => void): void {
  const d = load(readFileSync(join(dir, file), 'utf8')) as Doc;
  change(d);
  writeFileSync(join(dir, file), dump(d, { lineWidth: -1 }));
}

/** apply-replacements with `delimiter: '-'`, `index: 1`: the second `-` segment becomes the cluster. */
const segment = (value: string, cluster: string): string => {
  const parts = value.split('-');
  parts[1] = cluster;
  return parts.join('-');
};

export const readKptfileName = (dir: string): string => (load(readFileSync(join(dir, 'Kptfile'), 'utf8')) as Doc).metadata.name;

export const conditionOf = (dir: string, type: string): { type: string; status: string; reason?: string; message?: string } | undefined =>
  ((one(dir, 'Kptfile', readKptfileName(dir)).status?.conditions ?? []) as { type: string; status: string; message?: string }[]).find((c) => c.type === type);

/** netpipe-fn as the package's whole pipeline, against `ledger` when given. */
function setNetpipe(dir: string, ledger: Ledger | undefined): void {
  edit(dir, 'Kptfile', (k) => {
    k.pipeline = { mutators: [ledger ? { exec: NETPIPE_FN, configMap: { ledgerEndpoints: ledger.endpoints.join(','), ledgerPrefix: ledger.prefix } } : { exec: NETPIPE_FN }] };
  });
}

/** A scratch copy of a vendored catalog package, `_Kptfile`s named `Kptfile` again. */
export function copyOf(pkg: string, name: string): string {
  const dir = materialize(join(CATALOG, pkg), join(mkdtempSync(join(tmpdir(), 'netpipe-porch-')), name));
  scratch.push(join(dir, '..'));
  return dir;
}

/**
 * A catalog package as Porch's PackageVariant controller leaves it for `cluster`, with netpipe-fn
 * as its pipeline. `injected: false` keeps the blueprint as published; `downstream` is the
 * PackageVariant's downstream package name, which Porch gives the clone's Kptfile.
 */
export function specialize(pkg: string, cluster: string, namespace: string, opts: { injected?: boolean; ledger?: Ledger; downstream?: string } = {}): string {
  const dir = copyOf(pkg, opts.downstream ?? cluster);
  const injected = opts.injected ?? true;
  setNetpipe(dir, opts.ledger);
  if (!injected) return dir;
  edit(dir, 'Kptfile', (k) => {
    if (opts.downstream) k.metadata.name = opts.downstream;
    // As porch controllers/packagevariants/.../injection.go writes them.
    k.info = { ...(k.info as object), readinessGates: [{ conditionType: 'config.injection.WorkloadCluster.workload-cluster' }] };
    k.status = { conditions: [{ type: 'config.injection.WorkloadCluster.workload-cluster', status: 'True', reason: 'ConfigInjected', message: `injected resource "${cluster}" from cluster` }] };
  });
  edit(dir, 'workload-cluster.yaml', (w) => {
    w.metadata.annotations = { ...w.metadata.annotations, 'kpt.dev/injected-resource': cluster };
    w.spec = { clusterName: cluster, cnis: ['macvlan'], masterInterface: 'eth1' };
  });
  // The catalog's apply-replacements-owner.yaml / -namespace.yaml, as the pipeline ran them.
  for (const { file, doc } of docs(dir)) {
    const a = doc.metadata.annotations ?? {};
    if (doc.kind === 'NFDeployment' || doc.kind === 'Deployment') {
      if (doc.metadata.name.includes('-')) edit(dir, file, (d) => (d.metadata.name = segment(d.metadata.name, cluster)));
    } else if (doc.kind === 'Interface' || (doc.kind === 'IPClaim' && doc.metadata.name === 'amf-regional-n2-ipv4')) {
      edit(dir, file, (d) => {
        const ann = d.metadata.annotations!;
        if (a['specializer.nephio.org/owner']) ann['specializer.nephio.org/owner'] = segment(a['specializer.nephio.org/owner'], cluster);
        if (doc.kind === 'Interface') ann['specializer.nephio.org/namespace'] = namespace;
      });
    }
  }
  return dir;
}

/** A Nephio VLANIndex management package (catalog infra/capi/vlanindex) for `cluster`. */
export function vlanIndexPackage(cluster: string, ledger: Ledger): string {
  const dir = specialize('infra/capi/vlanindex', cluster, 'default', { ledger });
  // What its Starlark step does: the VLANIndex takes the injected cluster's name.
  edit(dir, 'vlanindex.yaml', (v) => (v.metadata.name = cluster));
  return dir;
}

/**
 * Nephio's Network management package (catalog distros/sandbox/network), with netpipe-fn against
 * the ledger as its pipeline (the catalog package has none): its render publishes the Networks.
 */
export function networkPackage(ledger: Ledger): string {
  const dir = copyOf('distros/sandbox/network', 'network');
  setNetpipe(dir, ledger);
  return dir;
}
