import {
  API,
  applyConditions,
  attachmentName,
  claimedVlan,
  interfaceNadConditions,
  isNad,
  isVLANClaim,
  NAD_CONDITION_PREFIX,
  namespaceOf,
  packagePathOf,
  validateResource,
  VLANClaim,
  Attachment,
  childAnnotations,
  ClusterIndex,
  collectNetworkPrefixes,
  collectPools,
  errorFor,
  ifNameProblem,
  FROM_INTERFACE,
  Interface,
  InterfaceIndex,
  interfaceRef,
  mergedAnnotations,
  reconcileGenerated,
  unlessUnchanged,
  KubeObject,
  nameOf,
  nadRefOf,
  placementFrom,
  NetworkPrefix,
  PoolSource,
  resourceKey,
  ResourceList,
  Result,
  TransformOutput,
  warningFor,
  withReadinessGate,
  ANNOTATIONS,
  getAnnotation,
  isOurs,
  NFDeploymentIndex,
  ownedInterfaces,
  withNFDeploymentSpecs,
  isNFInterfaceCondition,
  interfaceConditions,
  generatedFileName,
} from '../../lib/src';
import { buildCniConfig, Route } from './cni-config';
import { NadFnConfig, readConfig } from './config';
import { parseAddressWithLength, VLAN_MAX, VLAN_MIN } from '../../lib/src/ipam';
import { withInterfaceStatus } from './interface-status';
import { summarized } from '../../lib/src/summary';
import { nadSummary } from './summary';
import { routeDestinations } from '../../lib/src/routes';

const SRIOV_RESOURCE = 'k8s.v1.cni.cncf.io/resourceName';

/** A VLANClaim of the render, and what makes it unreadable (a schema error), if anything. */
interface SeenVlanClaim {
  claim: VLANClaim;
  problem?: string;
}

/** The VLAN ID of an `attachmentType: vlan` Interface, from the VLANClaim interface-fn made for it. */
function vlanOf(itf: Interface, vlanClaims: ReadonlyMap<string, SeenVlanClaim>, results: Result[]): number | undefined | 'error' {
  if (itf.spec.attachmentType !== 'vlan') return undefined;
  const name = attachmentName(itf);
  const found = vlanClaims.get(`${packagePathOf(itf)}|${namespaceOf(itf)}|${name}`);
  const claim = found?.problem === undefined ? found?.claim : undefined;
  // A VLANClaim another tool made for this Interface under another name is said, not read.
  const owner = childAnnotations(itf)[ANNOTATIONS.owner];
  const lookalikes = found
    ? []
    : [...vlanClaims.values()]
        .map((v) => v.claim)
        .filter((c) => packagePathOf(c) === packagePathOf(itf) && getAnnotation(c, ANNOTATIONS.owner) === owner && !isOurs(c))
        .map(nameOf)
        .sort();
  const seen = lookalikes.length > 0 ? ` (VLANClaim ${lookalikes.join(', ')} names it as owner but was not made by interface-fn, so it is not read)` : '';
  const id = claim && claimedVlan(claim);
  if (!claim || id === undefined || !Number.isInteger(id) || id < VLAN_MIN || id > VLAN_MAX) {
    // Never an untagged NAD for a VLAN Interface: that would put the pod on the wrong segment.
    results.push(
      errorFor(
        itf,
        found?.problem !== undefined
          ? `Interface ${nameOf(itf)} has attachmentType vlan, but its VLANClaim ${name} is not valid (${found.problem}): ` +
            `delete it and run interface-fn and ipam-fn before this function`
          : !claim
            ? `Interface ${nameOf(itf)} has attachmentType vlan but no VLANClaim ${name}${seen}: run interface-fn and ipam-fn before this function`
          : id === undefined
            ? `VLANClaim ${name} of Interface ${nameOf(itf)} has no status.vlanID yet: run ipam-fn before this function ` +
              `(pipeline order: interface-fn, ipam-fn, nad-fn, deployment-annotate-fn)`
            : `VLANClaim ${name} of Interface ${nameOf(itf)} records status.vlanID ${JSON.stringify(claim.status?.vlanID)}, which is not a VLAN ID (${VLAN_MIN}-${VLAN_MAX}): let ipam-fn allocate it`,
        'spec.attachmentType',
        'vlan',
      ),
    );
    return 'error';
  }
  return id;
}

/**
 * Routes to the network instance's other subnets of the same family via this subnet's gateway:
 * with per-cluster subnets on one network (a RAN subnet and a core subnet for N3), each side
 * reaches the other through its gateway. The own subnet needs none (it comes with the address).
 * A Network's routing table is routed as Nephio's NADs route it: every prefix of the family,
 * aggregates included - the own aggregate too, since the other clusters' subnets carved from it
 * need not be in this render, and the own subnet is the more specific route. A destination
 * inside another one is left out. A default route is not set here: the pod's default route
 * belongs to its cluster network, and a second one would fail the attachment;
 * deployment-annotate-fn asks Multus for it instead.
 */
