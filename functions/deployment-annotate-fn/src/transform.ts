import {
  errorFor,
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
} from '../../lib/src';
import { AnnotateConfig, readConfig } from './config';
import {
  joinSelection,
  keptEntryText,
  managedEntryText,
  NETWORKS_ANNOTATION,
  parseSelection,
} from './network-selection';
import { getIn, isHpa, replicaProblems, setIn, templatePath } from './workloads';
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

function annotateWorkload(
  o: KubeObject,
  path: string[],
  config: AnnotateConfig,
  interfaces: InterfaceIndex,
  hpas: readonly KubeObject[],
  results: Result[],
  holders: Map<Interface, KubeObject[]>,
): KubeObject {
  const annotationsPath = [...path, 'annotations'];
  const fieldPath = `${annotationsPath.join('.')}[${NETWORKS_ANNOTATION}]`;
  const current = scalarText(getIn(o, [...annotationsPath, NETWORKS_ANNOTATION]));
  const previouslyManaged = new Set(
    (getAnnotation(o, MANAGED_NETWORKS) ?? '').split(',').map((s) => s.trim()).filter(Boolean),
  );
  if (current === undefined && previouslyManaged.size === 0) return o;

  const parsed = parseSelection(current ?? '');
  if ('error' in parsed) {
    results.push(errorFor(o, `${o.kind} ${nameOf(o)}: annotation ${NETWORKS_ANNOTATION}: ${parsed.error}`, fieldPath, current));
    return o;
  }
  const ns = namespaceOf(o);
  const texts: string[] = [];
  const managed: string[] = [];
  let withIps = 0;
  let changed = false;
  for (const entry of parsed.entries) {
    const itf = interfaces.resolve(packagePathOf(o), ns, entry.name, entry.namespace, nadRefOf);
    if (!itf) {
      if (previouslyManaged.has(entry.name)) {
        changed = true; // its Interface is gone: the entry goes with it
        continue;
      }
      texts.push(keptEntryText(entry));
      continue;
    }
    const att = interfaces.attachment(itf);
    if (!att) continue;
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
    if (text !== entry.source) changed = true;
    texts.push(text);
    managed.push(nad.name);
    if (att.addresses.length > 0) {
      withIps++;
      const list = holders.get(itf) ?? [];
      if (!list.includes(o)) list.push(o);
      holders.set(itf, list);
    }
  }

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

export function deploymentAnnotateFn(input: ResourceList): TransformOutput {
  const results: Result[] = [];
  const config = readConfig(input.functionConfig, results);
  const interfaces = new InterfaceIndex(input.items);
  const hpas = input.items.filter(isHpa);
  const holders = new Map<Interface, KubeObject[]>();
  const items = input.items.map((o) => {
    const path = templatePath(o);
    return path ? annotateWorkload(o, path, config, interfaces, hpas, results, holders) : o;
  });
  results.push(...sharedAddressErrors(holders));
  results.push(...interfaces.results);
  return summarized('deployment-annotate-fn', input.items, { items, results }, annotateSummary);
}
