import {
  attachmentName,
  CLUSTER_CONDITION_PREFIX,
  clusterConditions,
  interfaceNadConditions,
  interfaceConditions,
  isNFInterfaceCondition,
  NFDeploymentIndex,
  ownedInterfaces,
  isVLANClaim,
  NAD_CONDITION_PREFIX,
  packagePathOf,
  VLAN_CLAIM_NAME,
  VLAN_CONDITION_PREFIX,
  VLANClaim,
  vlanClaimConditions,
  vlanIndexOf,
  WorkloadCluster,
  ANNOTATIONS,
  API,
  applyConditions,
  CLAIM_CONDITION_PREFIX,
  claimConditions,
  claimedPrefix,
  childAnnotations,
  claimBinding,
  claimName,
  clusterOfClaim,
  ClusterIndex,
  CarryOver,
  fileLabel,
  KubeObject,
  errorFor,
  familiesOf,
  familyOfAddress,
  FROM_INTERFACE,
  getAnnotation,
  Interface,
  interfaceNameProblems,
  interfaceRef,
  labelValueProblem,
  IPClaim,
  isInterface,
  isIPClaim,
  isObject,
  LABELS,
  mergedAnnotations,
  nameOf,
  namespaceOf,
  normalizeFamilyPolicy,
  placementFrom,
  POD_NETWORK,
  reconcileGenerated,
  resourceKey,
  ResourceList,
  Result,
  scalarText,
  TransformOutput,
  unlessUnchanged,
  validateResource,
  warningFor,
  withBoundRecordOf,
  withReadinessGate,
  interfaceLabel,
  generatedFileName,
} from '../../lib/src';
import { sharedVlanIndexes, VlanIndexChoice, vlanBindingFor } from './vlan-indexes';
import { recordReleases } from './released';
import { summarized } from '../../lib/src/summary';
import { interfaceSummary } from './summary';
import { readConfig } from './config';
import type { IpFamily } from '../../lib/src/ipam';

interface WantedClaim {
  claim: IPClaim;
  family: IpFamily;
  itf: Interface;
}

/** A generated item of an Interface whose cluster is not injected (any more): kept as it is. */
interface Kept {
  keep: KubeObject;
}


/** The claims an Interface needs, keyed like resourceKey() so existing claims can be matched. */
function desiredClaims(itf: Interface, clusterName: string): Map<string, WantedClaim> {
  const out = new Map<string, WantedClaim>();
  const families = familiesOf(normalizeFamilyPolicy(itf.spec.ipFamilyPolicy));
  const networkName = getAnnotation(itf, ANNOTATIONS.networkName);
  // An Interface without cniType is a loopback in Nephio: a host address, no NAD.
  const kind = itf.spec.cniType === undefined ? 'loopback' : 'network';
  for (const family of families) {
    const name = claimName(itf, family);
    const annotations: Record<string, string> = childAnnotations(itf);
    annotations[ANNOTATIONS.localConfig] = 'true';
    annotations[FROM_INTERFACE] = interfaceRef(itf);
    Object.assign(annotations, placementFrom(itf, generatedFileName('IPClaim', name)));
    const matchLabels: Record<string, string> = {
      [LABELS.addressFamily]: family,
      [LABELS.clusterName]: clusterName,
    };
    if (networkName !== undefined) matchLabels[LABELS.networkName] = networkName;
    const ns = namespaceOf(itf);
    const claim: IPClaim = {
      apiVersion: API.ipClaim.apiVersion,
      kind: API.ipClaim.kind,
      metadata: { name, ...(ns ? { namespace: ns } : {}), annotations },
      spec: { kind, networkInstance: { name: itf.spec.networkInstance.name }, selector: { matchLabels } },
    };
    out.set(resourceKey(claim), { claim, family, itf });
  }
  return out;
}

/**
 * Brings an existing claim in line with the wanted one. Its status (the persistent record of the
 * address) survives only while it is still valid: same network instance, same family. A user-set
 * spec.prefix (a chosen static address) is kept. Annotations kpt or users added are kept too.
 */
