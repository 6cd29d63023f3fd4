import { AddressFamily, Interface } from './api/types';
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
export function claimName(itf: Interface, family: AddressFamily): string {
  return `${attachmentName(itf)}-${family}`;
}

/** The network instance an Interface on the pod network names; it gets nothing generated. */
export const POD_NETWORK = 'default';
