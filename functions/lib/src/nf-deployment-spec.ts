import { InterfaceConfig } from './interface-progress';
import { OwnedInterface } from './interface-conditions';
import { isObject, KubeObject, nameOf, scalarText } from './kube/object';
import { isCapacity, isDataNetwork, NFDeploymentIndex } from './nf-deployments';
import { errorFor, infoFor, Result, resultFor } from './results';
import { unlessUnchanged } from './generated';
import { refName } from './summary';

/** `spec.networkInstances[].dataNetworks[]` as Nephio's API has it. */
interface DataNetworkEntry {
  name: string;
  pool?: { prefix: string }[];
}

/** `spec.networkInstances[]`: Nephio's fields first; fields nfdeploy-fn never writes (peers, bgp) are kept. */
type NetworkInstanceEntry = { name: string; dataNetworks?: DataNetworkEntry[]; interfaces?: string[] } & Record<string, unknown>;

const byName = <T extends { name: string }>(a: T, b: T): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * A DataNetwork's pools as Nephio's dnn-fn records them in its status (`status.pools[].ipClaim.prefix`),
 * the way nfdeploy-fn copies them; undefined while the status has no pools.
 */
function dataNetworkEntry(dnn: KubeObject): DataNetworkEntry | undefined {
  const status = dnn.status;
  if (!isObject(status) || !Array.isArray(status.pools)) return undefined;
  const pool: { prefix: string }[] = [];
  for (const p of status.pools) {
    const prefix = isObject(p) && isObject(p.ipClaim) ? scalarText(p.ipClaim.prefix) : undefined;
    if (prefix) pool.push({ prefix });
  }
  return pool.length > 0 ? { name: nameOf(dnn), pool } : { name: nameOf(dnn) };
}

function networkInstanceOf(o: KubeObject): string | undefined {
  const spec = o.spec;
  return isObject(spec) && isObject(spec.networkInstance) ? scalarText(spec.networkInstance.name) : undefined;
}

/** The entries nfdeploy-fn builds: sorted by name, interfaces sorted within each. */
function networkInstances(
  configs: readonly { config: InterfaceConfig; ni: string }[],
  dataNetworks: readonly { entry: DataNetworkEntry; ni: string }[],
  existing: unknown,
): NetworkInstanceEntry[] {
  const byNi = new Map<string, { dataNetworks: DataNetworkEntry[]; interfaces: string[] }>();
  const at = (ni: string): { dataNetworks: DataNetworkEntry[]; interfaces: string[] } => {
    const found = byNi.get(ni) ?? { dataNetworks: [], interfaces: [] };
    byNi.set(ni, found);
    return found;
  };
  for (const d of dataNetworks) at(d.ni).dataNetworks.push(d.entry);
  for (const c of configs) at(c.ni).interfaces.push(c.config.name);
  const previous = new Map<string, Record<string, unknown>>();
  if (Array.isArray(existing)) {
    for (const e of existing) if (isObject(e) && typeof scalarText(e.name) === 'string') previous.set(scalarText(e.name) as string, e);
  }
  return [...byNi]
    .map(([name, { dataNetworks: dnns, interfaces }]) => {
      const entry: NetworkInstanceEntry = { name };
      if (dnns.length > 0) entry.dataNetworks = [...dnns].sort(byName);
      if (interfaces.length > 0) entry.interfaces = [...interfaces].sort();
      for (const [k, v] of Object.entries(previous.get(name) ?? {})) {
        if (k !== 'name' && k !== 'dataNetworks' && k !== 'interfaces') entry[k] = v;
      }
      return entry;
    })
    .sort(byName);
}

function interfaceText(e: unknown): string {
  if (!isObject(e)) return JSON.stringify(e);
  const address = (v: unknown): string | undefined => (isObject(v) ? scalarText(v.address) : undefined);
  const vlan = scalarText(e.vlanID);
  return [scalarText(e.name) ?? '?', address(e.ipv4), address(e.ipv6), vlan === undefined ? undefined : `VLAN ${vlan}`]
    .filter((p) => p !== undefined)
    .join(' ');
}

