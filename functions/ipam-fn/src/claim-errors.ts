/**
 * Allocator errors as a claim's result says them, rendered here and nowhere else.
 *
 * The allocator (and the shared ledger's space) quote each holder an error lists in `owners` by
 * its binding (`"cluster/ns/name"`); users know claims by namespace/name and package, so the
 * holders this render has labels for are named by them, and the claim the result is on leads the
 * message unless the error names it already.
 */
import type { IpamError } from '../../lib/src/ipam';

/** The claim a result is on: its binding and how messages name it. */
export interface ClaimName {
  readonly owner: string;
  readonly label: string;
}

/** Holder bindings this render can name -> their labels. */
export type HolderLabels = ReadonlyMap<string, string>;

/** The labels of one claim alone (pool and loopback claims name no other holder by label). */
export function ownLabel(subject: ClaimName): HolderLabels {
  return new Map([[subject.owner, subject.label]]);
}

/** The error's message with the holders it lists named by their labels. */
function withHolderLabels(error: IpamError, labels: HolderLabels): string {
  let text = error.message;
  for (const holder of error.owners ?? []) {
    const label = labels.get(holder);
    if (label !== undefined) text = text.split(`"${holder}"`).join(`"${label}"`);
  }
  return text;
}

/** `error` as the result on `subject` says it. */
export function claimErrorText(subject: ClaimName, error: IpamError, labels: HolderLabels): string {
  const text = withHolderLabels(error, labels);
  return error.owners?.includes(subject.owner) && labels.has(subject.owner) ? text : `${subject.label}: ${text}`;
}

/** A failure of a claim that is not the allocator's (no holders to name). */
export function claimProblemText(subject: ClaimName, problem: string): string {
  return `${subject.label}: ${problem}`;
}

/** How one holder is named in a message: its label in quotes, or its quoted binding. */
export function holderText(holder: string | undefined, labels: HolderLabels): string {
  return `"${(holder !== undefined ? labels.get(holder) : undefined) ?? holder ?? ''}"`;
}

/** A failed reservation of the address a claim records (`status.prefix`) or its user chose (`spec.prefix`). */
export interface ReserveFailure {
  readonly subject: ClaimName;
  readonly error: IpamError;
  readonly address: string;
  readonly chosen: string | undefined;
  readonly recorded: string | undefined;
  /** The pools the claim may use, and its network instance: what a chosen address must lie in. */
  readonly poolIds: readonly string[];
  readonly ni: string;
  /** spec.prefix asks for another address than status.prefix records. */
  readonly asksAnother: boolean;
}

export function reserveErrorText(f: ReserveFailure, labels: HolderLabels): string {
  const { subject, error, address } = f;
  if (f.chosen !== undefined && error.code === 'outside-pools') {
    return (
      `${subject.label}: spec.prefix ${address} is outside the pools this claim may use ` +
      `(${f.poolIds.join(', ')} of network instance ${f.ni}); choose an address inside one of them`
    );
  }
  if (f.chosen !== undefined && f.asksAnother && error.code === 'address-conflict') {
    return (
      `${subject.label}: spec.prefix asks for ${address}, which ${holderText(error.owners?.[0], labels)} already holds; ` +
      `choose another address (or remove spec.prefix to get a free one)`
    );
  }
  return claimErrorText(subject, error, labels) + shrunkBelow(f.recorded, f.chosen, error.pools);
}

/**
 * Why a recorded address stopped fitting when its pool was edited to another length: said in the
 * error, so the user sees the edit (not the claim) is what to undo.
 */
function shrunkBelow(recorded: string | undefined, chosen: string | undefined, pools: readonly string[] | undefined): string {
  if (chosen !== undefined || recorded === undefined || !recorded.includes('/')) return '';
  const length = recorded.slice(recorded.indexOf('/'));
  const now = (pools ?? []).filter((p) => p.includes('/') && p.slice(p.indexOf('/')) !== length);
  if (now.length === 0 || now.length !== (pools ?? []).length) return '';
  return ` (the claim was allocated as ${recorded}: the pool ${now.join(', ')} was resized below this address; widen it back to keep it)`;
}
