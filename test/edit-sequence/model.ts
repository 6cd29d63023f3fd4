/**
 * The edit-sequence model: a package set as plain items (what `kpt fn source` gives, parsed), the
 * user edits a platform engineer makes on day 2, and what the model expects of the render that
 * follows each edit. An edit is plain JSON (`{"kind": "...", "pick": 3}`), so a sequence found by
 * the property test can be stored under fixtures/edit-sequences/ and replayed as it was.
 */
import { isObject, scalarText } from '../../functions/lib/src';
import { ResourceListReader } from '../../functions/lib/src/resource-list';
import { dumpYaml } from '../../functions/lib/src/yaml/scalar-schema';

/** An item as the test edits it: JSON, every scalar as its YAML text. */
export type Doc = Record<string, any>;

export const PATH = 'config.kubernetes.io/path';
export const INTERNAL_PATH = 'internal.config.kubernetes.io/path';
export const FOR = 'specializer.nephio.org/for';
export const OWNER = 'specializer.nephio.org/owner';
export const NETWORKS = 'k8s.v1.cni.cncf.io/networks';

export type Edit =
  | { kind: 'renameWorkload'; pick: number }
  | { kind: 'renameInterface'; pick: number }
  | { kind: 'moveNamespace'; pick: number }
  | { kind: 'removeInterface'; pick: number }
  | { kind: 'widenPool'; pick: number }
  | { kind: 'shrinkPool'; pick: number; by: number }
  | { kind: 'toggleVlan'; pick: number }
  | { kind: 'movePackage'; pick: number }
  | { kind: 'addInterface'; pick: number; network: number }
  | { kind: 'addWorkload'; pick: number; network: number }
  | { kind: 'setReplicas'; pick: number; replicas: number }
  | { kind: 'addNetworks'; pick: number; overlap: boolean };

/** `tree`: netpipe-fn over the whole tree; `four`: the four functions chained, compared with netpipe-fn; `ledger`: each package on its own against a shared etcd ledger, as Porch renders. */
export type Mode = 'tree' | 'four' | 'ledger';

export interface Sequence {
  mode: Mode;
  edits: Edit[];
  /** A recorded sequence says what it once found. */
  why?: string;
}

/** An Interface a workload names: where it lives and under which name now. */
export interface ModelInterface {
  id: number;
  dir: string;
  name: string;
  namespace: string;
  removed: boolean;
}

/**
 * What the render after an edit must do. `error`: fail, each group of `names` all in one error
 * result (a shrink cutting off two holders: one group per holder, as each gets its own error);
 * `either`: an edit the model cannot decide (a shrink that cuts off a pool's explicit gateway or
 * exclusions) - success or such an error.
 */
export type Expectation = { outcome: 'ok' } | { outcome: 'error' | 'either'; names: string[][] };

export function itemsOfText(text: string): Doc[] {
  const items = new ResourceListReader().read(text).items;
  return items.map((o) => JSON.parse(JSON.stringify(o, (_k, v: unknown) => (isObject(v) || Array.isArray(v) ? v : scalarText(v) ?? v))) as Doc);
}

export function toResourceList(items: readonly Doc[], functionConfig?: Doc): string {
  const indent = (text: string, first: string): string => text.replace(/\n$/, '').split('\n').map((l, j) => (j === 0 ? `${first}${l}` : `  ${l}`)).join('\n');
  const texts = items.map((item) => `${indent(dumpYaml(item), '- ')}\n`);
  const config = functionConfig ? `functionConfig:\n  ${indent(dumpYaml(functionConfig), '')}\n` : '';
  return `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${texts.join('')}${config}`;
}

export const pathOf = (o: Doc): string => o.metadata?.annotations?.[PATH] ?? '';
export const dirOf = (o: Doc): string => {
  const p = pathOf(o);
  return p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
};
/** The cluster package a path lies in: its first directory. */
export const topOf = (path: string): string => path.split('/')[0];
export const isInterface = (o: Doc): boolean => o.kind === 'Interface' && o.apiVersion === 'req.nephio.org/v1alpha1';
export const isDeployment = (o: Doc): boolean => o.kind === 'Deployment';
export const isNetworkInstance = (o: Doc): boolean => o.kind === 'NetworkInstance';

