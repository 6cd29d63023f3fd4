/**
 * A prefix as the render finds it - in a NetworkInstance, an IPPrefix or a Nephio Network - and
 * what it is for. The pools module (NetworkInstances, IPPrefixes) and the networks module
 * (Networks) both produce it, and routes read it; it lives here so that none of the three has to
 * import another for it.
 */
import type { Pool } from './ipam';
import type { KubeObject } from './kube/object';

/**
 * What a prefix is for (Nephio's prefix kinds): `network` subnets hand out interface addresses,
 * `pool` prefixes hand out whole blocks (a UE pool of `kind: pool` claims), `loopback` prefixes
 * hand out host addresses (/32, /128) to `kind: loopback` claims.
 */
export type PrefixKind = 'network' | 'pool' | 'loopback';

/** Where a NetworkInstance or Network prefix says its kind; without it a prefix is a network. */
export const PREFIX_KIND_LABEL = 'nephio.org/prefix-kind';

/** The kind of a prefix; undefined for kinds that hand nothing out themselves (aggregates). */
export function prefixKindOf(text: string | undefined): PrefixKind | undefined {
  if (text === undefined || text === 'network') return 'network';
  return text === 'pool' || text === 'loopback' ? text : undefined;
}

/** A pool as found in the render: where it came from, which network instance, which labels. */
export interface PoolSource {
  readonly networkInstance: string;
  readonly kind: PrefixKind;
  readonly pool: Pool;
  readonly labels: Record<string, string>;
  /** The resource that defines it, and the field, for error messages. */
  readonly definedBy: KubeObject;
  /** e.g. `spec.prefixes[1]`, `spec.routingTables[0].prefixes[1]`. */
  readonly field: string;
}
