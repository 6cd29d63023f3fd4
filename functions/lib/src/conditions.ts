import { isKind, isObject, KubeObject, nearestEnclosing, packagePathOf } from './kube/object';

export interface Condition {
  type: string;
  status: 'True' | 'False';
  reason?: string;
  message?: string;
}

/** Nephio's condition type for a resource: `<apiVersion>.<Kind>.<name>`. */
export function conditionType(apiVersion: string, kind: string, name: string): string {
  return `${apiVersion}.${kind}.${name}`;
}

export const isKptfile = (o: KubeObject): boolean => isKind(o, 'kpt.dev/v1', 'Kptfile');

function conditionsOf(kptfile: KubeObject): Condition[] {
  const status = kptfile.status;
  if (!isObject(status) || !Array.isArray(status.conditions)) return [];
  return status.conditions as Condition[];
}

/**
 * Which conditions of a Kptfile a step manages: those whose type starts with a prefix, or those a
 * predicate picks (when a type is shared with another tool and only some of them are ours).
 */
export type ManagedConditions = string | ((c: Condition) => boolean);

function isManaged(c: unknown, managed: ManagedConditions): boolean {
  if (!isObject(c) || typeof c.type !== 'string') return false;
  return typeof managed === 'string' ? c.type.startsWith(managed) : managed(c as unknown as Condition);
}

/**
 * Replaces the managed conditions (see ManagedConditions) by `wanted` (sorted by type), keeping
 * every other condition where it was. Returns the same object when nothing changes, so the
 * Kptfile goes back byte-for-byte.
 */
export function withConditions(kptfile: KubeObject, prefix: ManagedConditions, wanted: readonly Condition[]): KubeObject {
  const current = conditionsOf(kptfile);
  const others = current.filter((c) => !isManaged(c, prefix));
  const mine = [...wanted].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  const next = [...others, ...mine];
  if (JSON.stringify(next) === JSON.stringify(current)) return kptfile;
  const status = isObject(kptfile.status) ? { ...kptfile.status } : {};
  if (next.length === 0) delete status.conditions;
  else status.conditions = next;
  const copy: KubeObject = { ...kptfile, status };
  if (Object.keys(status).length === 0) delete copy.status;
  return copy;
}

/**
 * Sets, per package, the conditions of one kind of resource. `byPackage` maps a package path to the
 * conditions wanted there; a package that has none of them loses its old ones.
 */
export function applyConditions(
  items: readonly KubeObject[],
  prefix: ManagedConditions,
  byPackage: ReadonlyMap<string, Condition[]>,
): KubeObject[] {
  // A resource's conditions go to the Kptfile of the innermost package that holds it.
  const kptfilePackages = new Set(items.filter(isKptfile).map(packagePathOf));
  const byKptfile = new Map<string, Condition[]>();
  for (const [pkg, conditions] of byPackage) {
    const owner = nearestEnclosing(pkg, kptfilePackages);
    if (owner === undefined) continue;
    byKptfile.set(owner, [...(byKptfile.get(owner) ?? []), ...conditions]);
  }
  return items.map((o) => (isKptfile(o) ? withConditions(o, prefix, byKptfile.get(packagePathOf(o)) ?? []) : o));
}
