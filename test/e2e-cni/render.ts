import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { load, loadAll } from 'js-yaml';
import { NetworkAttachmentDefinition } from '../cni';

/*
 * Renders the repository's example packages with the real pipeline: the root Kptfile, its
 * .krmignore, packages/ and the bundles its `exec:` entries name, copied into a temporary
 * directory (so the checkout is never written) and rendered there by `kpt fn render --allow-exec`.
 */

export const REPO = join(__dirname, '..', '..');

type Obj = Record<string, unknown>;

export interface RenderedObject {
  /** File it was read from, relative to the render root. */
  file: string;
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  annotations: Record<string, string>;
  raw: Obj;
}

export interface Workload {
  file: string;
  namespace: string;
  name: string;
  /** The pod template's k8s.v1.cni.cncf.io/networks annotation, as rendered. */
  networks: string;
}

export interface IpClaim {
  /** File it was read from, relative to the render root. */
  file: string;
  name: string;
  namespace: string;
  networkInstance: string;
  /** status.prefix: the address with the prefix length of its subnet. */
  prefix: string;
  gateway?: string;
}

export interface Rendered {
  dir: string;
  /** What kpt printed. */
  log: string;
  objects: RenderedObject[];
  /** Network instances listed in deployment-annotate-fn's `defaultRouteNetworks` in the root Kptfile. */
  defaultRouteNetworks: Set<string>;
  dispose(): void;
}

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function str(o: Obj, key: string, where: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new Error(`${where}: ${key} must be a non-empty string`);
  return v;
}

function child(o: Obj, key: string, where: string): Obj {
  const v = o[key];
  if (!isObj(v)) throw new Error(`${where}: ${key} must be a mapping`);
  return v;
}

interface Mutator {
  exec?: string;
  configMap?: Record<string, string>;
}

function pipelineOf(kptfilePath: string): Mutator[] {
  const kptfile = load(readFileSync(kptfilePath, 'utf8'));
  const pipeline = isObj(kptfile) && isObj(kptfile.pipeline) ? kptfile.pipeline : {};
  const steps = [...(Array.isArray(pipeline.mutators) ? pipeline.mutators : []), ...(Array.isArray(pipeline.validators) ? pipeline.validators : [])];
  return steps.filter(isObj).map((s) => ({
    exec: typeof s.exec === 'string' ? s.exec : undefined,
    configMap: isObj(s.configMap) ? Object.fromEntries(Object.entries(s.configMap).map(([k, v]) => [k, String(v)])) : undefined,
  }));
}