/** What changed in spec.interfaces, entry by entry; `risky` when an entry changed or went away. */
function interfaceChanges(before: unknown, after: readonly InterfaceConfig[]): { text: string; risky: boolean } | undefined {
  const old = new Map<string, unknown>();
  if (Array.isArray(before)) for (const e of before) old.set(isObject(e) ? (scalarText(e.name) ?? '') : '', e);
  if (old.size === 0) return after.length === 0 ? undefined : { text: `spec.interfaces set: ${after.map(interfaceText).join(', ')}`, risky: false };
  const parts: string[] = [];
  let risky = false;
  for (const e of after) {
    const was = old.get(e.name);
    old.delete(e.name);
    if (was === undefined) parts.push(`added ${interfaceText(e)}`);
    else if (JSON.stringify(was) !== JSON.stringify(e)) {
      parts.push(`${interfaceText(was)} -> ${interfaceText(e)}`);
      risky = true;
    }
  }
  for (const was of old.values()) {
    parts.push(`removed ${interfaceText(was)}`);
    risky = true;
  }
  return parts.length === 0 ? undefined : { text: `spec.interfaces: ${parts.join(', ')}`, risky };
}

function networkInstancesText(entries: readonly NetworkInstanceEntry[]): string {
  return entries
    .map((e) => {
      const what = [...(e.interfaces ?? []), ...(e.dataNetworks ?? []).map((d) => `data network ${d.name}${d.pool ? ` ${d.pool.map((p) => p.prefix).join(' ')}` : ''}`)];
      return `${e.name} (${what.join(', ')})`;
    })
    .join(', ');
}

export interface NFDeploymentOutcome {
  items: KubeObject[];
  results: Result[];
}

/**
 * Fills, in every NFDeployment whose Interfaces are all done, what Nephio's nfdeploy-fn fills and
 * the free5gc and OAI operators read: `spec.interfaces` (name, ipv4/ipv6 address and gateway,
 * vlanID; sorted by name), `spec.networkInstances` (per network instance its Interfaces and the
 * DataNetworks' pools; sorted) and `spec.capacity` (the Capacity's spec). Every other field is the
 * user's and stays as written. Like nfdeploy-fn, nothing is written while an Interface is still
 * waiting - an operator must not start an NF with half its interfaces - and the result says what
 * it waits for.
 */
