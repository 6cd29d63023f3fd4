import { familiesOf, Interface, IPClaim, normalizeFamilyPolicy, VLANClaim } from './api/types';
import { claimedPrefix, claimGateway, FROM_INTERFACE, interfaceRef, isIPClaim } from './claims';
import { ClusterIndex } from './clusters';
import { getAnnotation, KubeObject, nameOf, namespaceOf, packagePathOf } from './kube/object';
import { isNad } from './nads';
import { attachmentName, claimName, nadRefOf, POD_NETWORK } from './generated-names';
import { VLAN_MAX, VLAN_MIN } from './ipam';
import { claimedVlan, isVLANClaim } from './vlans';

/** One entry of `NFDeployment.spec.interfaces`, as Nephio's API (`workload/v1alpha1` InterfaceConfig) has it. */
export interface InterfaceConfig {
  name: string;
  ipv4?: { address: string; gateway?: string };
  ipv6?: { address: string; gateway?: string };
  vlanID?: number;
}

export type Progress =
  /** `config` is absent for an Interface on the pod network: nothing is attached, nothing to report. */
  | { done: true; config?: InterfaceConfig }
  /** What is still to come, each naming the step that makes it. */
  | { done: false; waitsFor: string[] };

const key = (pkg: string, ns: string, name: string): string => `${pkg}|${ns}|${name}`;

/**
 * Whether everything the pipeline makes for an Interface is there - its claims with addresses,
 * its VLANClaim with an ID, its NAD - read from the items alone, so any step can tell, and what
 * it still waits for otherwise.
 */
export class InterfaceProgress {
  private readonly claims = new Map<string, IPClaim>();
  private readonly vlanClaims = new Map<string, VLANClaim>();
  private readonly nads = new Set<string>();
  private readonly clusters: ClusterIndex;

  constructor(items: readonly KubeObject[]) {
    for (const o of items) {
      if (isIPClaim(o)) this.claims.set(key(packagePathOf(o), namespaceOf(o), nameOf(o)), o);
      else if (isVLANClaim(o)) this.vlanClaims.set(key(packagePathOf(o), namespaceOf(o), nameOf(o)), o);
      else if (isNad(o)) {
        const from = getAnnotation(o, FROM_INTERFACE);
        if (from !== undefined) this.nads.add(`${packagePathOf(o)}|${from}|${namespaceOf(o)}/${nameOf(o)}`);
      }
    }
    this.clusters = new ClusterIndex(items);
  }

  of(itf: Interface): Progress {
    if (itf.spec.networkInstance.name === POD_NETWORK) return { done: true };
    const found = this.clusters.lookup(itf);
    if ('error' in found) return { done: false, waitsFor: ['a WorkloadCluster in its package or an enclosing one'] };
    const notReady = this.clusters.notReady(found.cluster);
    if (notReady !== undefined) return { done: false, waitsFor: [`its cluster: ${notReady.reason}`] };

    const pkg = packagePathOf(itf);
    const ns = namespaceOf(itf);
    const waitsFor: string[] = [];
    const config: InterfaceConfig = { name: nameOf(itf) };
    for (const family of familiesOf(normalizeFamilyPolicy(itf.spec.ipFamilyPolicy))) {
      const name = claimName(itf, family);
      const claim = this.claims.get(key(pkg, ns, name));
      const address = claim && claimedPrefix(claim);
      if (!claim) waitsFor.push(`interface-fn to generate IPClaim ${name}`);
      else if (!address) waitsFor.push(`ipam-fn to allocate IPClaim ${name}`);
      else {
        const gateway = claimGateway(claim);
        config[family] = gateway ? { address, gateway } : { address };
      }
    }
    if (itf.spec.attachmentType === 'vlan') {
      const name = attachmentName(itf);
      const claim = this.vlanClaims.get(key(pkg, ns, name));
      const id = claim && claimedVlan(claim);
      if (!claim) waitsFor.push(`interface-fn to generate VLANClaim ${name}`);
      else if (id === undefined || !Number.isInteger(id) || id < VLAN_MIN || id > VLAN_MAX) waitsFor.push(`ipam-fn to allocate VLANClaim ${name}`);
      else config.vlanID = id;
    }
    if (itf.spec.cniType !== undefined) {
      const nad = nadRefOf(itf);
      if (!this.nads.has(`${pkg}|${interfaceRef(itf)}|${nad.namespace}/${nad.name}`)) {
        waitsFor.push(`nad-fn to generate NetworkAttachmentDefinition ${nad.name}`);
      }
    }
    return waitsFor.length > 0 ? { done: false, waitsFor } : { done: true, config };
  }
}
