/**
 * Which subnets an attachment routes via its gateway, decided once by ipam-fn and carried on the
 * claim it binds, so a NAD's routes come out the same whether the network instance's pools are in
 * the render (a whole tree) or only in the shared ledger (each package rendered on its own, as
 * Porch does). nad-fn reads the claim's list; it computes the list itself only for claims ipam-fn
 * did not bind (made and filled by other tools).
 */
import { LABELS } from './api/types';
import { getAnnotation, KubeObject } from './kube/object';
import type { IpFamily } from './ipam';
import { parseAddressWithLength } from './ipam/address';
import type { PoolSource } from './prefix-source';

/**
 * On a NetworkInstance (or IPPrefix): which routes its attachments get. `all` (the default): every
 * other subnet of the network instance and family, and a Nephio Network's routing table; `own`:
 * only the other subnets of the attachment's own cluster (pools labelled with its cluster name);
 * `none`: no route beyond the attachment's own subnet (N6 towards a data network usually wants this).
 */
export const ROUTE_POLICY_ANNOTATION = 'netpipe.dev/routes';
export const ROUTE_POLICIES = ['all', 'own', 'none'] as const;
export type RoutePolicy = (typeof ROUTE_POLICIES)[number];

/**
 * The policy travels with each pool as a label, so pools published to the shared ledger (whose
 * definitions carry their labels) bring it to renders that do not hold the NetworkInstance. Claims
 * never select on it.
 */
export const ROUTE_POLICY_LABEL = ROUTE_POLICY_ANNOTATION;

/** On an IPClaim ipam-fn bound: the destinations routed via its gateway, comma-separated. */
export const ROUTES_ANNOTATION = 'netpipe.dev/route-destinations';

export const isRoutePolicy = (v: string | undefined): v is RoutePolicy => (ROUTE_POLICIES as readonly string[]).includes(v ?? '');

export function routePolicyOf(o: KubeObject): string | undefined {
  return getAnnotation(o, ROUTE_POLICY_ANNOTATION);
}

export interface RouteQuery {
  readonly networkInstance: string;
  readonly family: IpFamily;
  /** The attachment's address. */
  readonly value: bigint;
  /** The cluster of the claim (`own` keeps that cluster's pools). */
  readonly cluster: string | undefined;
}

/**
 * The subnets the attachment reaches via its gateway: the network instance's other pools of its
 * family and its Network aggregates (the other clusters' subnets carved from them need not be in
 * the render; the own subnet is the more specific route), a destination inside another one left
 * out, as Nephio's NADs route it. The policy is the one of the pool holding the address.
 */
export function routeDestinations(q: RouteQuery, pools: readonly PoolSource[], aggregates: readonly PoolSource[]): string[] {
  const mine = pools.filter((p) => p.networkInstance === q.networkInstance && p.pool.family === q.family);
  const own = mine.find((p) => p.pool.contains(q.value));
  const label = own?.labels[ROUTE_POLICY_LABEL];
  const policy: RoutePolicy = isRoutePolicy(label) ? label : 'all';
  if (policy === 'none') return [];
  const others = mine.filter((p) => !p.pool.contains(q.value) && (policy === 'all' || p.labels[LABELS.clusterName] === q.cluster));
  const dsts = [
    ...others.map((p) => p.pool),
    ...(policy === 'all' ? aggregates.filter((a) => a.networkInstance === q.networkInstance && a.pool.family === q.family).map((a) => a.pool) : []),
  ];
  const kept = dsts.filter((d) => !dsts.some((o) => o.id !== d.id && o.network <= d.network && d.lastAddress <= o.lastAddress));
  return [...new Set(kept.map((d) => d.id))].sort();
}

/** The list a claim carries, or undefined when it carries none (not bound by ipam-fn). */
export function claimRoutes(claim: KubeObject): readonly string[] | undefined {
  const text = getAnnotation(claim, ROUTES_ANNOTATION);
  if (text === undefined) return undefined;
  // ipam-fn rewrites the list every render; an entry that is no prefix is never routed.
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && parseAddressWithLength(s).ok);
}
