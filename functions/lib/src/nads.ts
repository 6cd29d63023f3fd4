import { API, Interface } from './api/types';
import { FROM_INTERFACE, interfaceLabel, interfaceRef } from './claims';
import { Condition, conditionType } from './conditions';
import { ANNOTATIONS, getAnnotation, isKind, KubeObject, nameOf, namespaceOf, packagePathOf } from './kube/object';
import { childAnnotations, nadRefOf } from './generated-names';

export const isNad = (o: KubeObject): boolean => isKind(o, API.nad.apiVersion, API.nad.kind);

export const NAD_CONDITION_PREFIX = `${API.nad.apiVersion}.${API.nad.kind}.`;

/**
 * Kptfile conditions for the NAD of each Interface that gets one, in the Interface's package:
 * `False` until nad-fn has generated it, `True` after. interface-fn and nad-fn both derive them
 * from the items, so either one run alone leaves them consistent.
 */
export function interfaceNadConditions(items: readonly KubeObject[], interfaces: readonly Interface[]): Map<string, Condition[]> {
  const generated = new Set<string>();
  for (const o of items) {
    const from = getAnnotation(o, FROM_INTERFACE);
    if (from !== undefined && isNad(o)) generated.add(`${packagePathOf(o)}|${from}|${namespaceOf(o)}/${nameOf(o)}`);
  }
  const byPackage = new Map<string, Condition[]>();
  for (const itf of interfaces) {
    const nad = nadRefOf(itf);
    const pkg = packagePathOf(itf);
    const type = conditionType(API.nad.apiVersion, API.nad.kind, nad.name);
    // The reason names the parent Interface, as Nephio's condition SDK writes it.
    const reason = childAnnotations(itf)[ANNOTATIONS.owner];
    const condition: Condition = generated.has(`${pkg}|${interfaceRef(itf)}|${nad.namespace}/${nad.name}`)
      ? { type, status: 'True', reason, message: `for Interface ${interfaceLabel(interfaceRef(itf))}` }
      : { type, status: 'False', reason, message: 'waiting for nad-fn to generate the NetworkAttachmentDefinition' };
    byPackage.set(pkg, [...(byPackage.get(pkg) ?? []), condition]);
  }
  return byPackage;
}
