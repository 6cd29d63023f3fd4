/**
 * kpt's record of a render's results: the `results.yaml` (`kpt.dev/v1` `FunctionResultList`)
 * that `kpt fn render --results-dir DIR` writes - per function its exec path or image, exit code
 * and results (message, severity, resourceRef, file).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { isObject, scalarText } from '../../../functions/lib/src/kube/object';

export interface RenderResult {
  /** The function that raised it (`functions/ipam-fn/dist/ipam-fn.js`, or the image). */
  readonly fn: string;
  readonly severity: string;
  readonly message: string;
  /** `Kind namespace/name`, when the result names a resource. */
  readonly resource?: string;
  readonly file?: string;
}

/** Reads `results.yaml`, given the file or the results directory holding it. */
export function readKptResults(path: string): RenderResult[] {
  const file = existsSync(path) && statSync(path).isDirectory() ? join(path, 'results.yaml') : path;
  if (!existsSync(file)) throw new Error(`${file} does not exist: pass the file or directory \`kpt fn render --results-dir DIR\` wrote`);
  const doc = load(readFileSync(file, 'utf8'));
  if (!isObject(doc) || doc.kind !== 'FunctionResultList' || !Array.isArray(doc.items)) {
    throw new Error(`${file} is not kpt's FunctionResultList (kind: FunctionResultList with items)`);
  }
  const out: RenderResult[] = [];
  for (const item of doc.items) {
    if (!isObject(item)) continue;
    const fn = scalarText(item.exec) ?? scalarText(item.image) ?? '?';
    for (const r of Array.isArray(item.results) ? item.results : []) {
      if (!isObject(r)) continue;
      const ref = isObject(r.resourceRef) ? r.resourceRef : undefined;
      const ns = ref ? scalarText(ref.namespace) : undefined;
      out.push({
        fn,
        severity: scalarText(r.severity) ?? 'info',
        message: scalarText(r.message) ?? '',
        resource: ref ? `${scalarText(ref.kind) ?? ''} ${ns ? `${ns}/` : ''}${scalarText(ref.name) ?? ''}` : undefined,
        file: isObject(r.file) ? scalarText(r.file.path) : undefined,
      });
    }
  }
  return out;
}
