import { API, familiesOf, Interface, IPClaim, normalizeFamilyPolicy } from './api/types';
import { BOUND_ANNOTATION, claimedPrefix, claimGateway, FROM_INTERFACE, isIPClaim } from './claims';
import { ClusterIndex } from './clusters';
import { ANNOTATIONS, enclosingPackages, getAnnotation, isKind, KubeObject, nameOf, namespaceOf, packagePathOf } from './kube/object';
import { childAnnotations, claimName, POD_NETWORK } from './generated-names';
import { interfaceNameProblems } from './name-rules';
import { errorFor, infoFor, Result } from './results';
import { claimRoutes } from './routes';
import { validateResource } from './schema/validate';

export const isInterface = (o: KubeObject): o is Interface => isKind(o, API.interface.apiVersion, API.interface.kind);

/** An Interface with its allocated addresses, as nad-fn and deployment-annotate-fn need it. */
export interface Attachment {
  itf: Interface;
  /** `address/prefix-length`, IPv4 first. */
  addresses: string[];
  /** The gateway of each address's subnet (same order), if it has one. */
  gateways: (string | undefined)[];
  /**
   * The destinations each address routes via its gateway (same order), as ipam-fn recorded them on
   * the claim it bound; undefined for a claim ipam-fn did not bind.
   */
  routes: (readonly string[] | undefined)[];
}

/**
 * Valid Interfaces of the render (not on the pod network), and their claims' allocations.
 * Errors (schema, a claim still without address) are collected once, for the caller to report.
 */
export class InterfaceIndex {
  /** Interfaces that get a NAD and can appear in a Multus annotation (they have a cniType). */
  readonly interfaces: Interface[] = [];
  /** Loopback Interfaces (no cniType): claims, but no NAD and no Multus attachment. */
  readonly loopbacks: Interface[] = [];
  /** Interfaces whose cluster is not injected yet: they exist, but nothing is made for them now. */
  readonly waiting: Interface[] = [];
  readonly results: Result[] = [];
  private readonly claims = new Map<string, IPClaim>();
  private readonly attachments = new Map<Interface, Attachment | undefined>();

  constructor(items: readonly KubeObject[]) {
    for (const o of items) {
      if (isIPClaim(o)) this.claims.set(claimKey(packagePathOf(o), namespaceOf(o), nameOf(o)), o);
    }
    // Interfaces of a cluster that is not injected yet get nothing generated (see notReadyReason).
    const clusters = new ClusterIndex(items);
    for (const o of items) {
      if (!isInterface(o)) continue;
      const errors = validateResource(o);
      if (errors.length > 0) {
        this.results.push(...errors);
        continue;
      }
      if (o.spec.networkInstance.name === POD_NETWORK) continue;
      const found = clusters.lookup(o);
      const waiting = 'cluster' in found ? clusters.notReady(found.cluster) : undefined;
      if (waiting !== undefined) {
        // interface-fn reports the cluster; this says, per Interface, why this step made nothing.
        this.results.push(infoFor(o, `Interface ${nameOf(o)} waits for its cluster: ${waiting.reason}; nothing is made for it until the cluster is ready`));
        this.waiting.push(o);
        continue;
      }
      const nameErrors = interfaceNameProblems(o);
      if (nameErrors.length > 0) this.results.push(...nameErrors);
      else if (o.spec.cniType === undefined) this.loopbacks.push(o);
      else this.interfaces.push(o);
    }
  }

  /**
   * The addresses of an Interface from its claims; an error result when a claim is missing or has
   * no address yet (never an empty address, which would give the pod `addresses: [{}]`).
   */
  attachment(itf: Interface): Attachment | undefined {
    if (this.attachments.has(itf)) return this.attachments.get(itf);
    const addresses: string[] = [];
    const gateways: (string | undefined)[] = [];
    const routes: (readonly string[] | undefined)[] = [];
    let ok = true;
    for (const family of familiesOf(normalizeFamilyPolicy(itf.spec.ipFamilyPolicy))) {
      const name = claimName(itf, family);
      const claim = this.claims.get(claimKey(packagePathOf(itf), namespaceOf(itf), name));
      const prefix = claim && claimedPrefix(claim);
      if (!claim || !prefix) {
        ok = false;
        this.results.push(
          errorFor(
            itf,
            claim
              ? `IPClaim ${name} of Interface ${nameOf(itf)} has no status.prefix yet: run ipam-fn before this function ` +
                  `(pipeline order: interface-fn, ipam-fn, nad-fn, deployment-annotate-fn)`
              : `Interface ${nameOf(itf)} has no IPClaim ${name}${this.lookalikes(itf)}: run interface-fn and ipam-fn before this function`,
            'spec.ipFamilyPolicy',
          ),
        );
        continue;
      }
      addresses.push(prefix);
      gateways.push(claimGateway(claim));
      routes.push(getAnnotation(claim, BOUND_ANNOTATION) === undefined ? undefined : (claimRoutes(claim) ?? []));
    }
    const result = ok ? { itf, addresses, gateways, routes } : undefined;
    this.attachments.set(itf, result);
    return result;
  }