export function withNFDeploymentSpecs(items: readonly KubeObject[], owned: readonly OwnedInterface[], nfs: NFDeploymentIndex): NFDeploymentOutcome {
  const results: Result[] = [];
  if (nfs.empty) return { items: [...items], results };
  const replaced = new Map<KubeObject, KubeObject>();
  const requirements = items.filter((o) => isDataNetwork(o) || isCapacity(o));
  for (const nf of nfs.all) {
    const mine = owned.filter((o) => o.nf === nf);
    const reqs = requirements.filter((o) => nfs.ownerOf(o) === nf);
    if (mine.length === 0 && reqs.length === 0) continue;
    const label = `NFDeployment ${refName(nf)}`;
    if (nf.spec !== undefined && !isObject(nf.spec)) {
      results.push(errorFor(nf, `${label}: spec is not a map, so its interfaces cannot be written: make it one (spec: {provider: ...})`, 'spec'));
      continue;
    }
    const pending = mine.filter((o) => !o.progress.done);
    if (pending.length > 0) {
      const byWait = new Map<string, string[]>();
      for (const o of pending) {
        const wait = o.progress.done ? '' : o.progress.waitsFor.join(', ');
        byWait.set(wait, [...(byWait.get(wait) ?? []), nameOf(o.itf)]);
      }
      const waits = [...byWait]
        .map(([wait, names]) => `${names.length > 1 ? 'Interfaces' : 'Interface'} ${names.sort().join(', ')} (waiting for ${wait})`)
        .sort()
        .join('; ');
      results.push(infoFor(nf, `${label}: spec.interfaces and spec.networkInstances are left as they are until every Interface of it is done: ${waits}`, 'spec.interfaces'));
      continue;
    }
    const spec: Record<string, unknown> = isObject(nf.spec) ? { ...nf.spec } : {};
    const configs = mine
      .flatMap((o) => (o.progress.done && o.progress.config ? [{ config: o.progress.config, ni: o.itf.spec.networkInstance.name }] : []))
      .sort((a, b) => byName(a.config, b.config));
    const dataNetworks: { entry: DataNetworkEntry; ni: string }[] = [];
    const notes: string[] = [];
    for (const dnn of reqs.filter(isDataNetwork)) {
      const entry = dataNetworkEntry(dnn);
      const ni = networkInstanceOf(dnn);
      if (entry && ni) dataNetworks.push({ entry, ni });
      else notes.push(`DataNetwork ${nameOf(dnn)} has no status.pools yet (Nephio's dnn-fn writes them), so no network instance lists it`);
    }
    const interfaces = configs.map((c) => c.config);
    const instances = networkInstances(configs, dataNetworks, spec.networkInstances);
    const capacities = reqs.filter(isCapacity);
    const changes: string[] = [];
    const ifChange = interfaceChanges(spec.interfaces, interfaces);
    if (ifChange) changes.push(ifChange.text);
    if (interfaces.length > 0) spec.interfaces = interfaces;
    else delete spec.interfaces;
    let droppedInstance = false;
    let instancesChanged = false;
    if (JSON.stringify(spec.networkInstances) !== JSON.stringify(instances.length > 0 ? instances : undefined)) {
      const kept = new Set(instances.map((e) => e.name));
      const gone = (Array.isArray(spec.networkInstances) ? spec.networkInstances : [])
        .map((e) => (isObject(e) ? scalarText(e.name) : undefined))
        .filter((n): n is string => n !== undefined && !kept.has(n));
      const now = instances.length > 0 ? `spec.networkInstances: ${networkInstancesText(instances)}` : 'spec.networkInstances: none';
      changes.push(gone.length > 0 ? `${now}, removed ${gone.sort().join(', ')}` : now);
      droppedInstance = gone.length > 0;
      instancesChanged = true;
    }
    if (instances.length > 0) spec.networkInstances = instances;
    else delete spec.networkInstances;
    let capacityChanged = false;
    if (capacities.length === 1) {
      const capacity = capacities[0].spec;
      capacityChanged = JSON.stringify(spec.capacity) !== JSON.stringify(capacity);
      if (capacityChanged) changes.push(`spec.capacity from Capacity ${nameOf(capacities[0])}`);
      spec.capacity = capacity;
    } else if (capacities.length > 1) {
      notes.push(`Capacities ${capacities.map(nameOf).sort().join(', ')} all name it, so spec.capacity is left as it is: keep one`);
    }
    // Nothing to write into an NFDeployment without a spec stays without one.
    const next = nf.spec === undefined && Object.keys(spec).length === 0 ? nf : unlessUnchanged(nf, { ...nf, spec });
    if (next !== nf) {
      replaced.set(nf, next);
      const severity = ifChange?.risky || droppedInstance ? 'warning' : 'info';
      // The field of the first change, so a reader is pointed at what moved.
      const field = ifChange || (!instancesChanged && !capacityChanged) ? 'spec.interfaces' : instancesChanged ? 'spec.networkInstances' : 'spec.capacity';
      results.push(resultFor(next, severity, `${label}: ${changes.length > 0 ? changes.join('; ') : 'spec rewritten as Nephio writes it'}`, field));
    }
    for (const note of notes) results.push(infoFor(nf, `${label}: ${note}`, 'spec.networkInstances'));
  }
  return { items: items.map((o) => replaced.get(o) ?? o), results };
}