function routesFor(att: Attachment, cluster: string | undefined, pools: readonly PoolSource[], aggregates: readonly NetworkPrefix[]): Route[] {
  const routes: Route[] = [];
  const ni = att.itf.spec.networkInstance.name;
  for (const [i, address] of att.addresses.entries()) {
    const gw = att.gateways[i];
    const parsed = parseAddressWithLength(address);
    if (!gw || !parsed.ok) continue;
    const { family, value } = parsed.value;
    // ipam-fn's list when it bound the claim: it knew every pool, in the ledger too.
    const dsts = att.routes[i] ?? routeDestinations({ networkInstance: ni, family, value, cluster }, pools, aggregates);
    for (const dst of dsts) routes.push({ dst, gw });
  }
  const seen = new Set<string>();
  return routes.filter((r) => !seen.has(r.dst) && seen.add(r.dst)).sort((a, b) => (a.dst < b.dst ? -1 : a.dst > b.dst ? 1 : 0));
}

function buildNad(
  itf: Interface,
  att: Attachment,
  cluster: string | undefined,
  master: string | undefined,
  vlan: number | undefined,
  config: NadFnConfig,
  pools: readonly PoolSource[],
  aggregates: readonly NetworkPrefix[],
): KubeObject {
  const { name, namespace } = nadRefOf(itf);
  const annotations: Record<string, string> = childAnnotations(itf);
  annotations[FROM_INTERFACE] = interfaceRef(itf);
  // The SR-IOV device plugin only hands a VF to pods whose NAD names its resource.
  if (itf.spec.cniType === 'sriov' && config.sriovResourceName) annotations[SRIOV_RESOURCE] = config.sriovResourceName;
  Object.assign(annotations, placementFrom(itf, generatedFileName('NetworkAttachmentDefinition', name)));
  const cniConfig = buildCniConfig({
    name,
    cniType: itf.spec.cniType ?? 'macvlan',
    master,
    vlan,
    cniVersion: config.cniVersion,
    withIpam: att.addresses.length > 0,
    routes: routesFor(att, cluster, pools, aggregates),
  });
  return {
    apiVersion: API.nad.apiVersion,
    kind: API.nad.kind,
    metadata: { name, ...(namespace ? { namespace } : {}), annotations },
    spec: { config: cniConfig },
  };
}

/**
 * Linux lets a link be the parent of macvlan or of ipvlan interfaces, not both: the second kind
 * fails with "device or resource busy" on any node where both meet.
 */
function mixedMasterWarnings(interfaces: readonly Interface[], clusters: ClusterIndex): Result[] {
  const byMaster = new Map<string, Interface[]>();
  for (const itf of interfaces) {
    const found = clusters.lookup(itf);
    if (!('cluster' in found) || !found.cluster.spec.masterInterface) continue;
    const key = `${nameOf(found.cluster)}|${found.cluster.spec.masterInterface}`;
    byMaster.set(key, [...(byMaster.get(key) ?? []), itf]);
  }
  const results: Result[] = [];
  for (const [key, list] of byMaster) {
    const kinds = new Set(list.map((i) => i.spec.cniType ?? 'macvlan'));
    if (!kinds.has('macvlan') || !kinds.has('ipvlan')) continue;
    const [cluster, master] = key.split('|');
    for (const itf of list.filter((i) => i.spec.cniType === 'ipvlan')) {
      results.push(
        warningFor(
          itf,
          `WorkloadCluster ${cluster} attaches both macvlan and ipvlan interfaces to ${master}; Linux allows only one ` +
            `of the two kinds on a parent link, so pods that bring both to one node fail with "device or resource busy". ` +
            `Use one cniType per master interface`,
          'spec.cniType',
          'ipvlan',
        ),
      );
    }
  }
  return results;
}

