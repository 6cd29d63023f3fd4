/**
 * The warnings of the last render, from what it left behind: kpt's results (`kpt fn render
 * --results-dir DIR` writes results.yaml) when given, and the packages' Kptfile conditions that
 * are not True (the pipeline records there what is still waiting, and why). Each says where it
 * comes from, so an operator knows whether it is kpt's word or the package's.
 */
import { ANNOTATIONS, getAnnotation, isObject, KubeObject, scalarText } from '../../../functions/lib/src/kube/object';
import { READINESS_GATE } from '../../../functions/lib/src/readiness-gate';
import { RenderResult } from './kpt-results';

export interface RenderWarning {
  readonly severity: string;
  readonly message: string;
  readonly resource?: string;
  readonly file?: string;
  /** `kpt results (results.yaml), ipam-fn` or `Kptfile status.conditions (packages/x/Kptfile)`. */
  readonly source: string;
}

export function warningsOf(items: readonly KubeObject[], results: readonly RenderResult[] | undefined, resultsFile: string | undefined): RenderWarning[] {
  const out: RenderWarning[] = [];
  for (const r of results ?? []) {
    if (r.severity !== 'warning' && r.severity !== 'error') continue;
    out.push({ severity: r.severity, message: r.message, resource: r.resource, file: r.file, source: `kpt results (${resultsFile ?? 'results.yaml'}), ${r.fn}` });
  }
  for (const o of items) {
    if (o.kind !== 'Kptfile' || !isObject(o.status) || !Array.isArray(o.status.conditions)) continue;
    const file = getAnnotation(o, ANNOTATIONS.path) ?? 'Kptfile';
    for (const c of o.status.conditions) {
      // The root's readiness gate only sums up the others: listing it too would say everything twice.
      if (!isObject(c) || scalarText(c.status) === 'True' || c.type === READINESS_GATE) continue;
      out.push({
        severity: 'condition',
        message: `${scalarText(c.type) ?? '?'} is ${scalarText(c.status) ?? '?'}${c.reason !== undefined ? ` (${scalarText(c.reason)})` : ''}: ${scalarText(c.message) ?? ''}`,
        file,
        source: `Kptfile status.conditions (${file})`,
      });
    }
  }
  return out;
}
