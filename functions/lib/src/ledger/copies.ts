/**
 * Claims of this render whose identity the ledger records for another package: a copied package
 * (Porch clone, `cp -r` and a new Kptfile name) or a moved one.
 *
 * A claim identity (`<cluster>/<namespace>/<claim>`) has one owner record, so two packages can
 * never both hold it - and in the cluster they could not both deploy it either (same namespace,
 * same names). A copy brings the original's `status` along; that status is the original's
 * binding, not the copy's, and taking it over silently would leave both packages recording one
 * address. So:
 *
 * - the other package still lists the identity in its package record (it exists, or was deleted
 *   without `netpipe ledger release`): the render fails naming both packages, the claim and the
 *   address, and says what to do for a copy and for a move;
 * - the other package no longer lists it (an inconsistent or partly released record): this render
 *   takes the identity over, and a warning says so.
 *
 * After `netpipe ledger release --package OLD` the owner record is gone, so a moved package simply
 * keeps its addresses (the claim's status is adopted, as a claim the ledger lacks always is).
 */
import { claimBinding } from '../claim-binding';
import { isGetClaim } from '../allocation-labels';
import { claimedPrefix } from '../claims';
import { parseAddress } from '../ipam/address';
import type { Pool } from '../ipam/pool';
import { isObject, KubeObject, nameOf, namespaceOf, scalarText } from '../kube/object';
import { errorFor, Result, warningFor } from '../results';
import { isClaimLike } from './render-facts';
import { chunkPlaceOf } from './chunks';
import { LedgerKeys } from './keys';
import type { Snapshot } from './snapshot';

/**
 * Whether a package identity belongs to the tree this render contains: one of its packages, or a
 * subpackage of its root (`<root>/<path>`) that the render no longer has - moved or deleted inside
 * the tree, which the render speaks for as a whole.
 */
function ownTree(renderPackages: readonly string[]): (pkg: string) => boolean {
  const mine = new Set(renderPackages);
  const roots = renderPackages.filter((p) => !p.includes('/'));
  return (pkg) => mine.has(pkg) || roots.some((r) => pkg.startsWith(`${r}/`));
}

export interface CopyCheck {
  /** Claims held by a package that still lists them: the render must fail. */
  readonly errors: Result[];
  /** Identities taken over from a package that no longer lists them. */
  readonly takeovers: Result[];
}

interface Foreign {
  readonly claim: KubeObject;
  readonly ni: string;
  readonly binding: string;
  readonly pkg: string;
  readonly holder: string;
  readonly address: string;
}

/**
 * Checks every claim of the render against the owner records in `snap` (already read), reading
 * the package records of the other packages named there (guarded, like every key read).
 */
export async function checkCopies(
  snap: Snapshot,
  keys: LedgerKeys,
  items: readonly KubeObject[],
  packageOf: (o: KubeObject) => string,
  renderPackages: readonly string[],
  ledgerName: string,
): Promise<CopyCheck> {
  const mine = ownTree(renderPackages);
  const foreign: Foreign[] = [];
  for (const o of items) {
    if (!isClaimLike(o) || isGetClaim(o)) continue;
    const ni = scalarText(o.spec.networkInstance.name);
    if (!ni) continue;
    const binding = claimBinding(o);
    const rec = snap.record('owner', keys.owner(ni, binding));
    // A holder in this render's own tree is a move inside the render: the render sorts it out.
    if (!rec || mine(rec.package)) continue;
    foreign.push({ claim: o, ni, binding, pkg: packageOf(o), holder: rec.package, address: rec.prefix });
  }
  if (foreign.length === 0) return { errors: [], takeovers: [] };
  await snap.fetch([...new Set(foreign.map((f) => keys.package(f.holder)))]);
  const errors: Result[] = [];
  const takeovers: Result[] = [];
  for (const f of foreign) {
    const listed = (snap.record('package', keys.package(f.holder))?.holdings ?? []).some((h) => h.ni === f.ni && h.owner === f.binding);
    const what = `IPClaim ${namespaceOf(f.claim) ? `${namespaceOf(f.claim)}/` : ''}${nameOf(f.claim)} of package ${f.pkg}`;
    if (listed) {
      errors.push(
        errorFor(
          f.claim,
          `${what}: its claim identity ${f.binding} holds ${f.address} (network instance ${f.ni}) in the shared ledger (${ledgerName}) for package ${f.holder}, ` +
            `which still lists it. Two packages never share a claim identity or its address. If ${f.pkg} is a copy of ${f.holder}, its status came from ${f.holder} ` +
            `and is not its binding: give the copy its own workload (another namespace or NF name) or another cluster, and its claims get fresh addresses. ` +
            `If ${f.holder} was moved to ${f.pkg} (deleted under its old name), release the old name first: netpipe ledger release --package ${f.holder}. ` +
            'Nothing was allocated and no file changed',
          'metadata.name',
          nameOf(f.claim),
        ),
      );
    } else {
      takeovers.push(
        warningFor(
          f.claim,
          `${what}: the shared ledger (${ledgerName}) recorded its claim identity ${f.binding} (${f.address}, network instance ${f.ni}) for package ${f.holder}, ` +
            `which no longer lists it; package ${f.pkg} takes it over`,
        ),
      );
    }
  }
  return { errors, takeovers };
}