export function entriesOf(deployment: Doc): Doc[] {
  const text: string | undefined = deployment.spec?.template?.metadata?.annotations?.[NETWORKS];
  if (text === undefined || !text.trim().startsWith('[')) return [];
  return JSON.parse(text) as Doc[];
}

function setPath(o: Doc, path: string): void {
  o.metadata.annotations = { ...(o.metadata.annotations ?? {}), [PATH]: path, [INTERNAL_PATH]: path };
}

function newItem(path: string, doc: Doc): Doc {
  setPath(doc, path);
  return doc;
}

// ---- addresses (IPv4 only: every pool the edits resize is IPv4) ----

const toInt = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
const toIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
const ipOf = (prefix: string): string => prefix.split('/')[0];
const lengthOf = (prefix: string): number => Number(prefix.split('/')[1]);

function range(prefix: string): [number, number] {
  const len = lengthOf(prefix);
  const size = 2 ** (32 - len);
  const start = Math.floor(toInt(ipOf(prefix)) / size) * size;
  return [start, start + size - 1];
}

function sameLengthAt(prefix: string, len: number): string {
  const size = 2 ** (32 - len);
  return `${toIp(Math.floor(toInt(ipOf(prefix)) / size) * size)}/${len}`;
}

const isV4 = (prefix: string): boolean => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(prefix);

/** The base package set: the example's two clusters, with VLAN indexes and VLAN Interfaces. */
export function withVlans(items: Doc[]): Doc[] {
  const out = items.map((o) => {
    if (isInterface(o) && o.metadata.name === 'n3' && (dirOf(o) === 'core01/upf' || dirOf(o) === 'ran01/gnb')) o.spec.attachmentType = 'vlan';
    return o;
  });
  for (const cluster of ['core01', 'ran01']) {
    out.push(
      newItem(`${cluster}/vlan-index.yaml`, {
        apiVersion: 'vlan.resource.nephio.org/v1alpha1',
        kind: 'VLANIndex',
        metadata: { name: cluster, annotations: { 'config.kubernetes.io/local-config': 'true' } },
        spec: { minID: '100', maxID: '199' },
      }),
    );
  }
  return out;
}

export function modelOf(items: readonly Doc[]): ModelInterface[] {
  let id = 0;
  return items
    .filter((o) => isInterface(o) && o.spec?.networkInstance?.name !== 'default' && items.some((d) => isDeployment(d) && dirOf(d) === dirOf(o) && entriesOf(d).some((e) => e.interface === o.metadata.name)))
    .map((o) => ({ id: id++, dir: dirOf(o), name: o.metadata.name, namespace: o.metadata.namespace ?? '', removed: false }));
}

/** Every IPv4 pool of a NetworkInstance: the item and the index of the prefix. */
function v4Pools(items: readonly Doc[]): Array<{ ni: Doc; index: number }> {
  const out: Array<{ ni: Doc; index: number }> = [];
  for (const o of items) {
    if (!isNetworkInstance(o)) continue;
    (o.spec?.prefixes ?? []).forEach((p: Doc, index: number) => {
      if (isV4(p.prefix)) out.push({ ni: o, index });
    });
  }
  return out;
}

/** Network instances a cluster has an IPv4 pool on, each with whether it has IPv6 too. */
function networksFor(items: readonly Doc[], cluster: string): Array<{ name: string; dual: boolean }> {
  const byName = new Map<string, { v4: boolean; v6: boolean }>();
  for (const o of items) {
    if (!isNetworkInstance(o)) continue;
    for (const p of o.spec?.prefixes ?? []) {
      const c = p.labels?.['nephio.org/cluster-name'];
      if (c !== undefined && c !== cluster) continue;
      const f = byName.get(o.metadata.name) ?? { v4: false, v6: false };
      if (isV4(p.prefix)) f.v4 = true;
      else f.v6 = true;
      byName.set(o.metadata.name, f);
    }
  }
  return [...byName].filter(([, f]) => f.v4).map(([name, f]) => ({ name, dual: f.v6 })).sort((a, b) => (a.name < b.name ? -1 : 1));
}

function interfaceItem(dir: string, name: string, namespace: string, owner: string, ni: string, dual: boolean): Doc {
  return newItem(`${dir}/interface-${name}.yaml`, {
    apiVersion: 'req.nephio.org/v1alpha1',
    kind: 'Interface',
    metadata: { name, namespace, annotations: { [OWNER]: owner, [FOR]: owner } },
    spec: { networkInstance: { name: ni }, cniType: 'macvlan', attachmentType: 'none', ipFamilyPolicy: dual ? 'dual-stack' : 'ipv4-only' },
  });
}

