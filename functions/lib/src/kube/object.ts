import { RawScalar } from '../yaml/scalar-schema';

/** The metadata fields the functions read; the names and types of Kubernetes' ObjectMeta. */
export interface ObjectMeta {
  name: string;
  namespace?: string;
  annotations?: { [key: string]: string };
  labels?: { [key: string]: string };
}

/** A resource as loaded: typed envelope, open body. Values may be RawScalar (see scalar-schema). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

export const ANNOTATIONS = {
  packagePath: 'internal.config.kubernetes.io/package-path',
  path: 'internal.config.kubernetes.io/path',
  index: 'internal.config.kubernetes.io/index',
  id: 'internal.config.kubernetes.io/id',
  legacyPath: 'config.kubernetes.io/path',
  legacyIndex: 'config.kubernetes.io/index',
  legacyId: 'config.k8s.io/id',
  localConfig: 'config.kubernetes.io/local-config',
  owner: 'specializer.nephio.org/owner',
  for: 'specializer.nephio.org/for',
  networkName: 'nephio.org/network-name',
  nadNamespace: 'specializer.nephio.org/namespace',
} as const;

/** Every annotation kpt uses to track where an item lives; copied onto generated items. */
const PLACEMENT_ANNOTATIONS = [ANNOTATIONS.packagePath];

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof RawScalar);
}

/** A scalar as text; RawScalar keeps the text the user wrote. */
export function scalarText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value instanceof RawScalar) return value.source;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * The string entries of a map such as labels or a selector. Keys are user text: the result has no
 * prototype, so `constructor` or `__proto__` stay plain keys and nothing reaches Object.prototype.
 */
export function stringMap(v: unknown): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  if (!isObject(v)) return out;
  for (const [k, val] of Object.entries(v)) {
    const t = scalarText(val);
    if (t !== undefined) out[k] = t;
  }
  return out;
}

export function isKubeObject(value: unknown): value is KubeObject {
  if (!isObject(value)) return false;
  return typeof value.apiVersion === 'string' && typeof value.kind === 'string' && isObject(value.metadata);
}

export function annotationsOf(o: KubeObject): Record<string, unknown> {
  const a = o.metadata.annotations as unknown;
  return isObject(a) ? a : {};
}

export function getAnnotation(o: KubeObject, key: string): string | undefined {
  return scalarText(annotationsOf(o)[key]);
}

export function nameOf(o: KubeObject): string {
  return scalarText(o.metadata.name) ?? '';
}

export function namespaceOf(o: KubeObject): string {
  return scalarText(o.metadata.namespace) ?? '';
}

/**
 * The package an item belongs to. `kpt fn render` says so (package-path); `kpt fn eval` and
 * `kpt fn source` give only the file path relative to the root, so its directory stands in. Either
 * way, nesting of packages is nesting of these paths.
 */
export function packagePathOf(o: KubeObject): string {
  const pkg = getAnnotation(o, ANNOTATIONS.packagePath);
  if (pkg !== undefined) return pkg;
  const path = getAnnotation(o, ANNOTATIONS.path) ?? getAnnotation(o, ANNOTATIONS.legacyPath) ?? '';
  const slash = path.lastIndexOf('/');
  return slash < 0 ? '' : path.slice(0, slash);
}

/** `pkg` and every package path above it, innermost first, ending with the root ('' and '.'). */
export function* enclosingPackages(pkg: string): Generator<string> {
  let p = pkg;
  for (;;) {
    yield p;
    const slash = p.lastIndexOf('/');
    if (slash < 0) break;
    p = p.slice(0, slash);
  }
  if (p !== '') yield '';
  yield '.';
}

/** Among `candidates`, the innermost package that encloses `pkg`; cost follows the path depth. */
export function nearestEnclosing(pkg: string, candidates: { has(p: string): boolean }): string | undefined {
  for (const p of enclosingPackages(pkg)) if (candidates.has(p)) return p;
  return undefined;
}

export function isKind(o: KubeObject, apiVersion: string, kind: string): boolean {
  return o.apiVersion === apiVersion && o.kind === kind;
}

/**
 * Identity of a resource within a render. kpt's parent pipeline sees every subpackage, and two
 * subpackages may hold resources with the same apiVersion/kind/namespace/name; the package path
 * keeps them apart (the SDK's Configs store would drop all but one).
 */
export function resourceKey(o: KubeObject): string {
  return [packagePathOf(o), o.apiVersion, o.kind, namespaceOf(o), nameOf(o)].join('|');
}

/**
 * Placement for an item generated from `source`: the same package, a file of its own in the same
 * directory. kpt's paths are relative to the package (render) or to the root (eval); taking the
 * source's directory is right for both.
 */
export function placementFrom(source: KubeObject, file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of PLACEMENT_ANNOTATIONS) {
    const value = getAnnotation(source, key);
    if (value !== undefined) out[key] = value;
  }
  const sourcePath = getAnnotation(source, ANNOTATIONS.path) ?? getAnnotation(source, ANNOTATIONS.legacyPath) ?? '';
  const dir = sourcePath.slice(0, sourcePath.lastIndexOf('/') + 1);
  out[ANNOTATIONS.path] = `${dir}${file}`;
  out[ANNOTATIONS.legacyPath] = `${dir}${file}`;
  return out;
}

