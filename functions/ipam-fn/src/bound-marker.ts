/**
 * ipam-fn's own record of what it bound to a claim, so a status rewritten by someone else is
 * caught even without a shared ledger.
 *
 * A claim's status is the binding Git keeps, but anything that writes the package can rewrite it:
 * Nephio's ipam and VLAN specializers re-claim every IPClaim and VLANClaim of a package from their
 * own backend and write the answer into `status` (leaving annotations alone). A rewrite to an
 * address that is free in the same pool passes every other check - the address is in range and
 * nobody else holds it - so without a second record it would silently become the binding. ipam-fn
 * therefore writes the value it bound into the annotation below whenever it writes a status; a
 * status that disagrees with it is an error, not a move.
 *
 * The record is only consulted while the status exists: deleting a status is how a user asks for a
 * fresh address (or VLAN) on purpose, and a claim without the annotation (rendered before it
 * existed, or just inherited by a renamed claim) is taken as it is and gets the annotation.
 */
import { BOUND_ANNOTATION, errorFor, getAnnotation, isObject, KubeObject, nameOf, namespaceOf, Result, warningFor } from '../../lib/src';

/** The value ipam-fn last bound to the item, if it recorded one. */
export function boundValue(o: KubeObject): string | undefined {
  const v = getAnnotation(o, BOUND_ANNOTATION);
  return v === undefined || v === '' ? undefined : v;
}

/** `o` with the bound value recorded (the same object when it already is). */
export function withBound(o: KubeObject, value: string): KubeObject {
  if (getAnnotation(o, BOUND_ANNOTATION) === value) return o;
  const annotations = isObject(o.metadata.annotations) ? { ...(o.metadata.annotations as Record<string, string>) } : {};
  annotations[BOUND_ANNOTATION] = value;
  return { ...o, metadata: { ...o.metadata, annotations } };
}

/** The address part of an `address/length` prefix: what identifies a binding. */
const addressOf = (prefix: string): string => prefix.split('/')[0]!.trim().toLowerCase();

/**
 * The error for a claim whose recorded status is not what ipam-fn bound to it: names the claim,
 * both values, who is known to do this and what to do.
 */
function rewrittenError(o: KubeObject, what: string, field: string, recorded: string, bound: string, undo: string): Result {
  const ns = namespaceOf(o);
  return errorFor(
    o,
    `${o.kind} ${ns ? `${ns}/` : ''}${nameOf(o)}: ${field} is ${recorded}, but ipam-fn bound ${what} ${bound} to it ` +
      `(annotation ${BOUND_ANNOTATION}); something else rewrote the status - Nephio's specializers re-claim every ` +
      `${o.kind} of a package whose Kptfile has ${o.kind} conditions (see "Using Nephio packages" in the README). ` +
      `Nothing was moved. Restore ${field} to ${bound} (e.g. from Git); ${undo}`,
    field,
    recorded,
  );
}

/**
 * When the status was rewritten but the user chose the value in spec, the choice is the binding:
 * no error, but the rewrite is said, with what ipam-fn had bound (which the move releases).
 */
function chosenOverRewritten(o: KubeObject, what: string, field: string, recorded: string, bound: string, specField: string, chosen: string): Result {
  const ns = namespaceOf(o);
  return warningFor(
    o,
    `${o.kind} ${ns ? `${ns}/` : ''}${nameOf(o)}: ${field} is ${recorded}, but ipam-fn bound ${what} ${bound} to it ` +
      `(annotation ${BOUND_ANNOTATION}): something else rewrote the status. ${specField} ${chosen} is the binding now; ${bound} is released`,
    field,
    recorded,
  );
}

/**
 * An error when the claim's recorded `status.prefix` is another address than the one ipam-fn
 * bound; a warning instead when `spec.prefix` (`chosen`) decides the binding anyway.
 */
export function rewrittenPrefix(claim: KubeObject, recorded: string | undefined, chosen?: string): Result | undefined {
  const bound = boundValue(claim);
  if (recorded === undefined || bound === undefined || addressOf(recorded) === addressOf(bound)) return undefined;
  if (chosen !== undefined) return chosenOverRewritten(claim, 'the address', 'status.prefix', recorded, bound, 'spec.prefix', chosen);
  return rewrittenError(
    claim,
    'the address',
    'status.prefix',
    recorded,
    bound,
    'to move the claim on purpose, set spec.prefix, or delete status.prefix to have a fresh address allocated',
  );
}

/** As rewrittenPrefix, for a VLANClaim's `status.vlanID` (`chosen`: its `spec.vlanID`). */
export function rewrittenVlan(claim: KubeObject, recorded: number | undefined, chosen?: number): Result | undefined {
  const bound = boundValue(claim);
  if (recorded === undefined || !Number.isInteger(recorded) || bound === undefined || bound === String(recorded)) return undefined;
  if (chosen !== undefined) return chosenOverRewritten(claim, 'VLAN', 'status.vlanID', String(recorded), bound, 'spec.vlanID', String(chosen));
  return rewrittenError(
    claim,
    'VLAN',
    'status.vlanID',
    String(recorded),
    bound,
    'to move the claim on purpose, set spec.vlanID, or delete status.vlanID to have a fresh VLAN ID allocated',
  );
}