export function nadFn(input: ResourceList): TransformOutput {
  const results: Result[] = [];
  const config = readConfig(input.functionConfig, results);
  const clusters = new ClusterIndex(input.items);
  const interfaces = new InterfaceIndex(input.items);
  // Pools only inform routes here; ipam-fn reports what is wrong with them.
  const pools = collectPools(input.items);
  const aggregates = collectNetworkPrefixes(input.items).prefixes.filter((p) => p.kind === 'network');
  results.push(...clusters.results);

  const vlanClaims = new Map<string, SeenVlanClaim>();
  for (const o of input.items) {
    if (!isVLANClaim(o)) continue;
    const problems = validateResource(o);
    const seen = problems.length === 0 ? { claim: o } : { claim: o, problem: problems.map((r) => r.message).join('; ') };
    vlanClaims.set(`${packagePathOf(o)}|${namespaceOf(o)}|${nameOf(o)}`, seen);
  }

  const wanted = new Map<string, KubeObject>();
  const badMasters = new Set<KubeObject>();
  const statuses = new Map<KubeObject, KubeObject>();
  for (const itf of interfaces.loopbacks) {
    const att = interfaces.attachment(itf);
    if (att) statuses.set(itf, withInterfaceStatus(itf, att, undefined));
  }
  for (const itf of interfaces.interfaces) {
    const cluster = clusters.lookupOrError(itf, results, 'spec.cniType');
    if (!cluster) continue;
    const cniType = itf.spec.cniType ?? 'macvlan';
    const master = cluster.spec.masterInterface;
    if (cniType !== 'sriov' && !master) {
      results.push(
        errorFor(
          cluster,
          `WorkloadCluster ${nameOf(cluster)} has no spec.masterInterface, which ${cniType} Interface ${nameOf(itf)} ` +
            `attaches to: set it to the host NIC of the secondary network (e.g. eth1)`,
          'spec.masterInterface',
        ),
      );
      continue;
    }
    const masterProblem = master === undefined ? undefined : ifNameProblem(master);
    if (masterProblem) {
      if (badMasters.has(cluster)) continue;
      badMasters.add(cluster);
      results.push(
        errorFor(
          cluster,
          `WorkloadCluster ${nameOf(cluster)}: spec.masterInterface ${master} is not a usable Linux interface name: ${masterProblem}`,
          'spec.masterInterface',
          master,
        ),
      );
      continue;
    }
    const att = interfaces.attachment(itf);
    const vlan = vlanOf(itf, vlanClaims, results);
    if (!att || vlan === 'error') continue;
    const subInterface = master !== undefined && vlan !== undefined && cniType !== 'sriov' ? `${master}.${vlan}` : undefined;
    const subProblem = subInterface === undefined ? undefined : ifNameProblem(subInterface);
    if (subProblem) {
      results.push(
        errorFor(
          itf,
          `Interface ${nameOf(itf)} attaches to the VLAN sub-interface ${subInterface} of WorkloadCluster ${nameOf(cluster)}, ` +
            `which is not a usable Linux interface name: ${subProblem}. Shorten the cluster's spec.masterInterface`,
          'spec.attachmentType',
          'vlan',
        ),
      );
      continue;
    }
    statuses.set(itf, withInterfaceStatus(itf, att, vlan));
    if (cniType === 'sriov' && !config.sriovResourceName) {
      results.push(
        warningFor(
          itf,
          `SR-IOV Interface ${nameOf(itf)}: its NAD names no device plugin resource, so no VF will be allocated to the pod; ` +
            `set data.sriovResourceName (e.g. intel.com/sriov_netdevice) in nad-fn's functionConfig`,
          'spec.cniType',
          'sriov',
        ),
      );
    }
    const nad = buildNad(itf, att, cluster.spec.clusterName, master, vlan, config, pools.pools, aggregates);
    const key = resourceKey(nad);
    if (wanted.has(key)) {
      results.push(errorFor(itf, `two Interfaces would generate NAD ${nameOf(nad)} in one namespace: rename one`, 'metadata.name'));
      continue;
    }
    wanted.set(key, nad);
  }
  results.push(...interfaces.results);
  results.push(...mixedMasterWarnings(interfaces.interfaces, clusters));

  // A NAD whose Interface is gone is removed in the same render; hand-made NADs stay.
  const reconciled = reconcileGenerated(
    input.items.map((o) => statuses.get(o) ?? o),
    isNad,
    wanted,
    (existing, nad) => unlessUnchanged(existing, { ...existing, metadata: { ...existing.metadata, annotations: mergedAnnotations(existing, nad) }, spec: nad.spec }),
    (nad) => nad,
  );
  results.push(...reconciled.results);
  const withNads = applyConditions(reconciled.items, NAD_CONDITION_PREFIX, interfaceNadConditions(reconciled.items, interfaces.interfaces));
  // What Nephio's nfdeploy-fn and the NF operators read, now that every NAD is made.
  const nfs = new NFDeploymentIndex(withNads);
  const owned = ownedInterfaces(withNads, nfs);
  const filled = withNFDeploymentSpecs(applyConditions(withNads, isNFInterfaceCondition, interfaceConditions(owned)), owned, nfs);
  results.push(...filled.results);
  return summarized('nad-fn', input.items, { items: withReadinessGate(filled.items), results }, nadSummary);
}
