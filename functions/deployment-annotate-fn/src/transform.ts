import {
  enclosingPackages,
  errorFor,
  interfaceRef,
  isNad,
  fileLabel,
  getAnnotation,
  Interface,
  InterfaceIndex,
  isObject,
  nadRefOf,
  KubeObject,
  nameOf,
  namespaceOf,
  packagePathOf,
  ResourceList,
  Result,
  resultFor,
  scalarText,
  TransformOutput,
  warningFor,
  withReadinessGate,
  interfaceLabel,
} from '../../lib/src';
import { AnnotateConfig, readConfig } from './config';
import {
  joinSelection,
  keptEntryText,
  managedEntryText,
  NETWORKS_ANNOTATION,
  parseSelection,
  SelectionEntry,
} from '../../lib/src/network-selection';
import { getIn, isHpa, replicaProblems, setIn, templatePath } from '../../lib/src/workloads';
import { summarized } from '../../lib/src/summary';
import { annotateSummary } from './summary';

/** On the workload: the NADs whose entries this function wrote, so it can drop them when their Interface goes. */
export const MANAGED_NETWORKS = 'netpipe.dev/networks';

/**
 * Multus replaces *all* default routes of an interface with the `default-route` gateways, so one
 * that names only an IPv4 gateway on a dual-stack interface silently drops the IPv6 default.
 */
function warnOnPartialDefaultRoute(
  o: KubeObject,
  value: unknown,
  gateways: readonly (string | undefined)[],
  fieldPath: string,
  results: Result[],
): void {
  if (!Array.isArray(value)) return;
  const listed = value.filter((v): v is string => typeof v === 'string');
  const families = (list: readonly (string | undefined)[]): Set<string> =>
    new Set(list.filter((g): g is string => g !== undefined).map((g) => (g.includes(':') ? 'IPv6' : 'IPv4')));
  const have = families(listed);
  const missing = [...families(gateways)].filter((f) => !have.has(f));
  if (missing.length === 0) return;
  results.push(
    warningFor(
      o,
      `${o.kind} ${nameOf(o)}: a default-route in ${NETWORKS_ANNOTATION} names no ${missing.join(' or ')} gateway, ` +
        `so Multus removes that family's default route from the interface. Add the gateway (${gateways.filter(Boolean).join(', ')}), ` +
        `or list the network in deployment-annotate-fn's defaultRouteNetworks`,
      fieldPath,
    ),
  );
}

/** What the workloads of one render share while their annotations are rewritten. */
interface RenderScope {
  config: AnnotateConfig;
  interfaces: InterfaceIndex;
  hpas: readonly KubeObject[];
  /** `<namespace>/<name>` of every NAD in the render, generated or not. */
  nads: ReadonlySet<string>;
  results: Result[];
  holders: Map<Interface, KubeObject[]>;
  /** Interfaces some workload's annotation names (or might: its annotation did not parse). */
  named: Set<Interface>;
}

const sameAddresses = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && [...a].sort().join(',') === [...b].sort().join(',');

const hostsOf = (a: readonly string[]): string => a.map((ip) => ip.split('/')[0]).sort().join(',');
const sameHosts = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && hostsOf(a) === hostsOf(b);

const ipsOf = (entry: SelectionEntry): string[] =>
  Array.isArray(entry.fields?.ips) ? (entry.fields.ips as unknown[]).filter((v): v is string => typeof v === 'string') : [];

/**
 * The Interface an entry of ours now belongs to when the NAD it names is gone: entries are ours
 * by the Interface they carry, not by the NAD name, which follows the workload (`for`) and the
 * Interface's name. The Interface whose claims hold the entry's `ips` (a renamed workload or
 * Interface whose address was carried over), else the one named by the entry's `interface`.
 */
