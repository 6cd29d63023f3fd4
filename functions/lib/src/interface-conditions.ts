import { API, Interface } from './api/types';
import { Condition, conditionType } from './conditions';
import { isInterface } from './interfaces';
import { InterfaceProgress, Progress } from './interface-progress';
import { KubeObject, nameOf, packagePathOf } from './kube/object';
import { NFDeploymentIndex, nfDeploymentRef } from './nf-deployments';
import { validateResource } from './schema/validate';

/** An Interface that an NFDeployment of the render owns, and how far the pipeline got with it. */
export interface OwnedInterface {
  itf: Interface;
  nf: KubeObject;
  progress: Progress;
}

/** Valid Interfaces whose `specializer.nephio.org/owner` (or `for`) names an NFDeployment of the render. */
export function ownedInterfaces(items: readonly KubeObject[], nfs: NFDeploymentIndex): OwnedInterface[] {
  if (nfs.empty) return [];
  const progress = new InterfaceProgress(items);
  const out: OwnedInterface[] = [];
  for (const o of items) {
    if (!isInterface(o)) continue;
    const nf = nfs.ownerOf(o);
    if (nf === undefined || validateResource(o).length > 0) continue;
    out.push({ itf: o, nf, progress: progress.of(o) });
  }
  return out;
}

const INTERFACE_CONDITION_PREFIX = `${API.interface.apiVersion}.${API.interface.kind}.`;
const NF_REASON_PREFIX = `${API.nfDeployment.apiVersion}.${API.nfDeployment.kind}.`;

/**
 * The Interface conditions this pipeline keeps: `req.nephio.org/v1alpha1.Interface.<name>` with an
 * NFDeployment as reason. Nephio's interface-fn writes the same type for every Interface; those
 * without an NF reason are another tool's and stay as they are.
 */
export const isNFInterfaceCondition = (c: Condition): boolean =>
  c.type.startsWith(INTERFACE_CONDITION_PREFIX) && typeof c.reason === 'string' && c.reason.startsWith(NF_REASON_PREFIX);

/** What Nephio's condition SDK writes once a parent's children are all done (condkptsdk `upsertChildObject`). */
export const NEPHIO_DONE_MESSAGE = 'update done';

/**
 * Per package, the condition Nephio's nfdeploy-fn waits for on each Interface of an NFDeployment:
 * type `req.nephio.org/v1alpha1.Interface.<name>`, reason the NFDeployment
 * (`workload.nephio.org/v1alpha1.NFDeployment.<nf>` - nfdeploy-fn finds its children's conditions
 * by that reason), `True` with Nephio's "update done" once the Interface's claims, VLAN and NAD
 * are all there, else `False` naming what is still to come. Two Interfaces with one name in one
 * package share the type; the condition is `True` only when both are done.
 */
export function interfaceConditions(owned: readonly OwnedInterface[]): Map<string, Condition[]> {
  const byPackage = new Map<string, Map<string, Condition>>();
  for (const { itf, nf, progress } of owned) {
    const type = conditionType(itf.apiVersion, itf.kind, nameOf(itf));
    const reason = nfDeploymentRef(nf);
    const condition: Condition = progress.done
      ? { type, status: 'True', reason, message: NEPHIO_DONE_MESSAGE }
      : { type, status: 'False', reason, message: `waiting for ${progress.waitsFor.join(', ')}` };
    const pkg = packagePathOf(itf);
    const conditions = byPackage.get(pkg) ?? new Map<string, Condition>();
    const seen = conditions.get(type);
    if (seen === undefined || (seen.status === 'True' && condition.status === 'False')) conditions.set(type, condition);
    byPackage.set(pkg, conditions);
  }
  return new Map([...byPackage].map(([pkg, conditions]) => [pkg, [...conditions.values()]]));
}