function nameInAnnotation(deployment: Doc, name: string): void {
  const annotations = deployment.spec.template.metadata.annotations ?? {};
  deployment.spec.template.metadata.annotations = annotations;
  const text: string = annotations[NETWORKS] ?? '';
  if (text.trim().startsWith('[')) annotations[NETWORKS] = JSON.stringify([...(JSON.parse(text) as Doc[]), { name }]);
  else annotations[NETWORKS] = text.trim() === '' ? name : `${text}, ${name}`;
}

/** Claims (name, address) holding an IPv4 address inside `prefix` of network instance `ni`. */
function holdersIn(items: readonly Doc[], ni: string, prefix: string): Array<{ name: string; address: string }> {
  const [lo, hi] = range(prefix);
  return items
    .filter((o) => o.kind === 'IPClaim' && o.spec?.networkInstance?.name === ni && isV4(o.status?.prefix ?? ''))
    .map((o) => ({ name: String(o.metadata.name), address: ipOf(o.status.prefix) }))
    .filter((h) => toInt(h.address) >= lo && toInt(h.address) <= hi);
}

export interface Applied {
  items: Doc[];
  expect: Expectation;
  /** The network instance whose pool the edit resized. */
  resized?: string;
  /** Whether a claim held an address in the pool before it was resized. */
  resizedHeld?: boolean;
  /** Whether the resize cut off the pool's own gateway or an exclusion. */
  resizedCutsExplicit?: boolean;
}

/**
 * Applies one edit to the items and the model as a user would edit the files, and says what the
 * render must do. `step` makes every new name unique within the sequence.
 */
