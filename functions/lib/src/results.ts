import { ANNOTATIONS, getAnnotation, KubeObject, nameOf, namespaceOf } from './kube/object';

/** kpt's result severities; `warning` is kpt's word (the SDK's `warn` is not understood by kpt). */
export type Severity = 'error' | 'warning' | 'info';

export interface ResourceRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export interface Result {
  message: string;
  severity: Severity;
  resourceRef?: ResourceRef;
  field?: { path: string; currentValue?: unknown; proposedValue?: unknown };
  file?: { path: string; index?: number };
}

export function refOf(o: KubeObject): ResourceRef {
  const ns = namespaceOf(o);
  return { apiVersion: o.apiVersion, kind: o.kind, name: nameOf(o), ...(ns ? { namespace: ns } : {}) };
}

/** Where the resource lives, relative to its package, so kpt can point the user at the file. */
export function fileOf(o: KubeObject): Result['file'] {
  const path = getAnnotation(o, ANNOTATIONS.path) ?? getAnnotation(o, ANNOTATIONS.legacyPath);
  if (path === undefined) return undefined;
  const pkg = getAnnotation(o, ANNOTATIONS.packagePath);
  const index = Number(getAnnotation(o, ANNOTATIONS.index) ?? getAnnotation(o, ANNOTATIONS.legacyIndex));
  // Render gives the package (absolute) and a path within it; the runner makes it root-relative.
  const shown = pkg && pkg !== '.' ? `${pkg}/${path}` : path;
  return Number.isInteger(index) ? { path: shown, index } : { path: shown };
}

/** The file an item lives in, for messages that must name two files; `(new)` when it has none yet. */
export function fileLabel(o: KubeObject): string {
  return fileOf(o)?.path ?? '(new)';
}

export function resultFor(
  o: KubeObject,
  severity: Severity,
  message: string,
  fieldPath?: string,
  currentValue?: unknown,
): Result {
  const result: Result = { message, severity, resourceRef: refOf(o) };
  if (fieldPath !== undefined) {
    result.field = currentValue === undefined ? { path: fieldPath } : { path: fieldPath, currentValue };
  }
  const file = fileOf(o);
  if (file) result.file = file;
  return result;
}

export const errorFor = (o: KubeObject, message: string, fieldPath?: string, current?: unknown): Result =>
  resultFor(o, 'error', message, fieldPath, current);

export const warningFor = (o: KubeObject, message: string, fieldPath?: string, current?: unknown): Result =>
  resultFor(o, 'warning', message, fieldPath, current);

export const infoFor = (o: KubeObject, message: string, fieldPath?: string, current?: unknown): Result =>
  resultFor(o, 'info', message, fieldPath, current);

export function generalError(message: string): Result {
  return { message, severity: 'error' };
}

export function hasErrors(results: readonly Result[]): boolean {
  return results.some((r) => r.severity === 'error');
}
