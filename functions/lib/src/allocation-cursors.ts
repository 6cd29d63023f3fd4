import { isKptfile } from './conditions';
import type { CursorState } from './ipam';
import { ANNOTATIONS, isKind, isObject, KubeObject, nameOf, packagePathOf, placementFrom, scalarText } from './kube/object';
import type { PoolSource } from './pools';
import { generatedFileName } from './generated-names';

/**
 * Next-fit memory, kept in Git. Each network instance gets one local-config resource that records,
 * per pool, the last address handed out. Allocation resumes after it, so an address freed by a
 * removed Interface is handed out again only after every never-used address of the pool - even
 * across renders, clones and CI runs, because the cursor travels with the package.
 */
export const CURSOR_API = { apiVersion: 'ipam.netpipe.dev/v1alpha1', kind: 'AllocationCursor' } as const;

export const isCursor = (o: KubeObject): boolean => isKind(o, CURSOR_API.apiVersion, CURSOR_API.kind);

export function networkInstanceOfCursor(o: KubeObject): string {
  return isObject(o.spec) && isObject(o.spec.networkInstance) ? scalarText(o.spec.networkInstance.name) ?? nameOf(o) : nameOf(o);
}

export interface CursorProblem {
  message: string;
  field: string;
}

/**
 * The state a cursor records, or what is wrong with it. A cursor is ours to rewrite, so anything
 * we cannot read back exactly (a status that is not a mapping, a null or duplicate entry) is an
 * error on the cursor - rewriting it would drop what is there.
 */
export function readCursor(o: KubeObject): { state: CursorState; problems: CursorProblem[] } {
  // Keys are user text (pool prefixes): a null-prototype record keeps `__proto__` a plain key.
  const state = Object.create(null) as Record<string, string>;
  const problems: CursorProblem[] = [];
  if (o.status === undefined || o.status === null) return { state, problems };
  if (!isObject(o.status)) {
    problems.push({ field: 'status', message: 'status is not a mapping with a cursors list: delete status (the cursors are rebuilt) or fix it' });
    return { state, problems };
  }
  const list = o.status.cursors;
  if (list === undefined || list === null) return { state, problems };
  if (!Array.isArray(list)) {
    problems.push({ field: 'status.cursors', message: 'status.cursors is not a list of {prefix, lastAllocated}: fix it or delete status' });
    return { state, problems };
  }
  list.forEach((entry, i) => {
    const field = `status.cursors[${i}]`;
    if (!isObject(entry)) {
      problems.push({ field, message: `${field} is ${entry === null ? 'null' : 'not a mapping'}: remove the entry or write {prefix, lastAllocated}` });
      return;
    }
    const prefix = scalarText(entry.prefix);
    const last = scalarText(entry.lastAllocated);
    if (!prefix || !last) {
      problems.push({ field: prefix ? `${field}.lastAllocated` : `${field}.prefix`, message: `${field} needs both prefix and lastAllocated: complete or remove the entry` });
      return;
    }
    if (prefix in state) {
      problems.push({ field: `${field}.prefix`, message: `${field}: pool ${prefix} has a cursor entry already; remove one of the two` });
      return;
    }
    state[prefix] = last;
  });
  return { state, problems };
}

/** The cursor resource for `ni` holding `state`; `existing` is returned as is when equal. */
export function writeCursor(
  ni: string,
  state: CursorState,
  existing: KubeObject | undefined,
  placement: Record<string, string>,
): KubeObject {
  const cursors = Object.keys(state)
    .sort()
    .map((prefix) => ({ prefix, lastAllocated: state[prefix] }));
  if (existing) {
    const next: KubeObject = { ...existing, status: { ...(isObject(existing.status) ? existing.status : {}), cursors } };
    return JSON.stringify(next) === JSON.stringify(existing) ? existing : next;
  }
  return {
    apiVersion: CURSOR_API.apiVersion,
    kind: CURSOR_API.kind,
    metadata: { name: ni, annotations: { [ANNOTATIONS.localConfig]: 'true', ...placement } },
    spec: { networkInstance: { name: ni } },
    status: { cursors },
  };
}

const byDepth = (o: KubeObject): string => `${packagePathOf(o).length.toString().padStart(6, '0')}|${packagePathOf(o)}`;

/**
 * Where the cursor of `ni` lives: beside the pools it describes (the outermost resource defining
 * one); pools that come only from a functionConfig keep it at the root of the render.
 */
export function cursorPlacement(
  ni: string,
  pools: readonly PoolSource[],
  items: readonly KubeObject[],
  functionConfig?: KubeObject,
): Record<string, string> {
  const kptfiles = items.filter(isKptfile);
  const root = kptfiles.map(packagePathOf).sort((a, b) => a.length - b.length)[0] ?? '';
  const rootKptfile = kptfiles.find((k) => packagePathOf(k) === root);
  const home = pools
    .filter((p) => p.networkInstance === ni && p.definedBy !== functionConfig)
    .map((p) => p.definedBy)
    .sort((a, b) => (byDepth(a) < byDepth(b) ? -1 : byDepth(a) > byDepth(b) ? 1 : 0))[0] ?? rootKptfile;
  return home ? placementFrom(home, generatedFileName('AllocationCursor', ni)) : {};
}
