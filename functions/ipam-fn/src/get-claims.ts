/**
 * `nephio.org/action: get` claims read an address, they never get one.
 *
 * A get claim matches the allocations of its network instance by the labels Nephio's backend
 * gives them (allocation-labels.ts): the other claims of the render and, with the shared ledger,
 * the holdings of claims in other packages - so a gNB package rendered on its own reads the AMF's
 * N2 address that the AMF's package holds. Unlike the backend, which takes the first match, a
 * selector that matches several allocations is an error: which address a workload is told must
 * not depend on order. No match is not an error: the claim it reads may be in a package not
 * rendered yet, so the claim stays pending (its condition False) and a warning says so.
 */
import {
  ACTION_ANNOTATION,
  allocationLabels,
  byKey,
  claimedPrefix,
  claimGateway,
  errorFor,
  IPClaim,
  isGetClaim,
  lookupSelector,
  matchesSelector,
  nameOf,
  NSN_NAME_LABEL,
  PREFIX_KIND_LABEL,
  Result,
  selectorText,
  warningFor,
} from '../../lib/src';
import type { LedgerHolding } from '../../lib/src/ledger/ipam-hooks';
import type { ClaimStatus } from './prefix-claims';

/** Where the holdings of other packages come from; undefined without a ledger. */
export type HoldingsOf = (ni: string) => readonly LedgerHolding[] | undefined;

interface Candidate {
  /** As a message names it. */
  readonly name: string;
  readonly status: ClaimStatus | undefined;
}

function recordedStatus(c: IPClaim): ClaimStatus | undefined {
  const prefix = claimedPrefix(c);
  return prefix === undefined ? undefined : { prefix, gateway: claimGateway(c) };
}

/**
 * Resolves every get claim against the other claims of the render, whose final statuses are
 * `statuses` (allocated in this render) or their recorded status, and the holdings of other
 * packages. Adds the copies to `statuses`.
 */
export function resolveGetClaims(
  gets: readonly IPClaim[],
  claims: readonly IPClaim[],
  statuses: Map<IPClaim, ClaimStatus>,
  results: Result[],
  holdingsOf?: HoldingsOf,
): void {
  const statusOf = (c: IPClaim): ClaimStatus | undefined => statuses.get(c) ?? recordedStatus(c);
  const targets = claims.filter((c) => !isGetClaim(c));
  for (const get of gets) {
    const ni = get.spec.networkInstance.name;
    const wanted = lookupSelector(get);
    const local: Candidate[] = targets
      .filter((c) => c.spec.networkInstance.name === ni)
      .filter((c) => matchesSelector(allocationLabels(c, statusOf(c)?.prefix), wanted))
      .map((c) => ({ name: nameOf(c), status: statusOf(c) }));
    const held = holdingsOf?.(ni);
    // Still loading: the step runs again once the ledger has answered.
    if (holdingsOf && held === undefined) continue;
    const remote: Candidate[] = (held ?? [])
      .filter((h) => matchesSelector(h.labels, wanted))
      .map((h) => ({ name: `${h.labels[NSN_NAME_LABEL] ?? h.binding} of package ${h.package}`, status: { prefix: h.prefix, gateway: h.gateway } }));
    const matches = [...local, ...remote].sort(byKey((m) => m.name));
    const who = `IPClaim ${nameOf(get)} (${ACTION_ANNOTATION}: get)`;
    const kind = wanted[PREFIX_KIND_LABEL];
    if (matches.length === 0) {
      const where = holdingsOf ? `in this render or in the shared ledger` : `in this render`;
      const kept = recordedStatus(get);
      results.push(
        warningFor(
          get,
          `${who} looks up an existing address, but no ${kind} claim of network instance ${ni} ${where} matches its selector (${selectorText(get)}); ` +
            (kept ? `it keeps the address ${kept.prefix} it read before. ` : `it stays pending (its Kptfile condition is False) and gets no address. `) +
            (holdingsOf
              ? `Render the package that holds the claim it reads, then this one again`
              : `Render it together with the package that holds the claim it reads, or configure the shared ledger`) +
            `; to read another claim, name it with ${NSN_NAME_LABEL}: <claim name> in spec.selector.matchLabels`,
          'spec.selector.matchLabels',
        ),
      );
      continue;
    }
    if (matches.length > 1) {
      results.push(
        errorFor(
          get,
          `${who} matches ${matches.length} claims of network instance ${ni} (${matches.map((m) => m.name).join(', ')}); ` +
            `add ${NSN_NAME_LABEL}: <claim name> to spec.selector.matchLabels to say which one it reads`,
          'spec.selector.matchLabels',
        ),
      );
      continue;
    }
    const target = matches[0]!;
    if (target.status === undefined) {
      results.push(errorFor(get, `${who} reads the address of IPClaim ${target.name}, which has none yet (see the errors on it)`, 'spec.selector.matchLabels'));
      continue;
    }
    statuses.set(get, target.status);
  }
}
