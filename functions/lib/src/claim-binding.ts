import { IPClaim, LABELS } from './api/types';
import { isObject, nameOf, namespaceOf, scalarText } from './kube/object';

/**
 * What an allocated address is bound to: its claim's identity within the network instance.
 *
 * The identity is `<cluster>/<namespace>/<claim name>`. The generated claim name is
 * `<for>-<interface>-<family>`, so the identity follows the workload, the Interface and the
 * family - the things that decide which pod gets the address on which link - and not the package
 * path, the file name or the item's position, which are cosmetic: moving an Interface to another
 * file or package of the same cluster keeps its address. The cluster is part of it because the
 * same workload and Interface names recur in every cluster, and a claim's cluster is what its
 * selector names (`nephio.org/cluster-name`).
 *
 * The package path is metadata (messages, releasing a deleted package), never identity. A shared
 * ledger keys its holdings by this string, so it must stay stable across releases.
 */
export function claimBinding(claim: IPClaim): string {
  return `${clusterOfClaim(claim)}/${namespaceOf(claim)}/${nameOf(claim)}`;
}

/** The cluster a claim's selector names, `''` when it names none (a hand-written claim). */
export function clusterOfClaim(claim: IPClaim): string {
  const sel = isObject(claim.spec) && isObject(claim.spec.selector) ? claim.spec.selector : undefined;
  const labels = sel && isObject(sel.matchLabels) ? sel.matchLabels : undefined;
  return (labels && scalarText(labels[LABELS.clusterName])) ?? '';
}
