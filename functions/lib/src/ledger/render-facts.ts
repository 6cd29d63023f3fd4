import { API, IPClaim } from '../api/types';
import { isKind, isObject, KubeObject } from '../kube/object';

/** An IPClaim with a network instance name, without validating the rest (the transform does). */
export function isClaimLike(o: KubeObject): o is IPClaim {
  return isKind(o, API.ipClaim.apiVersion, API.ipClaim.kind) && isObject(o.spec) && isObject(o.spec.networkInstance);
}
