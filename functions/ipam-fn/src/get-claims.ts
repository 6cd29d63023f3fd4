/**
 * `nephio.org/action: get` claims read an address, they never get one.
 *
 * In Nephio the resource backend answers a get claim with the allocation whose labels match the
 * claim's selector. Allocations there carry the labels of the claim that made them plus the
 * claim's name and namespace (`nephio.org/nsn-name`, `nephio.org/nsn-namespace`), its kind
 * (`nephio.org/prefix-kind`) and family. Here the allocations are the other claims of the render,
 * so a get claim matches them by the same labels and copies the status of the one it names.
 * Unlike the backend, which takes the first match, a selector that matches several claims is an
 * error: which address a workload is told must not depend on order.
 */
import { errorFor, getAnnotation, IPClaim, isObject, KubeObject, LABELS, nameOf, namespaceOf, Result, scalarText, stringMap } from '../../lib/src';
import type { ClaimStatus } from './prefix-claims';

export const ACTION_ANNOTATION = 'nephio.org/action';
export const NAME_LABEL = 'nephio.org/nsn-name';
export const NAMESPACE_LABEL = 'nephio.org/nsn-namespace';
const KIND_LABEL = 'nephio.org/prefix-kind';

export const isGetClaim = (claim: KubeObject): boolean => getAnnotation(claim, ACTION_ANNOTATION) === 'get';

function selectorOf(claim: IPClaim): Record<string, string> {
  return stringMap(isObject(claim.spec.selector) ? claim.spec.selector.matchLabels : undefined);
}

/** The labels an allocation made by `claim` carries, as Nephio's backend labels it. */
function labelsOf(claim: IPClaim, status: ClaimStatus | undefined): Record<string, string> {
  const labels: Record<string, string> = { ...selectorOf(claim), ...stringMap((claim.spec as { labels?: unknown }).labels) };
  labels[NAME_LABEL] = nameOf(claim);
  const ns = namespaceOf(claim);
  if (ns) labels[NAMESPACE_LABEL] = ns;
  labels[KIND_LABEL] = scalarText(claim.spec.kind) ?? 'network';
  if (status !== undefined) labels[LABELS.addressFamily] = status.prefix.includes(':') ? 'ipv6' : 'ipv4';
  return labels;
}

/**
 * Resolves every get claim against the other claims of the render, whose final statuses are
 * `statuses` (allocated in this render) or their recorded status. Adds the copies to `statuses`.
 */
export function resolveGetClaims(
  gets: readonly IPClaim[],
  claims: readonly IPClaim[],
  statuses: Map<IPClaim, ClaimStatus>,
  results: Result[],
): void {
  const statusOf = (c: IPClaim): ClaimStatus | undefined => {
    const s = statuses.get(c);
    if (s !== undefined) return s;
    if (!isObject(c.status)) return undefined;
    const prefix = scalarText(c.status.prefix);
    if (prefix === undefined || prefix === '') return undefined;
    return { prefix, gateway: scalarText(c.status.gateway) };
  };
  const targets = claims.filter((c) => !isGetClaim(c));
  for (const get of gets) {
    const ni = get.spec.networkInstance.name;
    const wanted = { ...selectorOf(get), [KIND_LABEL]: scalarText(get.spec.kind) ?? 'network' };
    const shown = Object.entries(selectorOf(get)).map(([k, v]) => `${k}=${v}`).join(', ') || 'no labels';
    const matches = targets
      .filter((c) => c.spec.networkInstance.name === ni)
      .filter((c) => {
        const labels = labelsOf(c, statusOf(c));
        return Object.entries(wanted).every(([k, v]) => labels[k] === v);
      })
      .sort((a, b) => (nameOf(a) < nameOf(b) ? -1 : nameOf(a) > nameOf(b) ? 1 : 0));
    const who = `IPClaim ${nameOf(get)} (${ACTION_ANNOTATION}: get)`;
    if (matches.length === 0) {
      results.push(
        errorFor(
          get,
          `${who} looks up an existing address, but no ${wanted[KIND_LABEL]} claim of network instance ${ni} matches its selector (${shown}); ` +
            `name the claim to read with ${NAME_LABEL}: <claim name> in spec.selector.matchLabels, or remove the annotation to allocate an address`,
          'spec.selector.matchLabels',
        ),
      );
      continue;
    }
    if (matches.length > 1) {
      results.push(
        errorFor(
          get,
          `${who} matches ${matches.length} claims of network instance ${ni} (${matches.map(nameOf).join(', ')}); ` +
            `add ${NAME_LABEL}: <claim name> to spec.selector.matchLabels to say which one it reads`,
          'spec.selector.matchLabels',
        ),
      );
      continue;
    }
    const target = matches[0]!;
    const status = statusOf(target);
    if (status === undefined) {
      results.push(
        errorFor(get, `${who} reads the address of IPClaim ${nameOf(target)}, which has none yet (see the errors on it)`, 'spec.selector.matchLabels'),
      );
      continue;
    }
    statuses.set(get, status);
  }
}
