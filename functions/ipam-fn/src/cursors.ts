import { ANNOTATIONS, isKind, isObject, KubeObject, nameOf, scalarText } from '../../lib/src';
import type { CursorState } from '../../lib/src/ipam';

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

export function readCursor(o: KubeObject): CursorState {
  const state: Record<string, string> = {};
  const list = isObject(o.status) && Array.isArray(o.status.cursors) ? o.status.cursors : [];
  for (const entry of list) {
    if (!isObject(entry)) continue;
    const prefix = scalarText(entry.prefix);
    const last = scalarText(entry.lastAllocated);
    if (prefix && last) state[prefix] = last;
  }
  return state;
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
