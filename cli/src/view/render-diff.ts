/**
 * What a render changes, item by item: the items kpt read (`kpt fn source`) against the items it
 * would write (`kpt fn render -o stdout`), said the way a reviewer asks - who gets, moves or
 * releases which address and VLAN, which NAD settings change, which Multus entries a workload
 * gains or loses, and which files are written or deleted.
 */
import { byText } from '../../../functions/lib/src/order';
import { IPClaim, VLANClaim } from '../../../functions/lib/src/api/types';
import { claimedPrefix, isIPClaim } from '../../../functions/lib/src/claims';
import { claimBinding, clusterOfClaim } from '../../../functions/lib/src/claim-binding';
import { ANNOTATIONS, getAnnotation, isObject, KubeObject, nameOf, namespaceOf, packagePathOf, resourceKey, scalarText } from '../../../functions/lib/src/kube/object';
import { isNad } from '../../../functions/lib/src/nads';
import { claimedVlan, isVLANClaim, vlanIndexOf } from '../../../functions/lib/src/vlans';
import { NETWORKS_ANNOTATION, parseSelection, SelectionEntry } from '../../../functions/lib/src/network-selection';
import { getIn, templatePath } from '../../../functions/lib/src/workloads';
import { interfaceOf, workloadOf } from './address-plan';

export interface AddressChange {
  readonly action: 'gets' | 'moves' | 'releases' | 'inherits';
  /** `ran01/gnb-ran01`: the claim's cluster and workload (the claim's name when it names no workload). */
  readonly holder: string;
  readonly interface: string;
  readonly family: string;
  readonly networkInstance: string;
  readonly claim: string;
  /** The address before (moves, releases, inherits: the claim it came from is `fromClaim`). */
  readonly from?: string;
  readonly to?: string;
  readonly fromClaim?: string;
}

export interface VlanChange {
  readonly action: 'gets' | 'moves' | 'releases';
  readonly holder: string;
  readonly interface: string;
  readonly index: string;
  readonly claim: string;
  readonly from?: number;
  readonly to?: number;
}

export interface NadChange {
  readonly action: 'creates' | 'changes' | 'deletes';
  /** `namespace/name` */
  readonly nad: string;
  readonly package: string;
  /** For creates: `macvlan master eth1.1002`; for changes: one line per changed setting. */
  readonly details: readonly string[];
}

export interface EntryChange {
  readonly action: 'adds' | 'changes' | 'removes';
  /** `Deployment ran/gnb` */
  readonly workload: string;
  readonly package: string;
  /** The entry's network (`[namespace/]name`). */
  readonly network: string;
  readonly before?: string;
  readonly after?: string;
}

export interface FileChange {
  readonly action: 'writes' | 'rewrites' | 'deletes';
  readonly file: string;
  /** What changes in a rewritten file that no other section says (Kptfile conditions, cursors...). */
  readonly details: readonly string[];
}

export interface RenderDiff {
  readonly addresses: readonly AddressChange[];
  readonly vlans: readonly VlanChange[];
  readonly nads: readonly NadChange[];
  readonly entries: readonly EntryChange[];
  readonly files: readonly FileChange[];
}

/** Annotations kpt rewrites on every read; they say nothing about the package. */
const VOLATILE = new Set([
  ANNOTATIONS.index,
  ANNOTATIONS.legacyIndex,
  ANNOTATIONS.id,
  ANNOTATIONS.legacyId,
  'internal.config.kubernetes.io/seqindent',
]);


/** The item as plain data without kpt's volatile annotations, for comparing. */
function comparable(o: KubeObject): unknown {
  const plain = JSON.parse(JSON.stringify(o)) as Record<string, unknown>;
  const meta = plain.metadata as Record<string, unknown>;
  if (isObject(meta.annotations)) {
    for (const k of Object.keys(meta.annotations)) if (VOLATILE.has(k)) delete meta.annotations[k];
  }
  return plain;
}

const same = (a: KubeObject, b: KubeObject): boolean => JSON.stringify(comparable(a)) === JSON.stringify(comparable(b));
const fileOf = (o: KubeObject): string => getAnnotation(o, ANNOTATIONS.path) ?? getAnnotation(o, ANNOTATIONS.legacyPath) ?? '?';

function holderOf(o: KubeObject, cluster: string): string {
  return `${cluster || '-'}/${workloadOf(o) || nameOf(o)}`;
}

function familyOfClaim(c: IPClaim): string {
  const sel = isObject(c.spec) && isObject(c.spec.selector) && isObject(c.spec.selector.matchLabels) ? c.spec.selector.matchLabels : {};
  const family = scalarText(sel['nephio.org/address-family']);
  if (family) return family;
  const p = claimedPrefix(c);
  return p === undefined ? '-' : p.includes(':') ? 'ipv6' : 'ipv4';
}