  /**
   * Claims another tool made for this Interface (Nephio's functions name their children after the
   * owner annotation, not always `<for>-<if>-<family>`), said in the message so nobody wonders why
   * they are not read: only the claims interface-fn generates bind an Interface's addresses.
   */
  private lookalikes(itf: Interface): string {
    const names = this.claimsByOwner().get(`${packagePathOf(itf)}|${childAnnotations(itf)[ANNOTATIONS.owner]}`) ?? [];
    if (names.length === 0) return '';
    const list = [...names].sort().join(', ');
    return ` (IPClaim ${list} names it as owner but was not made by interface-fn, so it is not read)`;
  }
  private ownerIndex?: Map<string, string[]>;
  private claimsByOwner(): Map<string, string[]> {
    if (this.ownerIndex) return this.ownerIndex;
    const index = new Map<string, string[]>();
    for (const claim of this.claims.values()) {
      const owner = getAnnotation(claim, ANNOTATIONS.owner);
      if (owner === undefined || getAnnotation(claim, FROM_INTERFACE) !== undefined) continue;
      const k = `${packagePathOf(claim)}|${owner}`;
      index.set(k, [...(index.get(k) ?? []), nameOf(claim)]);
    }
    this.ownerIndex = index;
    return index;
  }

  /**
   * The addresses an Interface's claims hold now, without reporting a missing claim or address
   * (undefined then): for matching an entry's `ips` to the Interface that holds them.
   */
  currentAddresses(itf: Interface): string[] | undefined {
    const addresses: string[] = [];
    for (const family of familiesOf(normalizeFamilyPolicy(itf.spec.ipFamilyPolicy))) {
      const claim = this.claims.get(claimKey(packagePathOf(itf), namespaceOf(itf), claimName(itf, family)));
      const prefix = claim && claimedPrefix(claim);
      if (!prefix) return undefined;
      addresses.push(prefix);
    }
    return addresses;
  }

  /**
   * The Interfaces a workload in `pkg`/`namespace` can name, innermost package first: those of
   * its namespace in its package and the packages enclosing it.
   */
  visibleFrom(pkg: string, namespace: string): Interface[] {
    if (!this.byPackage) {
      this.byPackage = new Map();
      for (const i of this.interfaces) {
        const k = `${packagePathOf(i)}|${namespaceOf(i)}`;
        this.byPackage.set(k, [...(this.byPackage.get(k) ?? []), i]);
      }
    }
    const out: Interface[] = [];
    for (const p of enclosingPackages(pkg)) {
      for (const i of this.byPackage.get(`${p}|${namespace}`) ?? []) if (!out.includes(i)) out.push(i);
    }
    return out;
  }
  private byPackage?: Map<string, Interface[]>;

  /**
   * The Interface a workload in `pkg`/`namespace` means by a selection entry: one of its namespace
   * named `ref`, or whose NAD is `entryNamespace/ref`. Among several, the one in the innermost
   * package enclosing the workload.
   */
  resolve(
    pkg: string,
    namespace: string,
    ref: string,
    entryNamespace: string | undefined,
    nadOf: (i: Interface) => { name: string; namespace: string },
  ): Interface | undefined {
    const index = this.byRef(nadOf);
    for (const p of enclosingPackages(pkg)) {
      const matches = (index.get(`${p}|${namespace}|${ref}`) ?? []).filter((i) => {
        if (nameOf(i) === ref && (entryNamespace === undefined || entryNamespace === namespace)) return true;
        const nad = nadOf(i);
        return nad.name === ref && (entryNamespace ?? namespace) === nad.namespace;
      });
      if (matches.length > 0) return matches.find((i) => nameOf(i) === ref) ?? matches[0];
    }
    return undefined;
  }

  /** Interfaces by `<package>|<namespace>|<Interface name>` and `...|<NAD name>`, built once. */
  private refIndex?: Map<string, Interface[]>;
  private byRef(nadOf: (i: Interface) => { name: string }): Map<string, Interface[]> {
    if (this.refIndex) return this.refIndex;
    const index = new Map<string, Interface[]>();
    const add = (key: string, i: Interface): void => {
      const list = index.get(key);
      if (!list) index.set(key, [i]);
      else if (!list.includes(i)) list.push(i);
    };
    for (const i of this.interfaces) {
      const pkg = packagePathOf(i);
      add(`${pkg}|${namespaceOf(i)}|${nameOf(i)}`, i);
      add(`${pkg}|${namespaceOf(i)}|${nadOf(i).name}`, i);
    }
    this.refIndex = index;
    return index;
  }
}

function claimKey(pkg: string, ns: string, name: string): string {
  return `${pkg}|${ns}|${name}`;
}
