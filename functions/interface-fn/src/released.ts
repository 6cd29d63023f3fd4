import { claimedPrefix, collectPools, IPClaim, isIPClaim, isObject, isOurs, KubeObject, resourceKey, scalarText } from '../../lib/src';
import { formatAddress, formatCidr, networkOf, parseAddressWithLength } from '../../lib/src/ipam/address';
import { cursorPlacement, isCursor, networkInstanceOfCursor, readCursor, writeCursor } from '../../ipam-fn/src/cursors';

/**
 * Next-fit hands a freed address out again only after every never-used one, and the cursor in Git
 * is what remembers where it stands. When a render releases addresses (claims removed here) and
 * the cursor of their network instance is gone - deleted with the Interface, or never written -
 * the release itself says how far allocation got: the cursor is (re)written at the highest
 * released address of each pool, so ipam-fn, later in the same render, does not hand the freed
 * address straight to a new claim. An existing cursor entry is left alone (it is already past it).
 */
export function recordReleases(before: readonly KubeObject[], after: KubeObject[]): KubeObject[] {
  const kept = new Set(after.filter(isIPClaim).map((o) => claimedPrefix(o)).filter((p): p is string => p !== undefined));
  const present = new Set(after.filter(isIPClaim).map(resourceKey));
  // Per network instance and pool, the highest address released in this render.
  const highest = new Map<string, Map<string, { value: bigint; text: string }>>();
  for (const o of before) {
    if (!isIPClaim(o) || !isOurs(o) || present.has(resourceKey(o))) continue;
    const prefix = claimedPrefix(o);
    if (prefix === undefined || kept.has(prefix)) continue; // carried over to its successor
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
