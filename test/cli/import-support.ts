/**
 * Shared pieces of the `netpipe import` tests: the built CLI run as a user runs it, real
 * `kpt fn render --allow-exec` of the package it writes, and what each pod gets - every address,
 * gateway, VLAN, route, master and mode of each workload interface - read on one side from the
 * manifests the import started from and on the other from the rendered package, each read here
 * on its own (not with the import's code), so the tests compare two independent readings.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadAll } from 'js-yaml';

export const ROOT = join(__dirname, '..', '..');
export const FIXTURES = join(__dirname, 'fixtures', 'import');
const CLI = join(ROOT, 'cli', 'dist', 'netpipe.js');

type Doc = Record<string, any>;

export function checkPrerequisites(): void {
  const kpt = spawnSync('kpt', ['version'], { encoding: 'utf8' });
  if (kpt.error || kpt.status !== 0) throw new Error('kpt is not on PATH: these tests need kpt 1.0.0-beta.x');
  for (const p of [CLI, join(ROOT, 'functions', 'netpipe-fn', 'dist', 'netpipe-fn.js')]) {
    if (!existsSync(p)) throw new Error(`missing ${relative(ROOT, p)}: run \`npm run build\` first (\`npm test\` does)`);
  }
}

const scratch: string[] = [];
export function scratchDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'netpipe-import-'));
  scratch.push(d);
  return d;
}
export function cleanup(): void {
  while (scratch.length > 0) rmSync(scratch.pop()!, { recursive: true, force: true });
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function netpipe(args: readonly string[]): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', cwd: ROOT });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

export function render(dir: string): Run {
  const r = spawnSync('kpt', ['fn', 'render', '--allow-exec', '--truncate-output=false', dir], { encoding: 'utf8', cwd: tmpdir(), maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file under a directory, path -> text. */
export function tree(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.set(relative(dir, p), readFileSync(p, 'utf8'));
    }
  };
  walk(dir);
  return out;
}

function docsUnder(dir: string): Doc[] {
  const out: Doc[] = [];
  for (const [path, text] of tree(dir)) {
    if (!/\.ya?ml$/.test(path) && !path.endsWith('Kptfile')) continue;
    for (const d of loadAll(text) as Doc[]) {
      if (d?.kind === 'List') out.push(...(d.items as Doc[]).map((i) => ({ ...i, _dir: join(dir, path, '..') })));
      else if (d) out.push({ ...d, _dir: join(dir, path, '..') });
    }
  }
  return out;
}

/** What one pod interface gets. */
export interface PodInterface {
  type: string;
  master: string | null;
  vlan: number | null;
  mode: string | null;
  addresses: string[];
  gateways: string[];
  routes: string[];
  /** Entry keys besides name, namespace, interface, ips (mac, default-route...). */
  extra: Record<string, unknown>;
}

const MODE_DEFAULT: Record<string, string> = { macvlan: 'bridge', ipvlan: 'l2' };
const isWorkload = (d: Doc): boolean => d.apiVersion === 'apps/v1' && (d.kind === 'Deployment' || d.kind === 'StatefulSet');
const isNad = (d: Doc): boolean => d.kind === 'NetworkAttachmentDefinition';

function entriesOf(w: Doc): Doc[] {
  const text: string = w.spec.template.metadata.annotations['k8s.v1.cni.cncf.io/networks'];
  if (text.trim().startsWith('[')) return JSON.parse(text) as Doc[];
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '').map((s) => {
    const [ref, ifname] = s.split('@');
    const [a, b] = ref.split('/');
    return b === undefined ? { name: a, ...(ifname ? { interface: ifname } : {}) } : { namespace: a, name: b, ...(ifname ? { interface: ifname } : {}) };
  });
}

function mainPlugin(nad: Doc): { top: Doc; main: Doc } {
  const top = JSON.parse(nad.spec.config) as Doc;
  return { top, main: Array.isArray(top.plugins) ? top.plugins[0] : top };
}

const subnetOf = (cidr: string): string => {
  const [addr, len] = cidr.split('/');
  // One IPv6 subnet per NAD in the fixtures: the family and length tell them apart.
  if (addr.includes(':')) return `ipv6/${len}`;
  const n = addr.split('.').map(Number).reduce((x, y) => x * 256 + y, 0);
  const mask = Number(len) === 0 ? 0 : (0xffffffff << (32 - Number(len))) >>> 0;
  const net = (n & mask) >>> 0;
  return `${[24, 16, 8, 0].map((s) => (net >>> s) & 255).join('.')}/${len}`;
};
const familyOf = (a: string): string => (a.includes(':') ? 'ipv6' : 'ipv4');

function nadSettings(nad: Doc): Omit<PodInterface, 'addresses' | 'gateways' | 'routes' | 'extra'> & { routes: Doc[]; nadAddresses: Doc[] } {
  const { top, main } = mainPlugin(nad);
  return {
    type: main.type,
    master: main.master ?? null,
    vlan: main.type === 'sriov' ? (main.vlan ?? top.vlan ?? null) : null,
    mode: main.type === 'sriov' ? null : (main.mode ?? MODE_DEFAULT[main.type]),
    routes: main.ipam?.routes ?? [],
    nadAddresses: main.ipam?.addresses ?? [],
  };
}

