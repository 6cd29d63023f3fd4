/**
 * How a `nephio.org/action: get` claim finds the allocation it reads.
 *
 * In Nephio the resource backend answers a get claim with the allocation whose labels match the
 * claim's selector. Allocations there carry the labels of the claim that made them plus the
 * claim's name and namespace (`nephio.org/nsn-name`, `nephio.org/nsn-namespace`), its kind
 * (`nephio.org/prefix-kind`) and family. One rule, used for the claims of a render and for the
 * holdings the shared ledger records for other packages, so a lookup answers the same whichever
 * way the packages are rendered.
 */
import { IPClaim, LABELS } from './api/types';
import { claimedPrefix, claimGateway } from './claims';
import { PREFIX_KIND_LABEL } from './pools';
import { isObject, nameOf, namespaceOf, scalarText, stringMap } from './kube/object';

export const NSN_NAME_LABEL = 'nephio.org/nsn-name';
export const NSN_NAMESPACE_LABEL = 'nephio.org/nsn-namespace';

export { ACTION_ANNOTATION, isGetClaim } from './claim-action';

function selectorOf(claim: IPClaim): Record<string, string> {
  return stringMap(isObject(claim.spec.selector) ? claim.spec.selector.matchLabels : undefined);
}

/** The labels of the allocation `claim` made (its family from the address it holds, if any). */
export function allocationLabels(claim: IPClaim, prefix: string | undefined): Record<string, string> {
  const labels: Record<string, string> = { ...selectorOf(claim), ...stringMap((claim.spec as { labels?: unknown }).labels) };
  labels[NSN_NAME_LABEL] = nameOf(claim);
  const ns = namespaceOf(claim);
  if (ns) labels[NSN_NAMESPACE_LABEL] = ns;
  labels[PREFIX_KIND_LABEL] = scalarText(claim.spec.kind) ?? 'network';
  if (prefix !== undefined) labels[LABELS.addressFamily] = prefix.includes(':') ? 'ipv6' : 'ipv4';
  return labels;
}

/** What a get claim asks for: its selector's labels and its kind. */
export function lookupSelector(get: IPClaim): Record<string, string> {
  return { ...selectorOf(get), [PREFIX_KIND_LABEL]: scalarText(get.spec.kind) ?? 'network' };
}

export const matchesSelector = (labels: Readonly<Record<string, string>>, wanted: Readonly<Record<string, string>>): boolean =>
  Object.entries(wanted).every(([k, v]) => labels[k] === v);

/** The selector as a message shows it: `a=b, c=d`. */
export function selectorText(get: IPClaim): string {
  return Object.entries(selectorOf(get)).map(([k, v]) => `${k}=${v}`).join(', ') || 'no labels';
}

/**
 * What the ledger records with a claim's holding so that get claims of other packages find it:
 * its allocation's labels (sorted, so the record's bytes do not depend on field order) and gateway.
 */
export function lookupRecord(claim: IPClaim): { labels: Record<string, string>; gateway?: string } | undefined {
  const prefix = claimedPrefix(claim);
  if (prefix === undefined) return undefined;
  const labels = allocationLabels(claim, prefix);
  const sorted = Object.fromEntries(Object.keys(labels).sort().map((k) => [k, labels[k]!]));
  const gateway = claimGateway(claim);
  return gateway ? { labels: sorted, gateway } : { labels: sorted };
}