function reconcile(existing: IPClaim, wanted: IPClaim, family: IpFamily, results: Result[]): IPClaim {
  const spec: IPClaim['spec'] = { ...wanted.spec };
  const chosen = isObject(existing.spec) ? scalarText(existing.spec.prefix) : undefined;
  if (chosen !== undefined && familyOfAddress(chosen) === family) spec.prefix = chosen;
  const prefix = claimedPrefix(existing);
  const oldNetwork = isObject(existing.spec) && isObject(existing.spec.networkInstance)
    ? scalarText(existing.spec.networkInstance.name)
    : undefined;
  const sameNetwork = oldNetwork === wanted.spec.networkInstance.name;
  const oldKind = isObject(existing.spec) ? scalarText(existing.spec.kind) ?? 'network' : 'network';
  const sameKind = oldKind === wanted.spec.kind;
  const keepStatus = prefix !== undefined && sameNetwork && sameKind && familyOfAddress(prefix) === family;
  const next: IPClaim = { ...existing, metadata: { ...existing.metadata, annotations: mergedAnnotations(existing, wanted) }, spec };
  if (keepStatus) next.status = existing.status;
  else delete next.status;
  if (prefix !== undefined && !keepStatus) {
    // The user asked for it (the Interface names another network instance), but say so.
    const why = !sameNetwork
      ? `its Interface now names network instance ${wanted.spec.networkInstance.name}`
      : !sameKind
        ? `its Interface is now a ${wanted.spec.kind === 'loopback' ? 'loopback (no cniType)' : `${wanted.spec.kind} interface`}, which takes another kind of address`
        : `it is not an ${family} address`;
    results.push(
      warningFor(
        existing,
        `IPClaim ${nameOf(existing)} gives up ${prefix} (network instance ${oldNetwork ?? '(none)'}): ${why}, ` +
          `so ipam-fn allocates a new address from ${wanted.spec.networkInstance.name}`,
        'spec.networkInstance.name',
        oldNetwork,
      ),
    );
  }
  return unlessUnchanged(existing, next);
}

/** The network instance and family a generated claim is for, and its workload, if it has one. */
function claimParts(o: KubeObject): { itf: string; ns: string; name: string; ni: string; family: string; cluster: string; workload?: string } | undefined {
  if (!isIPClaim(o)) return undefined;
  const itf = getAnnotation(o, FROM_INTERFACE);
  const family = selectorFamily(o);
  const ni = isObject(o.spec) && isObject(o.spec.networkInstance) ? scalarText(o.spec.networkInstance.name) : undefined;
  if (itf === undefined || family === undefined || ni === undefined) return undefined;
  const workload = getAnnotation(o, ANNOTATIONS.for);
  return { itf, ns: namespaceOf(o), name: itf.slice(itf.indexOf('/') + 1), ni, family, cluster: clusterOfClaim(o), ...(workload ? { workload } : {}) };
}

/**
 * A claim that is no longer generated and the one that replaces it in the same render are the
 * same address when they are for the same link of the same pod: the same cluster, network instance
 * and family, and
 * - the same Interface (namespace/name): its owner annotation was renamed (the claim name follows
 *   it) or it moved to a sibling package;
 * - or the same workload and Interface name in another namespace: the Interface's `namespace:`
 *   was changed or dropped - a move of the workload's link, like a move to another package;
 * - or the same workload and namespace under a new Interface name (`n4` -> `pfcp`).
 * Each needs exactly one claim gone and one new under that key, so two renames at once on one
 * network instance and family are never guessed: those addresses are released, and said.
 * The address is bound to the claim's identity, so it is carried over explicitly - and said -
 * rather than released and allocated afresh.
 */
