import {
  AddressFamily,
  ANNOTATIONS,
  API,
  applyConditions,
  CLAIM_CONDITION_PREFIX,
  claimConditions,
  claimedPrefix,
  childAnnotations,
  claimName,
  ClusterIndex,
  errorFor,
  familiesOf,
  familyOfAddress,
  FROM_INTERFACE,
  getAnnotation,
  Interface,
  interfaceRef,
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
} from '../../lib/src';

interface WantedClaim {
  claim: IPClaim;
  family: AddressFamily;
}


/** The claims an Interface needs, keyed like resourceKey() so existing claims can be matched. */
function desiredClaims(itf: Interface, clusterName: string): Map<string, WantedClaim> {
  const out = new Map<string, WantedClaim>();
  const families = familiesOf(normalizeFamilyPolicy(itf.spec.ipFamilyPolicy));
  const networkName = getAnnotation(itf, ANNOTATIONS.networkName);
  for (const family of families) {
    const name = claimName(itf, family);
    const annotations: Record<string, string> = childAnnotations(itf);
    annotations[ANNOTATIONS.localConfig] = 'true';
    annotations[FROM_INTERFACE] = interfaceRef(itf);
    Object.assign(annotations, placementFrom(itf, `ipclaim-${name}.yaml`));
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
      spec: { kind: 'network', networkInstance: { name: itf.spec.networkInstance.name }, selector: { matchLabels } },
    };
    out.set(resourceKey(claim), { claim, family });
  }
  return out;
}

/**
 * Brings an existing claim in line with the wanted one. Its status (the persistent record of the
 * address) survives only while it is still valid: same network instance, same family. A user-set
 * spec.prefix (a chosen static address) is kept. Annotations kpt or users added are kept too.
 */
function reconcile(existing: IPClaim, wanted: IPClaim, family: AddressFamily): IPClaim {
  const spec: IPClaim['spec'] = { ...wanted.spec };
  const chosen = isObject(existing.spec) ? scalarText(existing.spec.prefix) : undefined;
  if (chosen !== undefined && familyOfAddress(chosen) === family) spec.prefix = chosen;
  const prefix = claimedPrefix(existing);
  const sameNetwork = isObject(existing.spec) && isObject(existing.spec.networkInstance)
    && scalarText(existing.spec.networkInstance.name) === wanted.spec.networkInstance.name;
  const keepStatus = prefix !== undefined && sameNetwork && familyOfAddress(prefix) === family;
  const next: IPClaim = { ...existing, metadata: { ...existing.metadata, annotations: mergedAnnotations(existing, wanted) }, spec };
  if (keepStatus) next.status = existing.status;
  else delete next.status;
  return unlessUnchanged(existing, next);
}

export function interfaceFn(input: ResourceList): TransformOutput {
  const { items } = input;
  const results: Result[] = [];
  const clusters = new ClusterIndex(items);
  results.push(...clusters.results);

  const wanted = new Map<string, WantedClaim>();
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
    const families = familiesOf(normalizeFamilyPolicy(itf.spec.ipFamilyPolicy));
    const cluster = clusters.lookupOrError(itf, results, 'spec.networkInstance');
    if (!cluster) continue;
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
    if (families.length === 0) continue;
    for (const [k, w] of desiredClaims(itf, cluster.spec.clusterName)) {
      const other = wanted.get(k);
      if (other) {
        results.push(
          errorFor(
            itf,
            `Interface ${nameOf(itf)} would generate IPClaim ${nameOf(w.claim)}, which Interface ` +
              `${getAnnotation(other.claim, FROM_INTERFACE)} generates too: rename one of the Interfaces or its owner`,
            'metadata.name',
          ),
        );
        continue;
      }
      wanted.set(k, w);
    }
  }

  // A generated claim whose Interface is gone is removed here, which frees its address.
  const out = reconcileGenerated(
    items,
    isIPClaim,
    wanted,
    (existing, w) => reconcile(existing as IPClaim, w.claim, w.family),
    (w) => w.claim,
  );

  return { items: applyConditions(out, CLAIM_CONDITION_PREFIX, claimConditions(out)), results };
}