function successorOf(entry: SelectionEntry, candidates: readonly Interface[], interfaces: InterfaceIndex): { itf: Interface; by: string } | undefined {
  const ips = ipsOf(entry);
  if (ips.length > 0) {
    const holding = candidates.filter((c) => sameAddresses(interfaces.currentAddresses(c) ?? [], ips));
    if (holding.length === 1) return { itf: holding[0], by: `it holds the entry's ips ${ips.join(', ')}` };
  }
  const byName = candidates.find((c) => nameOf(c) === entry.interface);
  return byName ? { itf: byName, by: `it is the entry's interface ${entry.interface}` } : undefined;
}

function annotateWorkload(o: KubeObject, path: string[], scope: RenderScope): KubeObject {
  const { config, interfaces, hpas, results, holders } = scope;
  const annotationsPath = [...path, 'annotations'];
  const fieldPath = `${annotationsPath.join('.')}[${NETWORKS_ANNOTATION}]`;
  const current = scalarText(getIn(o, [...annotationsPath, NETWORKS_ANNOTATION]));
  const previouslyManaged = new Set(
    (getAnnotation(o, MANAGED_NETWORKS) ?? '').split(',').map((s) => s.trim()).filter(Boolean),
  );
  if (current === undefined && previouslyManaged.size === 0) return o;

  const ns = namespaceOf(o);
  const pkg = packagePathOf(o);
  const who = `${o.kind} ${nameOf(o)}`;
  const parsed = parseSelection(current ?? '');
  if (!parsed.ok) {
    results.push(errorFor(o, `${who}: annotation ${NETWORKS_ANNOTATION}: ${parsed.error}`, fieldPath, current));
    for (const i of interfaces.visibleFrom(pkg, ns)) scope.named.add(i);
    return o;
  }
  // Entries that name an Interface (or its NAD) as they are come first, so a stale entry of ours
  // never takes an Interface another entry names.
  const direct = parsed.value.map((entry) => interfaces.resolve(pkg, ns, entry.name, entry.namespace, nadRefOf));
  const taken = new Set(direct.filter((i): i is Interface => i !== undefined));
  const resolved = parsed.value.map((entry, i) => {
    const itf = direct[i];
    if (itf || !previouslyManaged.has(entry.name)) return itf ? { itf } : undefined;
    const successor = successorOf(entry, interfaces.visibleFrom(pkg, ns).filter((c) => !taken.has(c)), interfaces);
    if (successor) taken.add(successor.itf);
    return successor;
  });
  const texts: string[] = [];
  const managed: string[] = [];
  let withIps = 0;
  let changed = false;
  parsed.value.forEach((entry, i) => {
    const found = resolved[i];
    if (!found) {
      const waiting = interfaces.waiting.some(
        (w) => namespaceOf(w) === ns && (nameOf(w) === entry.name || nameOf(w) === entry.interface || nadRefOf(w).name === entry.name),
      );
      if (previouslyManaged.has(entry.name)) {
        if (waiting) {
          // Its Interface waits for its cluster: the entry stays as it is until the cluster is back.
          texts.push(keptEntryText(entry));
          managed.push(entry.name);
          return;
        }
        changed = true; // its Interface is gone: the entry goes with it, and the render says so
        const ips = ipsOf(entry);
        results.push(
          warningFor(
            o,
            `${who}: entry ${entry.name}${entry.interface ? ` (interface ${entry.interface}${ips.length > 0 ? `, ips ${ips.join(', ')}` : ''})` : ''} ` +
              `is removed from ${NETWORKS_ANNOTATION}: no Interface of namespace ${ns || '(none)'} generates NetworkAttachmentDefinition ` +
              `${entry.name} or holds its addresses any more, so the pod no longer attaches to network ${entry.name}. If the Interface ` +
              `was renamed or moved rather than removed, name it in the annotation again`,
            fieldPath,
          ),
        );
        return;
      }
      if (entry.form === 'short' && !waiting && !scope.nads.has(`${entry.namespace ?? ns}/${entry.name}`)) {
        results.push(
          warningFor(
            o,
            `${who}: entry "${entry.source}" of ${NETWORKS_ANNOTATION} names no Interface of namespace ${ns || '(none)'} and no ` +
              `NetworkAttachmentDefinition ${entry.namespace ?? ns}/${entry.name} in the package, so it is left as written and the pod ` +
              `needs that NAD in the cluster. Check the name and the namespace (an Interface is named by its metadata.name, in the workload's namespace)`,
            fieldPath,
          ),
        );
      }
      texts.push(keptEntryText(entry));
      return;
    }
    const { itf } = found;
    scope.named.add(itf);
    const att = interfaces.attachment(itf);
    if (!att) return;
    const nad = nadRefOf(itf);
    const wantsDefault = config.defaultRouteNetworks.has(itf.spec.networkInstance.name);
    const gateways = att.gateways.filter((g): g is string => g !== undefined);
    if (!wantsDefault) warnOnPartialDefaultRoute(o, entry.fields?.['default-route'], att.gateways, fieldPath, results);
    const text = managedEntryText(
      entry,
      { name: nad.name, namespace: nad.namespace !== ns ? nad.namespace : undefined },
      nameOf(itf),
      att.addresses,
      wantsDefault ? gateways : undefined,
    );
    if ('by' in found && found.by !== undefined) {
      const was = ipsOf(entry);
      const kept = sameAddresses(was, att.addresses);
      results.push(
        resultFor(
          o,
          kept ? 'info' : 'warning',
          `${who}: entry ${entry.name} of ${NETWORKS_ANNOTATION} now names NetworkAttachmentDefinition ${nad.name} of Interface ` +
            `${interfaceRef(itf)} (${fileLabel(itf)}), since ${found.by} (the workload or the Interface was renamed): ` +
            (kept
              ? `ips kept (${att.addresses.join(', ') || 'none'})`
              : `ips ${was.join(', ') || '(none)'} -> ${att.addresses.join(', ') || '(none)'}`),
          fieldPath,
        ),
      );
    }
    else if (previouslyManaged.has(entry.name) && ipsOf(entry).length > 0 && !sameHosts(ipsOf(entry), att.addresses)) {
      // The pod's address on this link changes (a new network instance, a chosen spec.prefix): said with both.
      // A prefix length alone (a pool widened in place) is said once per pool by ipam-fn.
      results.push(
        warningFor(
          o,
          `${who}: entry ${nad.name} (Interface ${interfaceLabel(interfaceRef(itf))}) of ${NETWORKS_ANNOTATION}: ips ` +
            `${ipsOf(entry).join(', ')} -> ${att.addresses.join(', ') || '(none)'}, as its claims now hold`,
          fieldPath,
        ),
      );
    }
    if (text !== entry.source) changed = true;
    texts.push(text);
    managed.push(nad.name);
    if (att.addresses.length > 0) {
      withIps++;
      const list = holders.get(itf) ?? [];
      if (!list.includes(o)) list.push(o);
      holders.set(itf, list);
    }
  });

  if (withIps > 0) {
    for (const p of replicaProblems(o, hpas)) {
      const consequence =
        p.severity === 'error' ? 'every pod running at the same time would carry the same static IPs' : 'the static IPs may be briefly duplicated';
      const message = `${o.kind} ${nameOf(o)}: ${p.why}, so ${consequence}. To fix: ${p.fix}`;
      results.push(resultFor(o, p.severity, message, p.field));
    }
  }

  // A short form only needs rewriting (to JSON) when an entry of ours changed or went away.
  const managedValue = [...new Set(managed)].sort().join(',');
  let next = o;
  if (changed) {
    next = setIn(next, [...annotationsPath, NETWORKS_ANNOTATION], texts.length > 0 ? joinSelection(texts) : undefined);
    const annotations = getIn(next, annotationsPath);
    if (isObject(annotations) && Object.keys(annotations).length === 0) next = setIn(next, annotationsPath, undefined);
  }
  if ((getAnnotation(next, MANAGED_NETWORKS) ?? '') !== managedValue) {
    next = setIn(next, ['metadata', 'annotations', MANAGED_NETWORKS], managedValue || undefined);
    const annotations = getIn(next, ['metadata', 'annotations']);
    if (isObject(annotations) && Object.keys(annotations).length === 0) next = setIn(next, ['metadata', 'annotations'], undefined);
  }
  return next;
}