const claimCarryOver: CarryOver = {
  keys: [
    {
      why: 'same Interface',
      key: (o) => {
        const p = claimParts(o);
        return p && [p.cluster, p.ns, p.itf, p.ni, p.family].join('|');
      },
    },
    {
      why: 'same Interface name and workload, namespace changed',
      key: (o) => {
        const p = claimParts(o);
        return p?.workload === undefined ? undefined : [p.cluster, p.name, p.workload, p.ni, p.family].join('|');
      },
    },
    {
      why: 'same workload and namespace, Interface renamed',
      key: (o) => {
        const p = claimParts(o);
        return p?.workload === undefined ? undefined : [p.cluster, p.ns, p.workload, p.ni, p.family].join('|');
      },
    },
  ],
  carry(previous: KubeObject, successor: KubeObject, why: string) {
    if (!isIPClaim(previous) || !isIPClaim(successor)) return undefined;
    const prefix = claimedPrefix(previous);
    const chosen = isObject(previous.spec) ? scalarText(previous.spec.prefix) : undefined;
    if (prefix === undefined && chosen === undefined) return undefined;
    // ipam-fn's record goes with the status, so a status rewritten before the rename is still caught.
    const item: IPClaim = withBoundRecordOf(previous, { ...successor, spec: { ...successor.spec, ...(chosen !== undefined ? { prefix: chosen } : {}) } });
    if (prefix !== undefined) item.status = previous.status;
    const from = getAnnotation(previous, FROM_INTERFACE);
    const to = getAnnotation(successor, FROM_INTERFACE);
    const sameItf = from === to;
    return {
      item,
      message:
        `IPClaim ${nameOf(successor)} (${fileLabel(successor)}) replaces IPClaim ${nameOf(previous)} ` +
        `(${fileLabel(previous)}), which is no longer generated: ` +
        (sameItf
          ? `same Interface ${interfaceLabel(from)}`
          : `Interface ${interfaceLabel(from)} is now Interface ${interfaceLabel(to)} (${why}: ${getAnnotation(previous, ANNOTATIONS.for)}, network instance ` +
            `${claimParts(previous)?.ni}, ${claimParts(previous)?.family})`) +
        ` in cluster ${clusterOfClaim(previous)}, so it keeps the address ${prefix ?? chosen} (identity ` +
        `${claimBinding(previous)} -> ${claimBinding(successor)})`,
    };
  },
};

function selectorFamily(o: IPClaim): string | undefined {
  const sel = isObject(o.spec) && isObject(o.spec.selector) && isObject(o.spec.selector.matchLabels) ? o.spec.selector.matchLabels : undefined;
  return sel ? scalarText(sel[LABELS.addressFamily]) : undefined;
}

/**
 * The VLANClaim of an `attachmentType: vlan` Interface, as Nephio's interface-fn makes it: named
 * like the NAD, from the cluster's VLAN index, for the bridge domain `<network instance>-<cluster>-bd`
 * (every Interface of the cluster on that network shares the bridge domain's VLAN) - unless a
 * VLANIndex shared by several clusters covers this one (see vlan-indexes.ts).
 */
function desiredVlanClaim(itf: Interface, cluster: WorkloadCluster, shared: ReadonlyMap<string, VlanIndexChoice>): VLANClaim {
  const name = attachmentName(itf);
  const { index, bridgeDomain } = vlanBindingFor(cluster.spec.clusterName, itf.spec.networkInstance.name, shared);
  const annotations: Record<string, string> = childAnnotations(itf);
  annotations[VLAN_CLAIM_NAME] = bridgeDomain;
  annotations[ANNOTATIONS.localConfig] = 'true';
  annotations[FROM_INTERFACE] = interfaceRef(itf);
  Object.assign(annotations, placementFrom(itf, generatedFileName('VLANClaim', name)));
  const ns = namespaceOf(itf);
  return {
    apiVersion: API.vlanClaim.apiVersion,
    kind: API.vlanClaim.kind,
    metadata: { name, ...(ns ? { namespace: ns } : {}), annotations },
    spec: { vlanIndex: { name: index } },
  };
}

function sameVlanBinding(a: VLANClaim, b: VLANClaim): boolean {
  return isObject(a.spec) && isObject(a.spec.vlanIndex) && vlanIndexOf(a) === vlanIndexOf(b) &&
    getAnnotation(a, VLAN_CLAIM_NAME) === getAnnotation(b, VLAN_CLAIM_NAME);
}