export function applyEdit(items: Doc[], model: ModelInterface[], edit: Edit, step: number): Applied {
  const ok: Expectation = { outcome: 'ok' };
  const live = model.filter((m) => !m.removed);
  const dirs = [...new Set(items.filter(isDeployment).map(dirOf))].sort();
  const liveDirs = [...new Set(live.map((m) => m.dir))].sort();
  const find = (m: ModelInterface): Doc | undefined => items.find((o) => isInterface(o) && dirOf(o) === m.dir && o.metadata.name === m.name && (o.metadata.namespace ?? '') === m.namespace);
  switch (edit.kind) {
    case 'renameWorkload': {
      if (liveDirs.length === 0) return { items, expect: ok };
      const dir = liveDirs[edit.pick % liveDirs.length];
      for (const o of items) {
        if (dirOf(o) !== dir) continue;
        if (isInterface(o)) for (const k of [FOR, OWNER]) if (o.metadata.annotations?.[k]) o.metadata.annotations[k] = `${o.metadata.annotations[k]}-r${step}`;
        if (isDeployment(o)) o.metadata.name = `${o.metadata.name}-r${step}`;
      }
      return { items, expect: ok };
    }
    case 'renameInterface': {
      if (live.length === 0) return { items, expect: ok };
      const m = live[edit.pick % live.length];
      const o = find(m);
      if (!o) return { items, expect: ok };
      const name = `i${step}${m.id}`.slice(0, 15);
      o.metadata.name = name;
      m.name = name;
      return { items, expect: ok };
    }
    case 'moveNamespace': {
      if (liveDirs.length === 0) return { items, expect: ok };
      const dir = liveDirs[edit.pick % liveDirs.length];
      const ns = `ns${step}`;
      for (const o of items) if (dirOf(o) === dir && (isInterface(o) || isDeployment(o))) o.metadata.namespace = ns;
      for (const m of live) if (m.dir === dir) m.namespace = ns;
      return { items, expect: ok };
    }
    case 'removeInterface': {
      if (live.length === 0) return { items, expect: ok };
      const m = live[edit.pick % live.length];
      const o = find(m);
      m.removed = true;
      return { items: items.filter((x) => x !== o), expect: ok };
    }
    case 'widenPool': {
      const pools = v4Pools(items);
      if (pools.length === 0) return { items, expect: ok };
      const { ni, index } = pools[edit.pick % pools.length];
      const p = ni.spec.prefixes[index];
      if (lengthOf(p.prefix) <= 16) return { items, expect: ok };
      const resizedHeld = holdersIn(items, ni.metadata.name, p.prefix).length > 0;
      p.prefix = sameLengthAt(p.prefix, lengthOf(p.prefix) - 1);
      return { items, expect: ok, resized: ni.metadata.name, resizedHeld };
    }
    case 'shrinkPool': {
      const pools = v4Pools(items);
      if (pools.length === 0) return { items, expect: ok };
      const { ni, index } = pools[edit.pick % pools.length];
      const p = ni.spec.prefixes[index];
      const len = lengthOf(p.prefix);
      if (len >= 29) return { items, expect: ok };
      // The lower part keeps the network address and the default gateway (its first address).
      const to = sameLengthAt(p.prefix, len + 1 + (edit.by % (29 - len)));
      const [lo, hi] = range(to);
      const held = holdersIn(items, ni.metadata.name, p.prefix);
      const cut = held.filter((h) => toInt(h.address) <= lo || toInt(h.address) >= hi);
      const explicit = [p.gateway, ...(p.exclude ?? [])].filter((x): x is string => typeof x === 'string');
      const cutsExplicit = explicit.some((x) => x.split('-').some((a) => toInt(a) < lo || toInt(a) > hi));
      p.prefix = to;
      const resized: string = ni.metadata.name;
      const more = { resized, resizedHeld: held.length > 0, resizedCutsExplicit: cutsExplicit };
      // A pool whose gateway or exclusion is cut off is refused itself: each holder's error then names the pool's file.
      if (cut.length > 0 && cutsExplicit) return { items, expect: { outcome: 'error', names: [[pathOf(ni)], ...cut.map((h) => [h.name, pathOf(ni)])] }, ...more };
      if (cut.length > 0) return { items, expect: { outcome: 'error', names: cut.map((h) => [h.name, h.address]) }, ...more };
      return { items, expect: cutsExplicit ? { outcome: 'either', names: [[resized]] } : ok, ...more };
    }
    case 'toggleVlan': {
      if (live.length === 0) return { items, expect: ok };
      const o = find(live[edit.pick % live.length]);
      if (o) o.spec.attachmentType = o.spec.attachmentType === 'vlan' ? 'none' : 'vlan';
      return { items, expect: ok };
    }
    case 'movePackage': {
      if (dirs.length === 0) return { items, expect: ok };
      const dir = dirs[edit.pick % dirs.length];
      const to = `${topOf(dir)}/m${step}/${dir.slice(dir.lastIndexOf('/') + 1)}`;
      for (const o of items) if (pathOf(o).startsWith(`${dir}/`)) setPath(o, `${to}/${pathOf(o).slice(dir.length + 1)}`);
      for (const m of model) if (m.dir === dir) m.dir = to;
      return { items, expect: ok };
    }
    case 'addInterface': {
      if (dirs.length === 0) return { items, expect: ok };
      const dir = dirs[edit.pick % dirs.length];
      const deployment = items.find((o) => isDeployment(o) && dirOf(o) === dir);
      const networks = networksFor(items, topOf(dir));
      if (!deployment || networks.length === 0) return { items, expect: ok };
      const net = networks[edit.network % networks.length];
      const sibling = items.find((o) => isInterface(o) && dirOf(o) === dir);
      const owner: string = sibling?.metadata.annotations?.[FOR] ?? `workload.nephio.org/v1alpha1.NFDeployment.${deployment.metadata.name}-${topOf(dir)}`;
      const namespace: string = deployment.metadata.namespace ?? '';
      const name = `a${step}`;
      if (items.some((o) => isInterface(o) && dirOf(o) === dir && o.metadata.name === name)) return { items, expect: ok };
      items.push(interfaceItem(dir, name, namespace, owner, net.name, net.dual));
      nameInAnnotation(deployment, name);
      model.push({ id: Math.max(-1, ...model.map((m) => m.id)) + 1, dir, name, namespace, removed: false });
      const replicas = Number(deployment.spec?.replicas ?? 1);
      return { items, expect: replicas > 1 ? { outcome: 'error', names: [[String(deployment.metadata.name), 'spec.replicas']] } : ok };
    }
    case 'addWorkload': {
      const clusters = [...new Set(items.filter((o) => o.kind === 'WorkloadCluster').map((o) => topOf(pathOf(o))))].sort();
      if (clusters.length === 0) return { items, expect: ok };
      const cluster = clusters[edit.pick % clusters.length];
      const networks = networksFor(items, cluster);
      if (networks.length === 0) return { items, expect: ok };
      const name = `w${step}`;
      const dir = `${cluster}/${name}`;
      const owner = `workload.nephio.org/v1alpha1.NFDeployment.${name}-${cluster}`;
      const picked = [networks[edit.network % networks.length], networks[(edit.network + 1) % networks.length]].filter((n, i, all) => all.findIndex((x) => x.name === n.name) === i);
      const itfs = picked.map((n, i) => ({ name: `n${i}x${step}`, net: n }));
      items.push(
        newItem(`${dir}/Kptfile`, { apiVersion: 'kpt.dev/v1', kind: 'Kptfile', metadata: { name, annotations: { 'config.kubernetes.io/local-config': 'true' } } }),
        newItem(`${dir}/deployment.yaml`, {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name, namespace: name },
          spec: {
            replicas: 1,
            strategy: { type: 'Recreate' },
            selector: { matchLabels: { app: name } },
            template: { metadata: { labels: { app: name }, annotations: { [NETWORKS]: itfs.map((i) => i.name).join(', ') } }, spec: { containers: [{ name, image: 'registry.example.com/nf:1.0.0' }] } },
          },
        }),
        ...itfs.map((i) => interfaceItem(dir, i.name, name, owner, i.net.name, i.net.dual)),
      );
      for (const i of itfs) model.push({ id: Math.max(-1, ...model.map((m) => m.id)) + 1, dir, name: i.name, namespace: name, removed: false });
      return { items, expect: ok };
    }
    case 'setReplicas': {
      if (dirs.length === 0) return { items, expect: ok };
      const dir = dirs[edit.pick % dirs.length];
      const deployment = items.find((o) => isDeployment(o) && dirOf(o) === dir);
      if (!deployment) return { items, expect: ok };
      const replicas = 1 + (edit.replicas % 3);
      deployment.spec.replicas = replicas;
      const attached = live.some((m) => m.dir === dir);
      if (replicas === 1) return { items, expect: ok };
      return { items, expect: { outcome: attached ? 'error' : 'either', names: [[String(deployment.metadata.name), 'spec.replicas']] } };
    }
    case 'addNetworks': {
      const pools = v4Pools(items);
      if (pools.length === 0) return { items, expect: ok };
      const { ni, index } = pools[edit.pick % pools.length];
      const original = ni.spec.prefixes[index];
      const pkg = `networks${step}`;
      const file = `${pkg}/network-instance.yaml`;
      // Disjoint: a /24 of 172.16.0.0/12 no generated pool uses; overlapping: the lower half of the original pool.
      const prefix = edit.overlap ? sameLengthAt(original.prefix, Math.min(30, lengthOf(original.prefix) + 1)) : `172.${16 + (step % 16)}.${edit.pick % 256}.0/24`;
      const taken = pools.filter((x) => x.ni.metadata.name === ni.metadata.name).map((x) => x.ni.spec.prefixes[x.index].prefix as string);
      const overlaps = taken.some((t) => {
        const [a, b] = range(t);
        const [c, d] = range(prefix);
        return a <= d && c <= b;
      });
      items.push(
        newItem(`${pkg}/Kptfile`, { apiVersion: 'kpt.dev/v1', kind: 'Kptfile', metadata: { name: pkg, annotations: { 'config.kubernetes.io/local-config': 'true' } } }),
        newItem(file, {
          apiVersion: 'ipam.resource.nephio.org/v1alpha1',
          kind: 'NetworkInstance',
          metadata: { name: ni.metadata.name, annotations: { 'config.kubernetes.io/local-config': 'true' } },
          spec: { prefixes: [{ prefix, ...(original.labels ? { labels: { ...original.labels } } : {}) }] },
        }),
      );
      return { items, expect: overlaps ? { outcome: 'error', names: [[file, pathOf(ni)]] } : ok };
    }
  }
}

export const cloneItems = (items: readonly Doc[]): Doc[] => JSON.parse(JSON.stringify(items)) as Doc[];
export const cloneModel = (model: readonly ModelInterface[]): ModelInterface[] => model.map((m) => ({ ...m }));