const networkInstanceOf = (c: IPClaim): string => (isObject(c.spec) && isObject(c.spec.networkInstance) ? scalarText(c.spec.networkInstance.name) ?? '' : '');
const addressOf = (c: IPClaim): string | undefined => {
  const p = claimedPrefix(c);
  return p === undefined ? undefined : (isObject(c.spec) && scalarText(c.spec.kind) === 'pool') ? p : p.slice(0, p.lastIndexOf('/'));
};

function addressChanges(before: readonly KubeObject[], after: readonly KubeObject[]): AddressChange[] {
  const key = (c: IPClaim): string => `${networkInstanceOf(c)}|${claimBinding(c)}`;
  const old = new Map<string, IPClaim>();
  for (const o of before) if (isIPClaim(o)) old.set(key(o), o);
  const now = new Map<string, IPClaim>();
  for (const o of after) if (isIPClaim(o)) now.set(key(o), o);
  const out: AddressChange[] = [];
  const describe = (c: IPClaim) => ({
    holder: holderOf(c, clusterOfClaim(c)),
    interface: interfaceOf(c) || '-',
    family: familyOfClaim(c),
    networkInstance: networkInstanceOf(c),
    claim: `${namespaceOf(c)}/${nameOf(c)}`,
  });
  // Addresses whose claim goes away, by network instance: a new claim holding one inherited it.
  const gone = new Map<string, IPClaim>();
  for (const [k, c] of old) {
    const a = addressOf(c);
    if (!now.has(k) && a !== undefined) gone.set(`${networkInstanceOf(c)}|${a}`, c);
  }
  const inherited = new Set<IPClaim>();
  for (const [k, c] of now) {
    const to = addressOf(c);
    const was = old.get(k);
    const from = was ? addressOf(was) : undefined;
    if (to === undefined || to === from) continue;
    if (from !== undefined) {
      out.push({ action: 'moves', ...describe(c), from, to });
      continue;
    }
    const predecessor = was ? undefined : gone.get(`${networkInstanceOf(c)}|${to}`);
    if (predecessor) {
      inherited.add(predecessor);
      out.push({ action: 'inherits', ...describe(c), from: to, to, fromClaim: `${namespaceOf(predecessor)}/${nameOf(predecessor)}` });
    } else out.push({ action: 'gets', ...describe(c), to });
  }
  for (const [k, c] of old) {
    const a = addressOf(c);
    if (!now.has(k) && a !== undefined && !inherited.has(c)) out.push({ action: 'releases', ...describe(c), from: a });
  }
  return out.sort((a, b) => byText(a.networkInstance, b.networkInstance) || byText(a.holder, b.holder) || byText(a.interface, b.interface) || byText(a.family, b.family));
}

function vlanChanges(before: readonly KubeObject[], after: readonly KubeObject[]): VlanChange[] {
  const key = (c: VLANClaim): string => `${vlanIndexOf(c)}|${packagePathOf(c)}|${namespaceOf(c)}/${nameOf(c)}`;
  const idOf = (c: VLANClaim): number | undefined => {
    const id = claimedVlan(c);
    return id !== undefined && Number.isInteger(id) ? id : undefined;
  };
  const old = new Map<string, VLANClaim>();
  for (const o of before) if (isVLANClaim(o)) old.set(key(o), o);
  const now = new Map<string, VLANClaim>();
  for (const o of after) if (isVLANClaim(o)) now.set(key(o), o);
  const out: VlanChange[] = [];
  const describe = (c: VLANClaim) => ({ holder: workloadOf(c) || nameOf(c), interface: interfaceOf(c) || '-', index: vlanIndexOf(c), claim: `${namespaceOf(c)}/${nameOf(c)}` });
  for (const [k, c] of now) {
    const to = idOf(c);
    const from = old.has(k) ? idOf(old.get(k)!) : undefined;
    if (to === undefined || to === from) continue;
    out.push(from === undefined ? { action: 'gets', ...describe(c), to } : { action: 'moves', ...describe(c), from, to });
  }
  for (const [k, c] of old) {
    const from = idOf(c);
    if (!now.has(k) && from !== undefined) out.push({ action: 'releases', ...describe(c), from });
  }
  return out.sort((a, b) => byText(a.index, b.index) || byText(a.claim, b.claim));
}

