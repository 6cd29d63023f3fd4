/**
 * Nephio's `nephio.org/action` annotation on a claim. A leaf module: claims' status readers and
 * the allocation labels (how a get claim finds what it reads) both ask it, and import each other
 * no more for it.
 */
import { getAnnotation, KubeObject } from './kube/object';

export const ACTION_ANNOTATION = 'nephio.org/action';

/** A claim (IPClaim or VLANClaim) that reads an existing allocation instead of making one. */
export const isGetClaim = (claim: KubeObject): boolean => getAnnotation(claim, ACTION_ANNOTATION) === 'get';