const extraOf = (e: Doc): Record<string, unknown> => Object.fromEntries(Object.entries(e).filter(([k]) => !['name', 'namespace', 'interface', 'ips'].includes(k)));

/**
 * Before the import: per `Kind ns/name interface`, what Multus and the plugin give the pod from
 * the static NADs and the annotation (`ips` when the entry has them, else the NAD's addresses;
 * a route without `gw` goes via the address's gateway).
 */
export function podInterfacesBefore(dir: string, addressesOf?: (w: Doc, ifname: string, nad: Doc) => { addresses: string[]; gateways: string[] }): Map<string, PodInterface> {
  const docs = docsUnder(dir);
  const nads = new Map(docs.filter(isNad).map((n) => [`${n.metadata.namespace}/${n.metadata.name}`, n]));
  const out = new Map<string, PodInterface>();
  for (const w of docs.filter(isWorkload)) {
    entriesOf(w).forEach((e, i) => {
      const nad = nads.get(`${e.namespace ?? w.metadata.namespace}/${e.name}`);
      if (!nad) return;
      const ifname = e.interface ?? `net${i + 1}`;
      const s = nadSettings(nad);
      let addresses: string[];
      let gateways: string[];
      if (addressesOf) ({ addresses, gateways } = addressesOf(w, ifname, nad));
      else {
        addresses = (e.ips as string[] | undefined) ?? s.nadAddresses.map((a) => a.address as string);
        gateways = addresses.map((a) => s.nadAddresses.find((n) => subnetOf(n.address) === subnetOf(a) && familyOf(n.address) === familyOf(a))?.gateway ?? s.routes.find((r) => familyOf(r.dst) === familyOf(a) && r.gw)?.gw ?? '');
      }
      const routes = s.routes.map((r) => `${r.dst} via ${r.gw ?? gateways[addresses.findIndex((a) => familyOf(a) === familyOf(r.dst))]}`).sort();
      out.set(`${w.kind} ${w.metadata.namespace}/${w.metadata.name} ${ifname}`, {
        type: s.type, master: s.master, vlan: s.vlan, mode: s.mode, addresses: [...addresses].sort(), gateways: gateways.filter((g) => g !== '').sort(), routes, extra: extraOf(e),
      });
    });
  }
  return out;
}

/** After the render: the same, read from the package - the annotation, netpipe's NADs and the claims' gateways. */
export function podInterfacesAfter(dir: string): { interfaces: Map<string, PodInterface>; foreignEntries: Map<string, Doc[]> } {
  const docs = docsUnder(dir);
  const interfaces = new Map<string, PodInterface>();
  const foreignEntries = new Map<string, Doc[]>();
  for (const w of docs.filter(isWorkload)) {
    const here = docs.filter((d) => d._dir === w._dir);
    const wref = `${w.kind} ${w.metadata.namespace}/${w.metadata.name}`;
    for (const e of entriesOf(w)) {
      const nad = here.find((d) => isNad(d) && d.metadata.name === e.name && d.metadata.namespace === (e.namespace ?? w.metadata.namespace));
      if (!nad) {
        foreignEntries.set(wref, [...(foreignEntries.get(wref) ?? []), e]);
        continue;
      }
      const s = nadSettings(nad);
      const claims = here.filter((d) => d.kind === 'IPClaim' && d.metadata.annotations?.['netpipe.dev/interface'] === `${w.metadata.namespace}/${e.interface}`);
      const addresses = (e.ips as string[]) ?? [];
      interfaces.set(`${wref} ${e.interface}`, {
        type: s.type,
        master: s.master,
        vlan: s.vlan,
        mode: s.mode,
        addresses: [...addresses].sort(),
        gateways: claims.map((c) => c.status?.gateway as string).filter(Boolean).sort(),
        routes: s.routes.map((r) => `${r.dst} via ${r.gw}`).sort(),
        extra: extraOf(e),
      });
      // The claims hold exactly the entry's addresses.
      expect(claims.map((c) => c.status?.prefix).sort()).toEqual([...addresses].sort());
    }
  }
  return { interfaces, foreignEntries };
}

/** The entries of the input workloads that name no NAD of the input, per workload. */
export function foreignEntriesBefore(dir: string): Map<string, Doc[]> {
  const docs = docsUnder(dir);
  const nads = new Set(docs.filter(isNad).map((n) => `${n.metadata.namespace}/${n.metadata.name}`));
  const out = new Map<string, Doc[]>();
  for (const w of docs.filter(isWorkload)) {
    const foreign = entriesOf(w).filter((e) => !nads.has(`${e.namespace ?? w.metadata.namespace}/${e.name}`));
    if (foreign.length > 0) out.set(`${w.kind} ${w.metadata.namespace}/${w.metadata.name}`, foreign);
  }
  return out;
}