/** A claim whose recorded address another package's claim identity holds: its status was copied. */
export interface CopiedStatus {
  readonly claim: KubeObject;
  readonly ni: string;
  readonly binding: string;
  readonly pkg: string;
  readonly prefix: string;
  readonly holder: string;
  readonly holderPackage: string;
}

/**
 * Claims the ledger does not know whose `status.prefix` is held by another claim identity of a
 * package outside this render: a copied package whose claims got new identities (workload
 * renamed, another cluster). Their status came from the original and is not their binding, so
 * they get fresh addresses (`withoutCopiedStatus`) and a warning says old -> new. A claim the
 * ledger knows (a Git-merge duplicate), or an address chosen in `spec.prefix`, stays an error.
 */
export async function copiedStatuses(
  snap: Snapshot,
  keys: LedgerKeys,
  items: readonly KubeObject[],
  packageOf: (o: KubeObject) => string,
  renderPackages: readonly string[],
  pools: ReadonlyMap<string, readonly Pool[]>,
): Promise<CopiedStatus[]> {
  const mine = ownTree(renderPackages);
  const candidates: { claim: KubeObject; ni: string; binding: string; prefix: string; key: string; offset: number }[] = [];
  for (const o of items) {
    if (!isClaimLike(o) || isGetClaim(o) || scalarText(o.spec.kind) === 'pool') continue;
    if (isObject(o.spec) && scalarText(o.spec.prefix)) continue;
    const ni = scalarText(o.spec.networkInstance.name);
    const prefix = claimedPrefix(o);
    if (!ni || !prefix) continue;
    const binding = claimBinding(o);
    if (snap.record('owner', keys.owner(ni, binding))) continue;
    const parsed = parseAddress(prefix.split('/')[0]!.trim());
    if (!parsed.ok) continue;
    const value = parsed.value.value;
    const pool = pools.get(ni)?.find((p) => p.family === parsed.value.family && p.contains(value));
    if (!pool) continue;
    const { index, offset } = chunkPlaceOf(pool, value);
    candidates.push({ claim: o, ni, binding, prefix, key: keys.chunk(ni, pool.id, index), offset });
  }
  if (candidates.length === 0) return [];
  await snap.fetch(candidates.map((c) => c.key));
  const out: CopiedStatus[] = [];
  for (const c of candidates) {
    const held = snap.record('chunk', c.key)?.held[String(c.offset)];
    if (!held || held[0] === c.binding || mine(held[1])) continue;
    out.push({ claim: c.claim, ni: c.ni, binding: c.binding, pkg: packageOf(c.claim), prefix: c.prefix, holder: held[0], holderPackage: held[1] });
  }
  return out;
}

/** The items with the copied statuses removed, so the step allocates those claims afresh. */
export function withoutCopiedStatus(items: readonly KubeObject[], copied: readonly CopiedStatus[]): KubeObject[] {
  const drop = new Set<KubeObject>(copied.map((c) => c.claim));
  return items.map((o) => {
    if (!drop.has(o) || !isObject(o.status)) return o;
    const { prefix: _prefix, gateway: _gateway, ...rest } = o.status as Record<string, unknown>;
    const copy: KubeObject = { ...o };
    if (Object.keys(rest).length > 0) copy.status = rest;
    else delete copy.status;
    return copy;
  });
}

/** The warning for each copied status: which package holds it, and the claim's new address. */
export function copiedStatusResults(copied: readonly CopiedStatus[], out: readonly KubeObject[], ledgerName: string): Result[] {
  return copied.map((c) => {
    const now = out.filter(isClaimLike).find((o) => !isGetClaim(o) && scalarText(o.spec.networkInstance.name) === c.ni && claimBinding(o) === c.binding);
    const fresh = now ? claimedPrefix(now) : undefined;
    return warningFor(
      now ?? c.claim,
      `IPClaim ${namespaceOf(c.claim) ? `${namespaceOf(c.claim)}/` : ''}${nameOf(c.claim)} of package ${c.pkg}: its status ${c.prefix} came from package ${c.holderPackage}, ` +
        `whose claim ${c.holder} holds it in the shared ledger (${ledgerName}) - a copied package - so it is not this claim's binding: ` +
        `${c.prefix} -> ${fresh ?? '(none yet)'}`,
      'status.prefix',
      fresh,
    );
  });
}