/**
 * An Interface's addresses belong to one pod: two workloads naming the same Interface would both
 * get its `ips` - the same address twice on the wire. Every such workload gets an error naming
 * the others, so the outcome does not depend on item order.
 */
function sharedAddressErrors(holders: ReadonlyMap<Interface, KubeObject[]>): Result[] {
  const results: Result[] = [];
  for (const [itf, list] of holders) {
    if (list.length < 2) continue;
    for (const o of list) {
      const others = list.filter((x) => x !== o).map((x) => `${x.kind} ${nameOf(x)} (${fileLabel(x)})`).join(', ');
      const path = templatePath(o) ?? ['metadata'];
      results.push(
        errorFor(
          o,
          `${o.kind} ${nameOf(o)} names Interface ${nameOf(itf)} (${fileLabel(itf)}) in ${NETWORKS_ANNOTATION}, and so does ` +
            `${others}: their pods would carry the same address. An Interface's address belongs to one workload: give ` +
            `each workload an Interface of its own`,
          `${[...path, 'annotations'].join('.')}[${NETWORKS_ANNOTATION}]`,
        ),
      );
    }
  }
  return results;
}

/**
 * An Interface no workload names gets an address and a NAD that no pod ever uses - usually a
 * renamed Interface or a typo in the annotation. Said only where a workload could name it (one
 * in the Interface's package or below): a package without pod workloads (a Nephio NF package,
 * whose operator reads the NFDeployment) attaches its Interfaces its own way.
 */
