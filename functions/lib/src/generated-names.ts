import { API, Interface } from './api/types';
import type { IpFamily } from './ipam/address';
import { ANNOTATIONS, getAnnotation, nameOf, namespaceOf } from './kube/object';

/**
 * The workload an Interface belongs to: the last `.`-segment of `specializer.nephio.org/for`
 * (`workload.nephio.org/v1alpha1.NFDeployment.upf-cluster01` -> `upf-cluster01`), else of
 * `specializer.nephio.org/owner`. Nephio names generated resources after it.
 */
export function ownerNameOf(itf: Interface): string | undefined {
  const ref = getAnnotation(itf, ANNOTATIONS.for) ?? getAnnotation(itf, ANNOTATIONS.owner);
  if (ref === undefined || ref === '') return undefined;
  const last = ref.slice(ref.lastIndexOf('.') + 1);
  return last === '' ? undefined : last;
}

/**
 * The annotations Nephio's functions put on every child of an Interface (claims, VLANClaim, NAD):
 * `specializer.nephio.org/owner` names the parent Interface the way Nephio's condition SDK does
 * (`req.nephio.org/v1alpha1.Interface.<if>`), which is how Nephio's functions find an
 * Interface's claims; `specializer.nephio.org/for` names the workload (the Interface's `for`,
 * else its `owner`). Names of generated items still derive from the Interface's own annotations.
 */
export function childAnnotations(itf: Interface): Record<string, string> {
  const out: Record<string, string> = {
    [ANNOTATIONS.owner]: `${API.interface.apiVersion}.${API.interface.kind}.${nameOf(itf)}`,
  };
  const workload = getAnnotation(itf, ANNOTATIONS.for) ?? getAnnotation(itf, ANNOTATIONS.owner);
  if (workload !== undefined && workload !== '') out[ANNOTATIONS.for] = workload;
  return out;
}

/** `<for>-<if>`, or `<if>` without owner: the NAD's name. */
export function attachmentName(itf: Interface): string {
  const owner = ownerNameOf(itf);
  return owner ? `${owner}-${nameOf(itf)}` : nameOf(itf);
}

/** Where an Interface's NAD lives: `<for>-<if>` in `specializer.nephio.org/namespace`, else the Interface's namespace. */
export function nadRefOf(itf: Interface): { name: string; namespace: string } {
  return { name: attachmentName(itf), namespace: getAnnotation(itf, ANNOTATIONS.nadNamespace) ?? namespaceOf(itf) };
}

/** `<for>-<if>-ipv4|ipv6`, or `<if>-ipv4|ipv6` without owner. */
export function claimName(itf: Interface, family: IpFamily): string {
  return `${attachmentName(itf)}-${family}`;
}

/** The file name prefix of each kind of generated item. */
const FILE_PREFIX = {
  IPClaim: 'ipclaim',
  VLANClaim: 'vlanclaim',
  NetworkAttachmentDefinition: 'nad',
  AllocationCursor: 'ipam-cursor',
} as const;

/**
 * The file a generated item of `kind` named `name` is written to (beside its Interface, or its
 * network instance's home for a cursor). One place, so the name rules check the very file names
 * the functions and `netpipe import` write.
 */
export function generatedFileName(kind: keyof typeof FILE_PREFIX, name: string): string {
  return `${FILE_PREFIX[kind]}-${name}.yaml`;
}

/** The network instance an Interface on the pod network names; it gets nothing generated. */
export const POD_NETWORK = 'default';
