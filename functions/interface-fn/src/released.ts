import {
  ANNOTATIONS,
  claimedPrefix,
  clusterOfClaim,
  collectPools,
  fileLabel,
  FROM_INTERFACE,
  getAnnotation,
  infoFor,
  IPClaim,
  isIPClaim,
  isObject,
  isOurs,
  KubeObject,
  LABELS,
  nameOf,
  resourceKey,
  Result,
  scalarText,
  warningFor,
  interfaceLabel,
} from '../../lib/src';
import { formatAddress, formatCidr, networkOf, parseAddressWithLength } from '../../lib/src/ipam/address';
import { cursorPlacement, isCursor, networkInstanceOfCursor, readCursor, writeCursor } from '../../lib/src/allocation-cursors';

/**
 * Next-fit hands a freed address out again only after every never-used one, and the cursor in Git
 * is what remembers where it stands. When a render releases addresses (claims removed here) and
 * the cursor of their network instance is gone - deleted with the Interface, or never written -
 * the release itself says how far allocation got: the cursor is (re)written at the highest
 * released address of each pool, so ipam-fn, later in the same render, does not hand the freed
 * address straight to a new claim. An existing cursor entry is left alone (it is already past it).
 */
export function recordReleases(before: readonly KubeObject[], after: KubeObject[], results: Result[]): KubeObject[] {
  const kept = new Set(after.filter(isIPClaim).map((o) => claimedPrefix(o)).filter((p): p is string => p !== undefined));
  const present = new Set(after.filter(isIPClaim).map(resourceKey));
  // Per network instance and pool, the highest address released in this render.
  const highest = new Map<string, Map<string, { value: bigint; text: string }>>();
  for (const o of before) {
    if (!isIPClaim(o) || !isOurs(o) || present.has(resourceKey(o))) continue;
    const prefix = claimedPrefix(o);
    if (prefix === undefined || kept.has(prefix)) continue; // carried over to its successor
    results.push(releaseResult(o, prefix, before, after));
    const parsed = parseAddressWithLength(prefix);
    const ni = networkInstanceOf(o);
    if (!parsed.ok || ni === undefined) continue;
    const { family, value, length } = parsed.value;
    const pool = formatCidr(family, networkOf(family, value, length), length);
    const pools = highest.get(ni) ?? new Map<string, { value: bigint; text: string }>();
    const seen = pools.get(pool);
    if (!seen || value > seen.value) pools.set(pool, { value, text: formatAddress(family, value) });
    highest.set(ni, pools);
  }
  if (highest.size === 0) return after;

  const cursors = new Map<string, KubeObject>();
  for (const c of after.filter(isCursor)) if (!cursors.has(networkInstanceOfCursor(c))) cursors.set(networkInstanceOfCursor(c), c);
  const replaced = new Map<KubeObject, KubeObject>();
  const fresh: KubeObject[] = [];
  let pools: ReturnType<typeof collectPools>['pools'] | undefined;
  for (const ni of [...highest.keys()].sort()) {
    const existing = cursors.get(ni);
    const read = existing ? readCursor(existing) : { state: Object.create(null) as Record<string, string>, problems: [] };
    if (read.problems.length > 0) continue; // ipam-fn reports a broken cursor
    const state: Record<string, string> = Object.assign(Object.create(null) as Record<string, string>, read.state);
    let changed = false;
    for (const [pool, { text }] of [...highest.get(ni)!.entries()].sort()) {
      if (pool in state) continue;
      state[pool] = text;
      changed = true;
    }
    if (!changed) continue;
    pools ??= collectPools(after).pools;
    const next = writeCursor(ni, state, existing, cursorPlacement(ni, pools, after));
    if (existing) replaced.set(existing, next);
    else fresh.push(next);
  }
  return [...after.map((o) => replaced.get(o) ?? o), ...fresh];
}

function networkInstanceOf(o: IPClaim): string | undefined {
  return isObject(o.spec) && isObject(o.spec.networkInstance) ? scalarText(o.spec.networkInstance.name) : undefined;
}

/**
 * What the render says about a released address. A new claim of the same cluster, network
 * instance and family for the same workload or Interface name looks like a rename that could not
 * be paired (two at once, or the network instance changed too): that is a warning naming both, as
 * the pod's address changes; otherwise the Interface is gone, and the release is information.
 */
function releaseResult(o: IPClaim, prefix: string, before: readonly KubeObject[], after: readonly KubeObject[]): Result {
  const existed = new Set(before.filter(isIPClaim).map(resourceKey));
  const from = getAnnotation(o, FROM_INTERFACE) ?? '?';
  const workload = getAnnotation(o, ANNOTATIONS.for);
  const ni = networkInstanceOf(o);
  const family = familyOf(o);
  const successor = after.find(
    (c): c is IPClaim =>
      isIPClaim(c) && isOurs(c) && !existed.has(resourceKey(c)) && claimedPrefix(c) === undefined &&
      clusterOfClaim(c) === clusterOfClaim(o) && networkInstanceOf(c) === ni && familyOf(c) === family &&
      ((workload !== undefined && getAnnotation(c, ANNOTATIONS.for) === workload) ||
        (getAnnotation(c, FROM_INTERFACE) ?? '').split('/')[1] === from.split('/')[1]),
  );
  const released = `IPClaim ${nameOf(o)} (${fileLabel(o)}) of Interface ${interfaceLabel(from)} is no longer generated, so its address ${prefix} ` +
    `(network instance ${ni ?? '(none)'}, cluster ${clusterOfClaim(o) || '(none)'}) is released`;
  if (!successor) return infoFor(o, `${released}: its Interface is gone or no longer asks for it`);
  return warningFor(
    o,
    `${released}, and IPClaim ${nameOf(successor)} of Interface ${interfaceLabel(getAnnotation(successor, FROM_INTERFACE))} gets a new address: a renamed ` +
      `or moved Interface keeps its address only when, for its workload, exactly one claim goes and one comes per network instance ` +
      `and family. To keep ${prefix}, rename one Interface at a time, or set spec.prefix: ${prefix} on IPClaim ${nameOf(successor)}`,
  );
}

function familyOf(o: IPClaim): string | undefined {
  const sel = isObject(o.spec) && isObject(o.spec.selector) && isObject(o.spec.selector.matchLabels) ? o.spec.selector.matchLabels : undefined;
  return sel ? scalarText(sel[LABELS.addressFamily]) : undefined;
}