function newestSource(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

/** A bundle older than its function's or the shared library's sources would test yesterday's code. */
function bundleIsCurrent(execPath: string): boolean {
  const bundle = join(REPO, execPath);
  if (!existsSync(bundle)) return false;
  const m = /^functions\/([^/]+)\/dist\//.exec(execPath);
  if (m === null) return true;
  const sources = Math.max(newestSource(join(REPO, 'functions', m[1], 'src')), newestSource(join(REPO, 'functions', 'lib', 'src')));
  return statSync(bundle).mtimeMs >= sources;
}

function ensureBundles(execPaths: string[]): void {
  if (execPaths.every(bundleIsCurrent)) return;
  const r = spawnSync('npm', ['run', 'build'], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0) throw new Error(`npm run build failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  const missing = execPaths.filter((p) => !existsSync(join(REPO, p)));
  if (missing.length > 0) throw new Error(`npm run build did not produce ${missing.join(', ')}`);
}

function readObjects(root: string): RenderedObject[] {
  const out: RenderedObject[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(dir, entry.name);
      const rel = relative(root, p);
      if (entry.isDirectory()) {
        if (rel !== 'functions' && !entry.name.startsWith('.')) walk(p);
        continue;
      }
      if (!/\.ya?ml$/.test(entry.name)) continue;
      for (const doc of loadAll(readFileSync(p, 'utf8'))) {
        if (!isObj(doc)) continue;
        const where = `${rel}`;
        const metadata = child(doc, 'metadata', where);
        const annotations = isObj(metadata.annotations)
          ? Object.fromEntries(Object.entries(metadata.annotations).map(([k, v]) => [k, String(v)]))
          : {};
        out.push({
          file: rel,
          apiVersion: str(doc, 'apiVersion', where),
          kind: str(doc, 'kind', where),
          name: str(metadata, 'name', where),
          namespace: typeof metadata.namespace === 'string' ? metadata.namespace : undefined,
          annotations,
          raw: doc,
        });
      }
    }
  };
  walk(root);
  return out;
}

export function kptVersion(): string {
  const r = spawnSync('kpt', ['version'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) {
    throw new Error('kpt is not installed or does not run (the machine image ships it as package google-cloud-cli-kpt)');
  }
  return r.stdout.trim();
}

export function renderExamplePackages(): Rendered {
  kptVersion();
  const mutators = pipelineOf(join(REPO, 'Kptfile'));
  const execPaths = mutators.map((m) => m.exec).filter((e): e is string => e !== undefined);
  if (execPaths.length === 0) throw new Error('the root Kptfile names no exec: functions');
  ensureBundles(execPaths);

  const dir = mkdtempSync(join(tmpdir(), 'netpipe-e2e-cni-'));
  const dispose = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    for (const f of ['Kptfile', '.krmignore']) copyFileSync(join(REPO, f), join(dir, f));
    cpSync(join(REPO, 'packages'), join(dir, 'packages'), { recursive: true });
    for (const p of execPaths) {
      mkdirSync(dirname(join(dir, p)), { recursive: true });
      copyFileSync(join(REPO, p), join(dir, p));
    }
    const r = spawnSync('kpt', ['fn', 'render', dir, '--allow-exec'], { encoding: 'utf8', timeout: 120_000 });
    const log = `${r.stdout}${r.stderr}`;
    if (r.status !== 0) throw new Error(`kpt fn render --allow-exec failed (exit ${r.status}):\n${log}`);

    const annotateFn = mutators.find((m) => m.exec?.endsWith('/deployment-annotate-fn.js'));
    const defaultRouteNetworks = new Set(
      (annotateFn?.configMap?.defaultRouteNetworks ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
    );
    return { dir, log, objects: readObjects(dir), defaultRouteNetworks, dispose };
  } catch (err) {
    dispose();
    throw err;
  }
}

export function isKind(o: RenderedObject, apiVersion: string, kind: string): boolean {
  return o.apiVersion === apiVersion && o.kind === kind;
}

export function nadsIn(objects: RenderedObject[], namespace: string): NetworkAttachmentDefinition[] {
  return objects
    .filter((o) => isKind(o, 'k8s.cni.cncf.io/v1', 'NetworkAttachmentDefinition') && o.namespace === namespace)
    .map((o) => {
      const spec = child(o.raw, 'spec', o.file);
      return {
        apiVersion: o.apiVersion,
        kind: o.kind,
        metadata: { name: o.name, namespace: o.namespace, annotations: o.annotations },
        spec: { config: str(spec, 'config', `${o.file} spec`) },
      };
    });
}

/** The one Deployment of a package directory (e.g. packages/core01/upf). */
export function deploymentOf(objects: RenderedObject[], packageDir: string): Workload {
  const found = objects.filter((o) => isKind(o, 'apps/v1', 'Deployment') && dirname(o.file) === packageDir);
  if (found.length !== 1) throw new Error(`expected one Deployment in ${packageDir}, found ${found.length}`);
  const [d] = found;
  const template = child(child(d.raw, 'spec', d.file), 'template', `${d.file} spec`);
  const annotations = child(child(template, 'metadata', `${d.file} spec.template`), 'annotations', `${d.file} spec.template.metadata`);
  if (d.namespace === undefined) throw new Error(`${d.file}: the Deployment has no namespace`);
  return { file: d.file, namespace: d.namespace, name: d.name, networks: str(annotations, 'k8s.v1.cni.cncf.io/networks', `${d.file} pod template annotations`) };
}

export function ipClaims(objects: RenderedObject[]): IpClaim[] {
  return objects
    .filter((o) => isKind(o, 'ipam.resource.nephio.org/v1alpha1', 'IPClaim'))
    .map((o) => {
      const spec = child(o.raw, 'spec', o.file);
      const status = child(o.raw, 'status', o.file);
      return {
        file: o.file,
        name: o.name,
        namespace: o.namespace ?? '',
        networkInstance: str(child(spec, 'networkInstance', `${o.file} spec`), 'name', `${o.file} spec.networkInstance`),
        prefix: str(status, 'prefix', `${o.file} status`),
        gateway: typeof status.gateway === 'string' ? status.gateway : undefined,
      };
    });
}

/**
 * `<for>-<if>` of SPEC section 3 (`<for>`: the last `.`-segment of the Interface's for, else owner,
 * annotation). Looked up in the workload's own package: subpackages may hold Interfaces of the same
 * namespace and name (the core cluster's smf and upf both have core/n4).
 */
export function claimStem(objects: RenderedObject[], packageDir: string, namespace: string, interfaceName: string): string {
  const found = objects.filter(
    (o) => isKind(o, 'req.nephio.org/v1alpha1', 'Interface') && dirname(o.file) === packageDir && o.namespace === namespace && o.name === interfaceName,
  );
  if (found.length !== 1) throw new Error(`expected one Interface ${namespace}/${interfaceName} in ${packageDir}, found ${found.length}`);
  const [itf] = found;
  const owner = itf.annotations['specializer.nephio.org/for'] ?? itf.annotations['specializer.nephio.org/owner'];
  const stem = owner?.split('.').pop();
  return stem ? `${stem}-${interfaceName}` : interfaceName;
}

/** The prefixes of a NetworkInstance pool, as written in the rendered packages. */
export function poolPrefixes(objects: RenderedObject[], networkInstance: string): Array<{ prefix: string; gateway?: string }> {
  const ni = objects.find((o) => isKind(o, 'ipam.resource.nephio.org/v1alpha1', 'NetworkInstance') && o.name === networkInstance);
  if (ni === undefined) throw new Error(`no NetworkInstance ${networkInstance} in the render`);
  const prefixes = child(ni.raw, 'spec', ni.file).prefixes;
  return (Array.isArray(prefixes) ? prefixes : []).filter(isObj).map((p) => ({
    prefix: str(p, 'prefix', `${ni.file} spec.prefixes[]`),
    gateway: typeof p.gateway === 'string' ? p.gateway : undefined,
  }));
}
