import { KubeObject } from '../../lib/src';
import { tally, tallyLine } from '../../lib/src/summary';
import { NETWORKS_ANNOTATION } from '../../lib/src/network-selection';
import { getIn, templatePath } from '../../lib/src/workloads';

const selectionOf = (o: KubeObject): unknown => {
  const path = templatePath(o);
  return path === undefined ? undefined : getIn(o, [...path, 'annotations', NETWORKS_ANNOTATION]);
};

/** Which workloads' Multus selection changed, and how many asked for networks and stayed as they were. */
export function annotateSummary(before: readonly KubeObject[], after: readonly KubeObject[]): (string | undefined)[] {
  const isWorkload = (o: KubeObject): boolean => templatePath(o) !== undefined;
  // Compared on the annotation alone: other fields of a workload are not this function's.
  const selections = (items: readonly KubeObject[]) =>
    items.filter(isWorkload).map((o) => ({ ...o, spec: undefined, status: undefined, selection: selectionOf(o) }) as KubeObject);
  const t = tally(selections(before), selections(after), (o) => o.selection !== undefined);
  const describe = (o: KubeObject): string => `${o.kind} ${o.metadata.namespace ? `${String(o.metadata.namespace)}/` : ''}${String(o.metadata.name)}`;
  return [tallyLine(`workloads' ${NETWORKS_ANNOTATION}`, t, describe, { created: 'written', updated: 'updated', removed: 'removed' })];
}
