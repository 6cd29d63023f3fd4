/**
 * `kind: pool` and `kind: loopback` IPClaims (Nephio's prefix kinds).
 *
 * A pool claim (dnn-fn's UE pools) asks for a whole block of `spec.prefixLength` out of the
 * pool-kind prefixes of its network instance; `status.prefix` records the block (`10.0.0.0/16`),
 * without a gateway. A loopback claim asks for one host address out of the loopback-kind
 * prefixes; `status.prefix` records it as `/32` or `/128`. Both live in the same address space as
 * the network instance's interface addresses, so nothing of one can overlap the other, and both
 * follow the same rules: what is recorded is reserved first and never moves, new ones are
 * allocated next-fit, released ones come back last.
 */
import { errorFor, IPClaim, Result, scalarText } from '../../lib/src';
import { FAMILY_BITS } from '../../lib/src/ipam';
import type { AddressSpace, IpFamily } from '../../lib/src/ipam';
import type { CheckedClaim } from './checked-claims';
import { claimErrorText, ownLabel } from './claim-errors';

export type PrefixClaimKind = 'pool' | 'loopback';

/** What a claim's status gets: `prefix` always, `gateway` only for network claims. */
export interface ClaimStatus {
  readonly prefix: string;
  readonly gateway?: string | undefined;
}

export interface PrefixClaimWork extends Omit<CheckedClaim, 'kind'> {
  readonly kind: PrefixClaimKind;
  /** The prefixes of the claim's kind whose labels agree with its selector, best first. */
  readonly poolIds: readonly string[];
  /** Pool claims: the block length asked for. */
  readonly length?: number;
}

const KIND_LABEL_HINT: Record<PrefixClaimKind, string> = {
  pool: 'an IPPrefix with spec.kind pool, or a prefix labelled nephio.org/prefix-kind: pool',
  loopback: 'an IPPrefix with spec.kind loopback, or a prefix labelled nephio.org/prefix-kind: loopback',
};

/** The kind of claim this module handles, or undefined. */
export function prefixClaimKind(c: CheckedClaim): PrefixClaimKind | undefined {
  return c.kind === 'pool' || c.kind === 'loopback' ? c.kind : undefined;
}

/** Reads what a pool or loopback claim asks for; a malformed request becomes an error result. */
export function prefixClaimWork(c: CheckedClaim, kind: PrefixClaimKind, poolIds: readonly string[], results: Result[]): PrefixClaimWork | undefined {
  if (kind === 'loopback') return { ...c, kind, poolIds };
  const { claim, label } = c;
  const text = scalarText(claim.spec.prefixLength);
  const length = text !== undefined && /^\d{1,3}$/.test(text) ? Number(text) : undefined;
  if (length === undefined || length > 128) {
    results.push(
      errorFor(
        claim,
        `${label}: a pool claim needs spec.prefixLength, the length of the block it asks for (e.g. 16 for a /16 UE pool)${text === undefined ? '' : `; ${JSON.stringify(text)} is not a prefix length`}`,
        'spec.prefixLength',
        text,
      ),
    );
    return undefined;
  }
  return { ...c, kind, poolIds, length };
}

/** The block or address a claim already records (or its user chose), if any, and where. */
function recordedOf(w: PrefixClaimWork): { text: string; field: string } | undefined {
  if (w.chosen !== undefined) return { text: w.chosen, field: 'spec.prefix' };
  return w.recorded !== undefined ? { text: w.recorded, field: 'status.prefix' } : undefined;
}

function noPoolError(w: PrefixClaimWork): Result {
  return errorFor(
    w.claim,
    `${w.label}: network instance ${w.ni} has no ${w.kind} prefix that matches the claim's selector; add ${KIND_LABEL_HINT[w.kind]} to network instance ${w.ni}`,
    'spec.selector.matchLabels',
  );
}

/**
 * Reserves what pool and loopback claims record, before anything new is handed out. Returns the
 * claims that still need an allocation.
 */