/** A NAD's `spec.config` as JSON, undefined when it is not JSON (then the text is compared). */
function nadConfig(o: KubeObject): unknown {
  const text = isObject(o.spec) ? scalarText(o.spec.config) : undefined;
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Leaves of a JSON value by path: `plugins[0].master` -> `"eth1"`. */
function leaves(value: unknown, path = '', out = new Map<string, string>()): Map<string, string> {
  if (Array.isArray(value)) value.forEach((v, i) => leaves(v, `${path}[${i}]`, out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) leaves(v, path ? `${path}.${k}` : k, out);
  } else out.set(path || '(config)', JSON.stringify(value));
  return out;
}

function settingChanges(before: unknown, after: unknown): string[] {
  const a = leaves(before);
  const b = leaves(after);
  const out: string[] = [];
  for (const [p, v] of b) {
    if (!a.has(p)) out.push(`${p}: ${v} (new)`);
    else if (a.get(p) !== v) out.push(`${p}: ${a.get(p)} -> ${v}`);
  }
  for (const [p, v] of a) if (!b.has(p)) out.push(`${p}: ${v} (removed)`);
  return out;
}

/** `macvlan master eth1.1002, static IPAM` - what a new NAD attaches to. */
function nadSummary(o: KubeObject): string {
  const config = nadConfig(o);
  const plugins: unknown[] = isObject(config) && Array.isArray(config.plugins) ? config.plugins : isObject(config) ? [config] : [];
  const main = plugins.find(isObject);
  if (!isObject(main)) return 'config not JSON';
  const ipam = isObject(main.ipam) ? scalarText(main.ipam.type) : undefined;
  return [scalarText(main.type), main.master !== undefined ? `master ${scalarText(main.master)}` : undefined, main.vlan !== undefined ? `vlan ${scalarText(main.vlan)}` : undefined, ipam ? `${ipam} IPAM` : undefined]
    .filter((s) => s !== undefined)
    .join(', ');
}

function nadChanges(before: readonly KubeObject[], after: readonly KubeObject[]): NadChange[] {
  const old = new Map<string, KubeObject>();
  for (const o of before) if (isNad(o)) old.set(resourceKey(o), o);
  const out: NadChange[] = [];
  const seen = new Set<string>();
  const who = (o: KubeObject) => ({ nad: `${namespaceOf(o)}/${nameOf(o)}`, package: packagePathOf(o) || '.' });
  for (const o of after) {
    if (!isNad(o)) continue;
    const k = resourceKey(o);
    seen.add(k);
    const was = old.get(k);
    if (!was) out.push({ action: 'creates', ...who(o), details: [nadSummary(o)] });
    else {
      const details = settingChanges(nadConfig(was), nadConfig(o));
      if (details.length > 0) out.push({ action: 'changes', ...who(o), details });
    }
  }
  for (const [k, o] of old) if (!seen.has(k)) out.push({ action: 'deletes', ...who(o), details: [] });
  return out.sort((a, b) => byText(a.package, b.package) || byText(a.nad, b.nad));
}

function selectionOf(o: KubeObject): SelectionEntry[] | undefined {
  const path = templatePath(o);
  if (!path) return undefined;
  const annotations = getIn(o, [...path, 'annotations']);
  const value = isObject(annotations) ? scalarText(annotations[NETWORKS_ANNOTATION]) : undefined;
  if (value === undefined) return [];
  const parsed = parseSelection(value);
  return parsed.ok ? parsed.value : [];
}

/** An entry as a reviewer reads it: `interface n3, ips ["10.30.0.4/24"]`. */
function entryText(e: SelectionEntry): string {
  if (!e.fields) return e.source;
  const text = Object.entries(e.fields)
    .filter(([k]) => k !== 'name' && k !== 'namespace')
    .map(([k, v]) => `${k} ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(', ');
  return text === '' ? 'name only' : text;
}

function entryChanges(before: readonly KubeObject[], after: readonly KubeObject[]): EntryChange[] {
  const old = new Map<string, KubeObject>();
  for (const o of before) if (templatePath(o)) old.set(resourceKey(o), o);
  const out: EntryChange[] = [];
  for (const o of after) {
    const now = selectionOf(o);
    if (now === undefined) continue;
    const was = old.has(resourceKey(o)) ? selectionOf(old.get(resourceKey(o))!) ?? [] : [];
    const ref = (e: SelectionEntry): string => (e.namespace ? `${e.namespace}/${e.name}` : e.name);
    const a = new Map(was.map((e) => [ref(e), e]));
    const b = new Map(now.map((e) => [ref(e), e]));
    const who = { workload: `${o.kind} ${namespaceOf(o) ? `${namespaceOf(o)}/` : ''}${nameOf(o)}`, package: packagePathOf(o) || '.' };
    // An entry that names an Interface is rewritten to name its NAD: one change, not a loss and a gain.
    const renamed = new Map<string, string>();
    for (const [r, e] of a) {
      if (b.has(r) || e.namespace) continue;
      const successor = [...b].find(([r2, e2]) => !a.has(r2) && e2.interface === e.name && !e2.namespace);
      if (successor) renamed.set(successor[0], r);
    }
    for (const [r, e] of b) {
      const from = renamed.get(r);
      const p = a.get(from ?? r);
      if (!p) out.push({ action: 'adds', ...who, network: r, after: entryText(e) });
      else if (from !== undefined || entryText(p) !== entryText(e)) out.push({ action: 'changes', ...who, network: from === undefined ? r : `${from} -> ${r}`, before: entryText(p), after: entryText(e) });
    }
    const successors = new Set(renamed.values());
    for (const [r, e] of a) if (!b.has(r) && !successors.has(r)) out.push({ action: 'removes', ...who, network: r, before: entryText(e) });
  }
  return out;
}

/** What changes in an item no other section describes: Kptfile conditions by type, else the fields. */
function otherDetails(was: KubeObject, now: KubeObject): string[] {
  if (now.kind === 'Kptfile') {
    const conditions = (o: KubeObject): Map<string, string> => {
      const list = isObject(o.status) && Array.isArray(o.status.conditions) ? o.status.conditions : [];
      return new Map(list.filter(isObject).map((c) => [scalarText(c.type) ?? '', scalarText(c.status) ?? '']));
    };
    const a = conditions(was);
    const b = conditions(now);
    const out: string[] = [];
    for (const [t, s] of b) if (!a.has(t)) out.push(`condition ${t} ${s} (new)`);
    else if (a.get(t) !== s) out.push(`condition ${t} ${a.get(t)} -> ${s}`);
    for (const t of a.keys()) if (!b.has(t)) out.push(`condition ${t} removed`);
    if (out.length > 0) return out;
  }
  const a = comparable(was) as Record<string, unknown>;
  const b = comparable(now) as Record<string, unknown>;
  const settings = settingChanges(a, b);
  // A few settings are worth spelling out (a cursor, an Interface's status); many are not.
  if (settings.length <= 6) return settings.map((x) => `${now.kind} ${nameOf(now)}: ${x}`);
  const fields = [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k]));
  return [`${now.kind} ${nameOf(now)}: ${fields.join(', ')} changed (${settings.length} settings)`];
}

function fileChanges(before: readonly KubeObject[], after: readonly KubeObject[]): FileChange[] {
  const old = new Map<string, KubeObject>();
  for (const o of before) old.set(`${fileOf(o)}|${resourceKey(o)}`, o);
  const oldFiles = new Set(before.map(fileOf));
  const newFiles = new Set(after.map(fileOf));
  const changed = new Map<string, string[]>();
  const seen = new Set<string>();
  // Items the other sections describe need no words here; their file is still listed.
  const described = (o: KubeObject): boolean => isIPClaim(o) || isVLANClaim(o) || isNad(o) || templatePath(o) !== undefined;
  for (const o of after) {
    const k = `${fileOf(o)}|${resourceKey(o)}`;
    seen.add(k);
    const was = old.get(k);
    if (was && same(was, o)) continue;
    const list = changed.get(fileOf(o)) ?? [];
    changed.set(fileOf(o), list);
    if (was && !described(o)) list.push(...otherDetails(was, o));
    else if (!was && !described(o) && oldFiles.has(fileOf(o))) list.push(`${o.kind} ${nameOf(o)} added`);
  }
  for (const [k, o] of old) {
    if (seen.has(k) || !newFiles.has(fileOf(o))) continue;
    const list = changed.get(fileOf(o)) ?? [];
    changed.set(fileOf(o), list);
    if (!described(o)) list.push(`${o.kind} ${nameOf(o)} removed`);
  }
  const out: FileChange[] = [];
  for (const [file, details] of changed) out.push({ action: oldFiles.has(file) ? 'rewrites' : 'writes', file, details: oldFiles.has(file) ? details : [] });
  for (const file of oldFiles) if (!newFiles.has(file)) out.push({ action: 'deletes', file, details: [] });
  return out.sort((a, b) => byText(a.file, b.file));
}

export function renderDiff(before: readonly KubeObject[], after: readonly KubeObject[]): RenderDiff {
  return {
    addresses: addressChanges(before, after),
    vlans: vlanChanges(before, after),
    nads: nadChanges(before, after),
    entries: entryChanges(before, after),
    files: fileChanges(before, after),
  };
}

export const isEmptyDiff = (d: RenderDiff): boolean =>
  d.addresses.length + d.vlans.length + d.nads.length + d.entries.length + d.files.length === 0;