/**
 * Keeps the recorded VLAN only while the claim still asks the same index for the same bridge
 * domain; when that changes (a shared VLAN index now covers the cluster, or no longer does), the
 * recorded ID is given up - with a warning, never silently.
 */
function reconcileVlanClaim(existing: VLANClaim, wanted: VLANClaim, results: Result[]): VLANClaim {
  const spec: VLANClaim['spec'] = { ...wanted.spec };
  if (isObject(existing.spec) && existing.spec.vlanID !== undefined) spec.vlanID = existing.spec.vlanID;
  const next: VLANClaim = { ...existing, metadata: { ...existing.metadata, annotations: mergedAnnotations(existing, wanted) }, spec };
  if (sameVlanBinding(existing, wanted) && existing.status !== undefined) next.status = existing.status;
  else delete next.status;
  const recorded = isObject(existing.status) ? scalarText(existing.status.vlanID) : undefined;
  if (recorded !== undefined && next.status === undefined) {
    const was = isObject(existing.spec) && isObject(existing.spec.vlanIndex) ? vlanIndexOf(existing) : '(none)';
    const wasBd = getAnnotation(existing, VLAN_CLAIM_NAME);
    const field = was !== vlanIndexOf(wanted) ? { path: 'spec.vlanIndex.name', value: was } : { path: `metadata.annotations[${VLAN_CLAIM_NAME}]`, value: wasBd };
    results.push(
      warningFor(
        existing,
        `VLANClaim ${nameOf(existing)} gives up VLAN ${recorded} (VLAN index ${was}, bridge domain ` +
          `${wasBd ?? '(none)'}): it now asks VLAN index ${vlanIndexOf(wanted)} for bridge domain ` +
          `${getAnnotation(wanted, VLAN_CLAIM_NAME) ?? '(none)'}, so ipam-fn allocates its VLAN ID there`,
        field.path,
        field.value,
      ),
    );
  }
  return unlessUnchanged(existing, next);
}

/**
 * A VLANClaim renamed in the same render keeps its recorded VLAN: the same Interface (owner
 * renamed, Interface moved), or - as for address claims - the same workload's Interface under a
 * new name or namespace, on the same VLAN index and bridge domain.
 */
const vlanParts = (o: KubeObject): { index: string; bd: string; from: string; workload?: string } | undefined => {
  if (!isVLANClaim(o)) return undefined;
  const from = getAnnotation(o, FROM_INTERFACE);
  const bd = getAnnotation(o, VLAN_CLAIM_NAME);
  if (from === undefined || bd === undefined || !isObject(o.spec) || !isObject(o.spec.vlanIndex)) return undefined;
  const workload = getAnnotation(o, ANNOTATIONS.for);
  return { index: vlanIndexOf(o), bd, from, ...(workload ? { workload } : {}) };
};

const vlanCarryOver: CarryOver = {
  keys: [
    {
      why: 'same Interface',
      key: (o) => {
        const p = vlanParts(o);
        return p && [p.index, p.bd, namespaceOf(o), p.from].join('|');
      },
    },
    {
      why: 'same Interface name and workload, namespace changed',
      key: (o) => {
        const p = vlanParts(o);
        return p?.workload === undefined ? undefined : [p.index, p.bd, p.from.slice(p.from.indexOf('/') + 1), p.workload].join('|');
      },
    },
    {
      why: 'same workload and namespace, Interface renamed',
      key: (o) => {
        const p = vlanParts(o);
        return p?.workload === undefined ? undefined : [p.index, p.bd, namespaceOf(o), p.workload].join('|');
      },
    },
  ],
  carry(previous: KubeObject, successor: KubeObject, why: string) {
    if (!isVLANClaim(previous) || !isVLANClaim(successor) || previous.status === undefined) return undefined;
    const vlanID = isObject(previous.status) ? scalarText(previous.status.vlanID) : undefined;
    if (vlanID === undefined) return undefined;
    return {
      item: { ...withBoundRecordOf(previous, successor), status: previous.status },
      message:
        `VLANClaim ${nameOf(successor)} (${fileLabel(successor)}) replaces VLANClaim ${nameOf(previous)} (${fileLabel(previous)}), ` +
        `which is no longer generated: ` +
        (getAnnotation(previous, FROM_INTERFACE) === getAnnotation(successor, FROM_INTERFACE)
          ? `same Interface ${interfaceLabel(getAnnotation(previous, FROM_INTERFACE))}`
          : `Interface ${interfaceLabel(getAnnotation(previous, FROM_INTERFACE))} is now Interface ${interfaceLabel(getAnnotation(successor, FROM_INTERFACE))} (${why})`) +
        `, so it keeps VLAN ${vlanID}`,
    };
  },
};

