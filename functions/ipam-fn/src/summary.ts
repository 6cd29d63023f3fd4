import { claimedPrefix, claimedVlan, isGetClaim, isIPClaim, isVLANClaim, KubeObject, resourceKey } from '../../lib/src';
import { listed, refName } from '../../lib/src/summary';

/**
 * What ipam-fn bound: addresses and VLAN IDs given this render, ones get claims read (they are
 * given nothing), ones that changed (each a warning of its own as well), and how many stayed as
 * recorded.
 */
export function ipamSummary(before: readonly KubeObject[], after: readonly KubeObject[]): (string | undefined)[] {
  const address = (o: KubeObject): string | undefined => (isIPClaim(o) ? claimedPrefix(o) : undefined);
  const vlan = (o: KubeObject): string | undefined => {
    const id = isVLANClaim(o) ? claimedVlan(o) : undefined;
    return id === undefined || Number.isNaN(id) ? undefined : `VLAN ${id}`;
  };
  return [line('addresses', before, after, isIPClaim, address), line('VLAN IDs', before, after, isVLANClaim, vlan)];
}

function line(
  what: string,
  before: readonly KubeObject[],
  after: readonly KubeObject[],
  match: (o: KubeObject) => boolean,
  value: (o: KubeObject) => string | undefined,
): string | undefined {
  const was = new Map<string, string | undefined>();
  for (const o of before) if (match(o)) was.set(resourceKey(o), value(o));
  const given: string[] = [];
  const read: string[] = [];
  const changed: string[] = [];
  const waiting: string[] = [];
  let kept = 0;
  for (const o of after) {
    if (!match(o)) continue;
    const now = value(o);
    const old = was.get(resourceKey(o));
    if (now === undefined) waiting.push(refName(o));
    else if (old === undefined) (isGetClaim(o) ? read : given).push(`${refName(o)} ${now}`);
    else if (old !== now) changed.push(`${refName(o)} ${old} -> ${now}`);
    else kept++;
  }
  const parts: string[] = [];
  if (given.length > 0) parts.push(`${given.length} allocated (${listed(given)})`);
  if (read.length > 0) parts.push(`${read.length} read by get claims (${listed(read)})`);
  if (changed.length > 0) parts.push(`${changed.length} changed (${listed(changed)})`);
  if (kept > 0) parts.push(`${kept} kept`);
  if (waiting.length > 0) parts.push(`${waiting.length} without one (${listed(waiting)})`);
  return parts.length === 0 ? undefined : `${what}: ${parts.join(', ')}`;
}