function unnamedInterfaceWarnings(scope: RenderScope, workloadPackages: ReadonlySet<string>): Result[] {
  const out: Result[] = [];
  const reachable = new Set<string>();
  for (const p of workloadPackages) for (const e of enclosingPackages(p)) reachable.add(e);
  for (const itf of scope.interfaces.interfaces) {
    if (scope.named.has(itf) || !reachable.has(packagePathOf(itf))) continue;
    const addresses = scope.interfaces.currentAddresses(itf) ?? [];
    const ns = namespaceOf(itf);
    out.push(
      warningFor(
        itf,
        `Interface ${interfaceLabel(interfaceRef(itf))} gets NetworkAttachmentDefinition ${nadRefOf(itf).name}` +
          `${addresses.length > 0 ? ` and holds ${addresses.join(', ')}` : ''}, but no workload's ${NETWORKS_ANNOTATION} names it, ` +
          `so no pod attaches to it: add "${nameOf(itf)}" to the annotation of the workload that uses it (namespace ${ns || '(none)'}), ` +
          `or remove the Interface`,
        'metadata.name',
      ),
    );
  }
  return out;
}

export function deploymentAnnotateFn(input: ResourceList): TransformOutput {
  const results: Result[] = [];
  const config = readConfig(input.functionConfig, results);
  const interfaces = new InterfaceIndex(input.items);
  const scope: RenderScope = {
    config,
    interfaces,
    hpas: input.items.filter(isHpa),
    nads: new Set(input.items.filter(isNad).map((n) => `${namespaceOf(n)}/${nameOf(n)}`)),
    results,
    holders: new Map(),
    named: new Set(),
  };
  const workloadPackages = new Set<string>();
  const items = input.items.map((o) => {
    const path = templatePath(o);
    if (!path) return o;
    workloadPackages.add(packagePathOf(o));
    return annotateWorkload(o, path, scope);
  });
  results.push(...sharedAddressErrors(scope.holders));
  results.push(...unnamedInterfaceWarnings(scope, workloadPackages));
  results.push(...interfaces.results);
  return summarized('deployment-annotate-fn', input.items, { items: withReadinessGate(items), results }, annotateSummary);
}
