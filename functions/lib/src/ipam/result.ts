/**
 * Errors are values, not exceptions: the KRM functions turn each one into a `severity: error`
 * result that points at a resource and a field, so the failure must carry enough structure
 * (code, owners, pool, field) for that, and the message must say what to change.
 */

export type IpamErrorCode =
  | 'invalid-address'
  | 'invalid-prefix'
  | 'host-bits-set'
  | 'special-purpose-prefix'
  | 'invalid-gateway'
  | 'gateway-outside-subnet'
  | 'invalid-exclusion'
  | 'exclusion-outside-subnet'
  | 'pool-overlap'
  | 'unknown-pool'
  | 'no-pools'
  | 'family-mismatch'
  | 'outside-pools'
  | 'reserved-address'
  | 'address-conflict'
  | 'owner-conflict'
  | 'duplicate-request'
  | 'exhausted'
  | 'invalid-state'
  | 'invalid-block'
  /** A shared ledger must load more of itself before it can answer; the edge retries the transform. */
  | 'ledger-pending';

export interface IpamError {
  readonly code: IpamErrorCode;
  readonly message: string;
  /** Claims involved, e.g. both holders of a duplicated address (existing holder first). */
  readonly owners?: readonly string[];
  /** Pool ids (canonical prefixes) involved. */
  readonly pools?: readonly string[];
  /** The address concerned, canonical form. */
  readonly address?: string;
  /** Field of a pool definition at fault: `prefix`, `gateway` or `exclusions[i]`. */
  readonly field?: string;
  /**
   * Exhaustion: what the pools hold and what to do, the message without its opening clause that
   * names the holder and the space, for a caller that names the request its own way.
   */
  readonly detail?: string;
}

/**
 * The one ok/error union of the project: a value, or the error that stands for it. Most are the
 * allocator's, hence the default; `Result` is a kpt result item (results.ts), never this.
 */
export type Outcome<T, E = IpamError> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

export function fail<T = never>(error: IpamError): Outcome<T> {
  return { ok: false, error };
}