export function interfaceFn(input: ResourceList): TransformOutput {
  const { items } = input;
  const results: Result[] = [];
  const clusters = new ClusterIndex(items);
  results.push(...clusters.results);
  readConfig(input.functionConfig, results);

  const wanted = new Map<string, WantedClaim | Kept>();
  const byBinding = new Map<string, WantedClaim>();
  const wantedVlans = new Map<string, { vlan: VLANClaim } | Kept>();
  const sharedIndexes = sharedVlanIndexes(items, results);
  const notReady: Interface[] = [];
  const withNad: Interface[] = [];
  const seenInterfaces = new Map<string, Interface>();
  for (const itf of items.filter(isInterface)) {
    const errors = validateResource(itf);
    if (errors.length > 0) {
      results.push(...errors);
      continue;
    }
    const key = resourceKey(itf);
    const twin = seenInterfaces.get(key);
    if (twin) {
      results.push(errorFor(itf, `Interface ${nameOf(itf)} is defined twice in one package and namespace: remove one`, 'metadata.name'));
      continue;
    }
    seenInterfaces.set(key, itf);
    if (itf.spec.networkInstance.name === POD_NETWORK) continue;
    const nameErrors = interfaceNameProblems(itf);
    if (nameErrors.length > 0) {
      results.push(...nameErrors);
      continue;
    }
    const families = familiesOf(normalizeFamilyPolicy(itf.spec.ipFamilyPolicy));
    const cluster = clusters.lookupOrError(itf, results, 'spec.networkInstance');
    if (!cluster) continue;
    if (clusters.notReady(cluster) !== undefined) {
      notReady.push(itf);
      continue;
    }
    const clusterLabel = labelValueProblem(cluster.spec.clusterName);
    if (clusterLabel) {
      results.push(
        errorFor(
          cluster,
          `WorkloadCluster ${nameOf(cluster)}: spec.clusterName ${cluster.spec.clusterName} becomes the ${LABELS.clusterName} ` +
            `label of every IPClaim, but ${clusterLabel}`,
          'spec.clusterName',
          cluster.spec.clusterName,
        ),
      );
      continue;
    }
    const cnis = cluster.spec.cnis;
    if (itf.spec.cniType && cnis && !cnis.includes(itf.spec.cniType)) {
      results.push(
        errorFor(
          itf,
          `cniType ${itf.spec.cniType} is not supported by WorkloadCluster ${nameOf(cluster)} ` +
            `(spec.cnis: ${cnis.join(', ') || 'none'}): use one of those, or add ${itf.spec.cniType} to the cluster's spec.cnis`,
          'spec.cniType',
          itf.spec.cniType,
        ),
      );
      continue;
    }
    if (itf.spec.cniType !== undefined) withNad.push(itf);
    if (itf.spec.cniType !== undefined && itf.spec.attachmentType === 'vlan') {
      const vlanClaim = desiredVlanClaim(itf, cluster, sharedIndexes);
      const k = resourceKey(vlanClaim);
      const other = wantedVlans.get(k);
      if (other) {
        results.push(
          errorFor(
            itf,
            `Interface ${nameOf(itf)} would generate VLANClaim ${nameOf(vlanClaim)}, which Interface ` +
              `${getAnnotation('keep' in other ? other.keep : other.vlan, FROM_INTERFACE)} generates too: rename one of the Interfaces or its owner`,
            'metadata.name',
          ),
        );
      } else wantedVlans.set(k, { vlan: vlanClaim });
    }
    if (families.length === 0) continue;
    for (const [k, w] of desiredClaims(itf, cluster.spec.clusterName)) {
      const other = wanted.get(k);
      if (other) {
        results.push(
          errorFor(
            itf,
            `Interface ${nameOf(itf)} would generate IPClaim ${nameOf(w.claim)}, which Interface ` +
              `${getAnnotation('keep' in other ? other.keep : other.claim, FROM_INTERFACE)} generates too: rename one of the Interfaces or its owner`,
            'metadata.name',
          ),
        );
        continue;
      }
      // Two packages of one cluster: the same claim (and NAD) name in one namespace of one cluster.
      const binding = claimBinding(w.claim);
      const twin = byBinding.get(binding);
      if (twin) {
        results.push(
          errorFor(
            itf,
            `Interface ${nameOf(itf)} (${fileLabel(itf)}) and Interface ${nameOf(twin.itf)} (${fileLabel(twin.itf)}) ` +
              `both need IPClaim ${binding} (cluster/namespace/name), and their NADs would collide in namespace ` +
              `${namespaceOf(itf) || '(none)'} of that cluster: remove one, or rename one of them or its owner`,
            'metadata.name',
          ),
        );
        continue;
      }
      byBinding.set(binding, w);
      wanted.set(k, w);
    }
  }

  // What was generated for an Interface whose cluster is not injected stays as it is: nothing new
  // is made, and nothing recorded is dropped on the way back to a placeholder.
  const waiting = new Set(notReady.map((i) => `${packagePathOf(i)}|${interfaceRef(i)}`));
  for (const o of items) {
    const from = getAnnotation(o, FROM_INTERFACE);
    if (from === undefined || !waiting.has(`${packagePathOf(o)}|${from}`)) continue;
    if (isIPClaim(o) && !wanted.has(resourceKey(o))) wanted.set(resourceKey(o), { keep: o });
    if (isVLANClaim(o) && !wantedVlans.has(resourceKey(o))) wantedVlans.set(resourceKey(o), { keep: o });
  }

  // A generated claim whose Interface is gone is removed here, which frees its address.
  const reconciled = reconcileGenerated(
    items,
    isIPClaim,
    wanted,
    (existing, w) => ('keep' in w ? existing : reconcile(existing as IPClaim, w.claim, w.family, results)),
    (w) => ('keep' in w ? w.keep : w.claim),
    claimCarryOver,
  );
  results.push(...reconciled.results);
  const vlans = reconcileGenerated(
    reconciled.items,
    isVLANClaim,
    wantedVlans,
    (existing, w) => ('keep' in w ? existing : reconcileVlanClaim(existing as VLANClaim, w.vlan, results)),
    (w) => ('keep' in w ? w.keep : w.vlan),
    vlanCarryOver,
  );
  results.push(...vlans.results);

  const released = recordReleases(items, vlans.items, results);
  let out = applyConditions(released, CLAIM_CONDITION_PREFIX, claimConditions(released));
  out = applyConditions(out, VLAN_CONDITION_PREFIX, vlanClaimConditions(out));
  out = applyConditions(out, NAD_CONDITION_PREFIX, interfaceNadConditions(out, withNad));
  const pending = clusterConditions(clusters, notReady);
  results.push(...pending.results);
  out = applyConditions(out, CLUSTER_CONDITION_PREFIX, pending.conditions);
  // Nephio's nfdeploy-fn reads these: a new or changed claim makes its Interface not done again.
  // Last, as nad-fn writes them, so a first render and a re-render order the Kptfile alike.
  out = applyConditions(out, isNFInterfaceCondition, interfaceConditions(ownedInterfaces(out, new NFDeploymentIndex(out))));
  return summarized('interface-fn', items, { items: withReadinessGate(out), results }, interfaceSummary);
}
