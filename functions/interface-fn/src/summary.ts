import { claimedPrefix, isInterface, isIPClaim, isVLANClaim, KubeObject } from '../../lib/src';
import { refName, tally, tallyLine } from '../../lib/src/summary';

/** A claim with the address it holds, so a removed claim says which address it released. */
const withAddress = (o: KubeObject): string => {
  const prefix = isIPClaim(o) ? claimedPrefix(o) : undefined;
  return prefix === undefined ? refName(o) : `${refName(o)} ${prefix}`;
};

/** What interface-fn did: its Interfaces, and the claims it made, updated or removed for them. */
export function interfaceSummary(before: readonly KubeObject[], after: readonly KubeObject[]): (string | undefined)[] {
  const interfaces = after.filter(isInterface).length;
  return [
    `${interfaces} Interface${interfaces === 1 ? '' : 's'}`,
    tallyLine('IPClaims', tally(before, after, isIPClaim), withAddress),
    tallyLine('VLANClaims', tally(before, after, isVLANClaim)),
  ];
}
