/**
 * The resources the pipeline reads and writes. API groups and field names follow Nephio
 * (req.nephio.org, infra.nephio.org, ipam.resource.nephio.org) so Nephio packages work unchanged.
 */
import { KubeObject } from '../kube/object';
import type { IpFamily } from '../ipam/address';

export const API = {
  interface: { apiVersion: 'req.nephio.org/v1alpha1', kind: 'Interface' },
  workloadCluster: { apiVersion: 'infra.nephio.org/v1alpha1', kind: 'WorkloadCluster' },
  networkInstance: { apiVersion: 'ipam.resource.nephio.org/v1alpha1', kind: 'NetworkInstance' },
  ipPrefix: { apiVersion: 'ipam.resource.nephio.org/v1alpha1', kind: 'IPPrefix' },
  ipClaim: { apiVersion: 'ipam.resource.nephio.org/v1alpha1', kind: 'IPClaim' },
  nad: { apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition' },
  vlanClaim: { apiVersion: 'vlan.resource.nephio.org/v1alpha1', kind: 'VLANClaim' },
  vlanIndex: { apiVersion: 'vlan.resource.nephio.org/v1alpha1', kind: 'VLANIndex' },
  nfDeployment: { apiVersion: 'workload.nephio.org/v1alpha1', kind: 'NFDeployment' },
  capacity: { apiVersion: 'req.nephio.org/v1alpha1', kind: 'Capacity' },
  dataNetwork: { apiVersion: 'req.nephio.org/v1alpha1', kind: 'DataNetwork' },
} as const;

export type CniType = 'macvlan' | 'ipvlan' | 'sriov';
export type AttachmentType = 'none' | 'vlan';
/** Both spellings: the CRD enum and the constants Nephio's Go code writes. */
export type IpFamilyPolicyInput = 'ipv4-only' | 'ipv6-only' | 'dual-stack' | 'none' | 'ipv4only' | 'ipv6only' | 'dualstack';
export type IpFamilyPolicy = 'ipv4-only' | 'ipv6-only' | 'dual-stack' | 'none';

export interface InterfaceSpec {
  networkInstance: { name: string };
  cniType?: CniType;
  attachmentType?: AttachmentType;
  ipFamilyPolicy?: IpFamilyPolicyInput;
}
export interface Interface extends KubeObject {
  spec: InterfaceSpec;
}

export interface WorkloadClusterSpec {
  clusterName: string;
  cnis?: string[];
  masterInterface?: string;
}
export interface WorkloadCluster extends KubeObject {
  spec: WorkloadClusterSpec;
}

export interface PrefixEntry {
  prefix: string;
  labels?: Record<string, string>;
}
export interface NetworkInstance extends KubeObject {
  spec: { prefixes?: PrefixEntry[] };
}

export interface IPPrefix extends KubeObject {
  spec: { kind?: string; networkInstance: { name: string }; prefix: string; labels?: Record<string, string> };
}

export interface IPClaimSpec {
  kind: 'network' | string;
  networkInstance: { name: string };
  /** A user-chosen address (`10.0.0.5` or `10.0.0.5/24`). */
  prefix?: string;
  selector?: { matchLabels?: Record<string, string> };
  /** `kind: pool` claims: the length of the block asked for. */
  prefixLength?: unknown;
  /** Nephio's dnn-fn sets it on pool claims; a pool claim always gets a block of its own. */
  createPrefix?: unknown;
}
export interface IPClaimStatus {
  prefix?: string;
  gateway?: string;
}
export interface IPClaim extends KubeObject {
  spec: IPClaimSpec;
  status?: IPClaimStatus;
}

/** Nephio's VLANClaim: `spec.vlanIndex.name` names the VLAN pool, `status.vlanID` the binding. */
export interface VLANClaim extends KubeObject {
  spec: { vlanIndex: { name: string }; vlanID?: unknown };
  status?: { vlanID?: unknown };
}

export const LABELS = {
  addressFamily: 'nephio.org/address-family',
  clusterName: 'nephio.org/cluster-name',
  networkName: 'nephio.org/network-name',
  gateway: 'nephio.org/gateway',
} as const;

export function familiesOf(policy: IpFamilyPolicy): IpFamily[] {
  switch (policy) {
    case 'ipv4-only':
      return ['ipv4'];
    case 'ipv6-only':
      return ['ipv6'];
    case 'dual-stack':
      return ['ipv4', 'ipv6'];
    case 'none':
      return [];
  }
}

export function normalizeFamilyPolicy(p: IpFamilyPolicyInput | undefined): IpFamilyPolicy {
  switch (p) {
    case 'ipv6-only':
    case 'ipv6only':
      return 'ipv6-only';
    case 'dual-stack':
    case 'dualstack':
      return 'dual-stack';
    case 'none':
      return 'none';
    default:
      return 'ipv4-only';
  }
}
