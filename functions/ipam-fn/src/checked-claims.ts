/**
 * IPClaims read once: the schema check, then every field ipam-fn uses, defaulted and typed, so
 * the steps after it (carving, binding, allocation, routes) never re-read or re-default them.
 */
import {
  claimBinding,
  claimedPrefix,
  clusterOfClaim,
  FROM_INTERFACE,
  getAnnotation,
  IPClaim,
  isGetClaim,
  isIPClaim,
  isObject,
  KubeObject,
  nameOf,
  namespaceOf,
  packagePathOf,
  Result,
  scalarText,
  stringMap,
  validateResource,
} from '../../lib/src';

export interface CheckedClaim {
  readonly claim: IPClaim;
  /** The claim's identity (claimBinding): what the allocator and a ledger record as the holder. */
  readonly owner: string;
  /** How messages name the claim: namespace/name, and its package when the render spans several. */
  readonly label: string;
  readonly ni: string;
  /** `spec.kind`, `network` when unset. */
  readonly kind: string;
  /** A `nephio.org/action: get` claim reads another claim's address and holds none itself. */
  readonly get: boolean;
  /** `spec.prefix`: the address its user chose. */
  readonly chosen: string | undefined;
  /** `status.prefix`: the address it records. */
  readonly recorded: string | undefined;
  readonly selector: Readonly<Record<string, string>>;
  /** The cluster its selector names, `''` for none. */
  readonly cluster: string;
  /** Claims from one Interface are allocated together (dual-stack: both families or neither). */
  readonly group: string;
}

/** One IPClaim of the render, in item order: checked, or the schema's errors. */
export type ClaimCheck = { readonly claim: IPClaim; readonly checked: CheckedClaim; readonly errors?: undefined } | { readonly claim: IPClaim; readonly checked?: undefined; readonly errors: readonly Result[] };

/** The render's root package: the shallowest Kptfile's (labels name other packages relative to it). */
export function renderRoot(items: readonly KubeObject[], isKptfile: (o: KubeObject) => boolean): string {
  return items.filter(isKptfile).map(packagePathOf).sort((a, b) => a.length - b.length)[0] ?? '';
}

/** `ns/name`, plus the package when the render spans several, relative to the render's root. */
function claimLabel(claim: IPClaim, root: string): string {
  const pkg = packagePathOf(claim);
  const rel = pkg === root ? '' : pkg.startsWith(`${root}/`) ? pkg.slice(root.length + 1) : pkg;
  const ns = namespaceOf(claim);
  return `IPClaim ${ns ? `${ns}/` : ''}${nameOf(claim)}${rel ? ` in package ${rel}` : ''}`;
}

export function checkClaims(items: readonly KubeObject[], root: string): ClaimCheck[] {
  return items.filter(isIPClaim).map((claim) => {
    const errors = validateResource(claim);
    if (errors.length > 0) return { claim, errors };
    const checked: CheckedClaim = {
      claim,
      owner: claimBinding(claim),
      label: claimLabel(claim, root),
      ni: claim.spec.networkInstance.name,
      kind: scalarText(claim.spec.kind) ?? 'network',
      get: isGetClaim(claim),
      chosen: scalarText(claim.spec.prefix),
      recorded: claimedPrefix(claim),
      selector: stringMap(isObject(claim.spec.selector) ? claim.spec.selector.matchLabels : undefined),
      cluster: clusterOfClaim(claim),
      group: `${packagePathOf(claim)}|${getAnnotation(claim, FROM_INTERFACE) ?? `claim:${namespaceOf(claim)}/${nameOf(claim)}`}`,
    };
    return { claim, checked };
  });
}
