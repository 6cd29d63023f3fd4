import { API, Interface } from './api/types';
import { conditionType } from './conditions';
import { ANNOTATIONS, enclosingPackages, getAnnotation, isKind, KubeObject, nameOf, namespaceOf, packagePathOf } from './kube/object';
import { nadRefOf } from './generated-names';

export const isNFDeployment = (o: KubeObject): boolean => isKind(o, API.nfDeployment.apiVersion, API.nfDeployment.kind);
export const isCapacity = (o: KubeObject): boolean => isKind(o, API.capacity.apiVersion, API.capacity.kind);
export const isDataNetwork = (o: KubeObject): boolean => isKind(o, API.dataNetwork.apiVersion, API.dataNetwork.kind);

/** `workload.nephio.org/v1alpha1.NFDeployment.<name>`: how Nephio's requirements name their NF. */
export const nfDeploymentRef = (nf: KubeObject): string => conditionType(nf.apiVersion, nf.kind, nameOf(nf));

const NF_REF_PREFIX = `${API.nfDeployment.apiVersion}.${API.nfDeployment.kind}.`;

/**
 * The NF a requirement (Interface, DataNetwork, Capacity) belongs to: its
 * `specializer.nephio.org/owner` when that names an NFDeployment - what Nephio's nfdeploy-fn
 * (condkptsdk `populateInventory`) matches on - else its `specializer.nephio.org/for`.
 */
export function workloadRefOf(o: KubeObject): string | undefined {
  const owner = getAnnotation(o, ANNOTATIONS.owner);
  if (owner?.startsWith(NF_REF_PREFIX)) return owner;
  const forRef = getAnnotation(o, ANNOTATIONS.for);
  return forRef?.startsWith(NF_REF_PREFIX) ? forRef : undefined;
}

/**
 * The NFDeployments of a render, found from their requirements. Nephio renders one NF package at
 * a time and matches by name; a tree here may hold several packages, so a requirement belongs to
 * the NFDeployment of that name in its own package or the nearest enclosing one. Interfaces carry
 * no namespace in Nephio's packages (`specializer.nephio.org/namespace` says where the NAD goes),
 * so among same-named NFDeployments of one package the one in the Interface's NAD namespace wins.
 */
export class NFDeploymentIndex {
  private readonly byPackage = new Map<string, KubeObject[]>();
  readonly all: KubeObject[] = [];

  constructor(items: readonly KubeObject[]) {
    for (const o of items) {
      if (!isNFDeployment(o)) continue;
      this.all.push(o);
      const pkg = packagePathOf(o);
      this.byPackage.set(pkg, [...(this.byPackage.get(pkg) ?? []), o]);
    }
  }

  get empty(): boolean {
    return this.all.length === 0;
  }

  ownerOf(o: KubeObject): KubeObject | undefined {
    const ref = workloadRefOf(o);
    if (ref === undefined || this.empty) return undefined;
    for (const pkg of enclosingPackages(packagePathOf(o))) {
      const named = (this.byPackage.get(pkg) ?? []).filter((nf) => nfDeploymentRef(nf) === ref);
      if (named.length === 1) return named[0];
      if (named.length > 1) {
        const ns = isKind(o, API.interface.apiVersion, API.interface.kind) ? nadRefOf(o as Interface).namespace : namespaceOf(o);
        return named.find((nf) => namespaceOf(nf) === ns);
      }
    }
    return undefined;
  }
}
