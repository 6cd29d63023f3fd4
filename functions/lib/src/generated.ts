import { FROM_INTERFACE } from './claims';
import { ANNOTATIONS, getAnnotation, isObject, KubeObject, resourceKey } from './kube/object';

/**
 * Annotations of a regenerated item: the existing ones (kpt's, a user's) updated with the wanted
 * ones - except the file path, where kpt's record of an existing item wins.
 */
export function mergedAnnotations(existing: KubeObject, wanted: KubeObject): Record<string, string> {
  const annotations: Record<string, unknown> = isObject(existing.metadata.annotations) ? { ...existing.metadata.annotations } : {};
  for (const [k, v] of Object.entries(wanted.metadata.annotations ?? {})) {
    if (k in annotations && (k === ANNOTATIONS.path || k === ANNOTATIONS.legacyPath)) continue;
    annotations[k] = v;
  }
  return annotations as Record<string, string>;
}

/** `next`, or `existing` itself when they are equal, so an unchanged item goes back byte-for-byte. */
export function unlessUnchanged<T extends KubeObject>(existing: T, next: T): T {
  return JSON.stringify(next) === JSON.stringify(existing) ? existing : next;
}

/**
 * Brings the generated items of one kind in line with what is wanted, in one pass:
 * - an existing item that is wanted is updated in place (`update`), keeping its position;
 * - an item generated earlier (it carries `netpipe.dev/interface`) that is no longer wanted is
 *   removed - its Interface is gone or changed;
 * - an item a user wrote (no such annotation) is left alone;
 * - wanted items that do not exist yet are appended, sorted by key, so the output does not depend
 *   on input order.
 */
export function reconcileGenerated<W>(
  items: readonly KubeObject[],
  isGeneratedKind: (o: KubeObject) => boolean,
  wanted: ReadonlyMap<string, W>,
  update: (existing: KubeObject, wanted: W) => KubeObject,
  create: (wanted: W) => KubeObject,
): KubeObject[] {
  const out: KubeObject[] = [];
  const placed = new Set<string>();
  for (const o of items) {
    if (!isGeneratedKind(o)) {
      out.push(o);
      continue;
    }
    const key = resourceKey(o);
    const w = wanted.get(key);
    if (w !== undefined && !placed.has(key)) {
      out.push(update(o, w));
      placed.add(key);
    } else if (getAnnotation(o, FROM_INTERFACE) === undefined) {
      out.push(o);
    }
  }
  const fresh = [...wanted.keys()].filter((k) => !placed.has(k)).sort();
  for (const k of fresh) out.push(create(wanted.get(k) as W));
  return out;
}
