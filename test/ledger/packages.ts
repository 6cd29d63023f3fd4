/**
 * Generated kpt packages for the ledger tests, each rendered on its own as Porch would: a networks
 * package that publishes pools, and NF packages (one workload of one cluster) whose pipeline runs
 * interface-fn and ipam-fn with the ledger configured in the Kptfile's configMap.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { load } from 'js-yaml';

export const ROOT = join(__dirname, '..', '..');
export const FN = {
  interface: join(ROOT, 'functions/interface-fn/dist/interface-fn.js'),
  ipam: join(ROOT, 'functions/ipam-fn/dist/ipam-fn.js'),
  nad: join(ROOT, 'functions/nad-fn/dist/nad-fn.js'),
};
export const CLI = join(ROOT, 'cli/dist/netpipe.js');

export interface LedgerSettings {
  readonly endpoints: readonly string[];
  readonly prefix: string;
  /** Extra configMap keys (credential files...). */
  readonly extra?: Readonly<Record<string, string>>;
  /** Leave the ledger uninitialised (the ledger's endpoints are not reachable from here, or the test initialises it itself). */
  readonly skipInit?: boolean;
}

export interface InterfaceSpec {
  readonly name: string;
  readonly ni: string;
  readonly dualStack?: boolean;
}

const initialised = new Set<string>();

/**
 * `netpipe ledger init` of a ledger, once per endpoints and prefix: renders refuse a ledger that
 * was never initialised (an empty prefix may be a wiped one), so every test ledger starts this way.
 */
export function initLedger(endpoints: readonly string[], prefix: string, extraArgs: readonly string[] = [], env: NodeJS.ProcessEnv = process.env): void {
  const id = `${endpoints.join(',')} ${prefix}`;
  if (initialised.has(id)) return;
  const r = spawnSync('node', [CLI, 'ledger', 'init', '--endpoints', endpoints.join(','), '--prefix', prefix, ...extraArgs], { encoding: 'utf8', env });
  if (r.status !== 0) throw new Error(`netpipe ledger init ${prefix} failed (${r.status}): ${r.stderr}${r.stdout}`);
  initialised.add(id);
}

function ipamStep(ledger: LedgerSettings, image?: string): string {
  if (!ledger.skipInit) initLedger(ledger.endpoints, ledger.prefix);
  const data: Record<string, string> = { ledgerEndpoints: ledger.endpoints.join(','), ledgerPrefix: ledger.prefix, ...ledger.extra };
  const lines = Object.entries(data).map(([k, v]) => `      ${k}: ${JSON.stringify(v)}`);
  return `  - ${image ? `image: ${image}` : `exec: ${FN.ipam}`}\n    configMap:\n${lines.join('\n')}\n`;
}

export function writeNetworksPackage(
  dir: string,
  name: string,
  instances: readonly { name: string; prefixes: readonly { prefix: string; labels?: Record<string, string>; gateway?: string }[] }[],
  ledger: LedgerSettings,
): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'Kptfile'),
    `apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: ${name}\n  annotations:\n    config.kubernetes.io/local-config: "true"\npipeline:\n  mutators:\n${ipamStep(ledger)}`,
  );
  const docs = instances.map((ni) => {
    const prefixes = ni.prefixes
      .map((p) => {
        let s = `  - prefix: ${p.prefix}\n`;
        if (p.gateway) s += `    gateway: ${p.gateway}\n`;
        const labels = Object.entries(p.labels ?? {});
        if (labels.length) s += `    labels:\n${labels.map(([k, v]) => `      ${k}: ${v}\n`).join('')}`;
        return s;
      })
      .join('');
    return `apiVersion: ipam.resource.nephio.org/v1alpha1\nkind: NetworkInstance\nmetadata:\n  name: ${ni.name}\n  annotations:\n    config.kubernetes.io/local-config: "true"\nspec:\n  prefixes:\n${prefixes}`;
  });
  writeFileSync(join(dir, 'network-instances.yaml'), docs.join('---\n'));
}