export function reservePrefixClaims(
  work: readonly PrefixClaimWork[],
  spaceOf: (ni: string) => AddressSpace,
  results: Result[],
  statuses: Map<IPClaim, ClaimStatus>,
): PrefixClaimWork[] {
  const pending: PrefixClaimWork[] = [];
  for (const w of work) {
    const recorded = recordedOf(w);
    if (recorded === undefined) {
      pending.push(w);
      continue;
    }
    if (w.poolIds.length === 0) {
      results.push(noPoolError(w));
      continue;
    }
    const space = spaceOf(w.ni);
    if (w.kind === 'pool') {
      const slash = recorded.text.indexOf('/');
      if (slash !== -1 && Number(recorded.text.slice(slash + 1)) !== w.length) {
        results.push(
          errorFor(
            w.claim,
            `${w.label}: ${recorded.field} ${recorded.text} is not a /${w.length} block as spec.prefixLength asks; a recorded block never changes size - restore spec.prefixLength or clear ${recorded.field} to get a new block`,
            recorded.field,
            recorded.text,
          ),
        );
        continue;
      }
      const r = space.reserveBlock(w.owner, slash === -1 ? `${recorded.text}/${w.length}` : recorded.text, w.poolIds);
      if (!r.ok) results.push(errorFor(w.claim, claimErrorText(w, r.error, ownLabel(w)), recorded.field, recorded.text));
      else statuses.set(w.claim, { prefix: r.value.prefix });
      continue;
    }
    const address = hostAddressOf(recorded.text);
    if (address === undefined) {
      results.push(
        errorFor(
          w.claim,
          `${w.label}: ${recorded.field} ${recorded.text} is not a loopback address: write the address alone or as a host prefix (/32 for IPv4, /128 for IPv6)`,
          recorded.field,
          recorded.text,
        ),
      );
      continue;
    }
    const r = space.reserve(w.owner, address, w.poolIds);
    if (!r.ok) results.push(errorFor(w.claim, claimErrorText(w, r.error, ownLabel(w)), recorded.field, recorded.text));
    else statuses.set(w.claim, loopbackStatus(r.value.family, r.value.address));
  }
  return pending;
}

/** Allocates the claims `reservePrefixClaims` left, in the order given (already sorted). */
export function allocatePrefixClaims(
  pending: readonly PrefixClaimWork[],
  spaceOf: (ni: string) => AddressSpace,
  results: Result[],
  statuses: Map<IPClaim, ClaimStatus>,
): void {
  for (const w of pending) {
    if (w.poolIds.length === 0) {
      results.push(noPoolError(w));
      continue;
    }
    const space = spaceOf(w.ni);
    if (w.kind === 'pool') {
      const r = space.allocateBlock(w.owner, w.poolIds, w.length ?? -1);
      if (!r.ok) results.push(errorFor(w.claim, claimErrorText(w, r.error, ownLabel(w)), r.error.code === 'invalid-block' ? 'spec.prefixLength' : 'spec.selector.matchLabels'));
      else statuses.set(w.claim, { prefix: r.value.prefix });
      continue;
    }
    const r = space.allocate(w.owner, w.poolIds);
    if (!r.ok) results.push(errorFor(w.claim, claimErrorText(w, r.error, ownLabel(w)), 'spec.selector.matchLabels'));
    else statuses.set(w.claim, loopbackStatus(r.value.family, r.value.address));
  }
}

function loopbackStatus(family: IpFamily, address: string): ClaimStatus {
  return { prefix: `${address}/${FAMILY_BITS[family]}` };
}

/** `10.0.0.1`, `10.0.0.1/32`, `2001:db8::1/128` -> the address; other lengths -> undefined. */
function hostAddressOf(text: string): string | undefined {
  const slash = text.indexOf('/');
  if (slash === -1) return text;
  const address = text.slice(0, slash);
  const bits = address.includes(':') ? 128 : 32;
  return text.slice(slash + 1) === String(bits) ? address : undefined;
}