export function writeNfPackage(
  dir: string,
  opts: {
    name: string;
    cluster: string;
    nf: string;
    interfaces: readonly InterfaceSpec[];
    ledger: LedgerSettings;
    image?: { interface: string; ipam: string };
    /** Write the IPClaims interface-fn would make and run ipam-fn alone (half the processes). */
    claimsOnly?: boolean;
  },
): void {
  mkdirSync(dir, { recursive: true });
  const first = opts.claimsOnly ? '' : opts.image ? `  - image: ${opts.image.interface}\n` : `  - exec: ${FN.interface}\n`;
  writeFileSync(
    join(dir, 'Kptfile'),
    `apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: ${opts.name}\n  annotations:\n    config.kubernetes.io/local-config: "true"\npipeline:\n  mutators:\n${first}${ipamStep(opts.ledger, opts.image?.ipam)}`,
  );
  writeFileSync(
    join(dir, 'workload-cluster.yaml'),
    `apiVersion: infra.nephio.org/v1alpha1\nkind: WorkloadCluster\nmetadata:\n  name: ${opts.cluster}\n  annotations:\n    config.kubernetes.io/local-config: "true"\nspec:\n  clusterName: ${opts.cluster}\n  cnis:\n  - macvlan\n  masterInterface: ens4\n`,
  );
  if (opts.claimsOnly) writeClaims(dir, opts.cluster, opts.nf, opts.interfaces);
  else writeInterfaces(dir, opts.nf, opts.interfaces);
}

/** The IPClaims interface-fn generates for these Interfaces (one per family). */
export function writeClaims(dir: string, cluster: string, nf: string, interfaces: readonly InterfaceSpec[]): void {
  for (const i of interfaces) {
    for (const family of i.dualStack ? ['ipv4', 'ipv6'] : ['ipv4']) {
      const name = `${nf}-${i.name}-${family}`;
      writeFileSync(
        join(dir, `ipclaim-${name}.yaml`),
        `apiVersion: ipam.resource.nephio.org/v1alpha1\nkind: IPClaim\nmetadata:\n  name: ${name}\n  namespace: ${nf}\n  annotations:\n    config.kubernetes.io/local-config: 'true'\n    netpipe.dev/interface: ${nf}/${i.name}\n` +
          `spec:\n  kind: network\n  networkInstance:\n    name: ${i.ni}\n  selector:\n    matchLabels:\n      nephio.org/address-family: ${family}\n      nephio.org/cluster-name: ${cluster}\n`,
      );
    }
  }
}

export function writeInterfaces(dir: string, nf: string, interfaces: readonly InterfaceSpec[]): void {
  const docs = interfaces.map(
    (i) =>
      `apiVersion: req.nephio.org/v1alpha1\nkind: Interface\nmetadata:\n  name: ${i.name}\n  namespace: ${nf}\n  annotations:\n    specializer.nephio.org/owner: workload.nephio.org/v1alpha1.NFDeployment.${nf}\n    specializer.nephio.org/for: workload.nephio.org/v1alpha1.NFDeployment.${nf}\nspec:\n  networkInstance:\n    name: ${i.ni}\n  cniType: macvlan\n  attachmentType: none\n  ipFamilyPolicy: ${i.dualStack ? 'dual-stack' : 'ipv4-only'}\n`,
  );
  writeFileSync(join(dir, 'interfaces.yaml'), docs.join('---\n'));
}

export interface Rendered {
  readonly status: number | null;
  readonly output: string;
}

/** `kpt fn render` of one package, as its own process (renders run concurrently). */
export function render(dir: string, extraArgs: readonly string[] = ['--allow-exec'], env: NodeJS.ProcessEnv = process.env): Promise<Rendered> {
  return new Promise((resolve, reject) => {
    const p = spawn('kpt', ['fn', 'render', ...extraArgs, dir], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    p.stdout.on('data', (c: Buffer) => (output += c.toString()));
    p.stderr.on('data', (c: Buffer) => (output += c.toString()));
    p.on('error', reject);
    p.on('exit', (status) => resolve({ status, output }));
  });
}

/** A render that must succeed; its output (kpt's and the functions' results). */
export async function renderOk(dir: string, extraArgs?: readonly string[], env?: NodeJS.ProcessEnv): Promise<string> {
  const r = await render(dir, extraArgs, env);
  if (r.status !== 0) throw new Error(`kpt fn render ${dir} failed (${r.status}):\n${r.output}`);
  return r.output;
}

/** Claim name -> status.prefix of every IPClaim file under `dir`. */
export function claimPrefixes(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of files(dir)) {
    if (!/ipclaim-.*\.yaml$/.test(f)) continue;
    const doc = load(readFileSync(join(dir, f), 'utf8')) as { metadata: { name: string }; status?: { prefix?: string } };
    if (doc.status?.prefix) out[doc.metadata.name] = doc.status.prefix;
  }
  return out;
}

export function files(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const n of readdirSync(d).sort()) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

/** A hash of every file's path and bytes: "byte-identical" in one comparison. */
export function treeHash(dir: string): string {
  const h = createHash('sha256');
  for (const f of files(dir)) h.update(f).update('\0').update(readFileSync(join(dir, f))).update('\0');
  return h.digest('hex');
}
