import { API, LABELS } from './api/types';
import { createPool } from './ipam';
import { isKind, isObject, KubeObject, nameOf, scalarText, stringMap } from './kube/object';
import { readFunctionConfig } from './function-config';
import { isRoutePolicy, ROUTE_POLICIES, ROUTE_POLICY_ANNOTATION, ROUTE_POLICY_LABEL, routePolicyOf } from './routes';
import { errorFor, Result } from './results';
import { validateResource } from './schema/validate';
import { collectNetworkPrefixes } from './networks';
import { PoolSource, PREFIX_KIND_LABEL, prefixKindOf, PrefixKind } from './prefix-source';

export { PREFIX_KIND_LABEL, prefixKindOf } from './prefix-source';
export type { PoolSource, PrefixKind } from './prefix-source';

export const isNetworkInstance = (o: KubeObject): boolean =>
  isKind(o, API.networkInstance.apiVersion, API.networkInstance.kind);
export const isIPPrefix = (o: KubeObject): boolean => isKind(o, API.ipPrefix.apiVersion, API.ipPrefix.kind);

function stringList(v: unknown): string[] {
  return Array.isArray(v) ? v.map(scalarText).filter((s): s is string => s !== undefined) : [];
}

/**
 * The gateway of a pool: an explicit `gateway` field, else the `nephio.org/gateway` label when it
 * holds an address (label values cannot hold an IPv6 address, hence the field), else the
 * allocator's default, the first usable address.
 */
function gatewayOf(entry: Record<string, unknown>, labels: Record<string, string>): string | undefined {
  const explicit = scalarText(entry.gateway);
  if (explicit) return explicit;
  const label = labels[LABELS.gateway];
  return label && /[.:]/.test(label) ? label : undefined;
}

/**
 * Collects pools from NetworkInstance `spec.prefixes[]`, IPPrefix resources and the function's
 * own config (a NetworkInstance, an IPPrefix, or a List of them). Each pool is validated here;
 * a bad one becomes an error result on the resource and field that defines it.
 */
/** A pool definition refused as invalid (its error is already a result): claims name it as the cause. */
export interface InvalidPool {
  readonly networkInstance: string;
  readonly prefix: string;
  readonly definedBy: KubeObject;
}

export function collectPools(items: readonly KubeObject[], functionConfig?: KubeObject): { pools: PoolSource[]; results: Result[]; invalid: InvalidPool[] } {
  const pools: PoolSource[] = [];
  const results: Result[] = [];
  const invalid: InvalidPool[] = [];
  const sources: KubeObject[] = items.filter((o) => isNetworkInstance(o) || isIPPrefix(o));
  if (functionConfig) {
    const parts = readFunctionConfig(functionConfig);
    sources.push(...parts.pools);
    for (const o of parts.unknown) {
      const what = isObject(o) ? `a ${String(o.kind)}` : 'a non-object';
      results.push(
        parts.isList
          ? errorFor(functionConfig, `ipam-fn's functionConfig List holds NetworkInstances, IPPrefixes, VLANIndexes and a ConfigMap, not ${what}`, 'items')
          : errorFor(
              functionConfig,
              `ipam-fn takes a NetworkInstance, an IPPrefix, a VLANIndex, a List of them or a ConfigMap as functionConfig, not ${what}`,
              'kind',
              functionConfig.kind,
            ),
      );
    }
  }

  const add = (o: KubeObject, ni: string, entry: Record<string, unknown>, field: string, kind: PrefixKind): void => {
    const labels = stringMap(entry.labels);
    const prefix = scalarText(entry.prefix) ?? '';
    const created = createPool({
      prefix,
      // Blocks and loopbacks have no subnet of their own, hence no gateway.
      gateway: kind === 'network' ? gatewayOf(entry, labels) : null,
      exclusions: stringList(entry.exclude),
      name: `${o.kind} ${nameOf(o)}`,
    });
    if (!created.ok) {
      // Field paths as the user wrote them: the allocator's `exclusions` are the resource's `exclude`.
      const own = created.error.field?.replace(/^exclusions\b/, 'exclude');
      const sub = own && own !== 'prefix' ? `${field}.${own}` : `${field}.prefix`;
      // The value of the field named, so a refused gateway or exclusion is shown, not the prefix.
      const excluded = own === undefined ? null : /^exclude\[(\d+)\]$/.exec(own);
      const current = own === 'gateway' ? gatewayOf(entry, labels) : excluded ? stringList(entry.exclude)[Number(excluded[1])] : prefix;
      results.push(errorFor(o, created.error.message, sub, current ?? prefix));
      invalid.push({ networkInstance: ni, prefix, definedBy: o });
      return;
    }
    const policy = routePolicyOf(o);
    // Only a policy other than the default travels: pools published without one stay equal.
    if (policy !== undefined && policy !== 'all') labels[ROUTE_POLICY_LABEL] = policy;
    pools.push({ networkInstance: ni, kind, pool: created.value, labels, definedBy: o, field });
  };

  for (const o of sources) {
    const errors = validateResource(o);
    if (errors.length > 0) {
      results.push(...errors);
      continue;
    }
    const policy = routePolicyOf(o);
    if (policy !== undefined && !isRoutePolicy(policy)) {
      results.push(
        errorFor(
          o,
          `${o.kind} ${nameOf(o)}: annotation ${ROUTE_POLICY_ANNOTATION} ${JSON.stringify(policy)} is not a route policy: use ${ROUTE_POLICIES.join(', ')}`,
          `metadata.annotations[${ROUTE_POLICY_ANNOTATION}]`,
          policy,
        ),
      );
      continue;
    }
    const spec = isObject(o.spec) ? o.spec : {};
    if (isNetworkInstance(o)) {
      const entries = Array.isArray(spec.prefixes) ? spec.prefixes : [];
      entries.forEach((e, i) => {
        if (!isObject(e)) return;
        const kind = prefixKindOf(stringMap(e.labels)[PREFIX_KIND_LABEL]);
        if (kind !== undefined) add(o, nameOf(o), e, `spec.prefixes[${i}]`, kind);
      });
    } else {
      const ni = isObject(spec.networkInstance) ? scalarText(spec.networkInstance.name) ?? '' : '';
      const kind = prefixKindOf(scalarText(spec.kind));
      if (kind !== undefined) add(o, ni, spec, 'spec', kind);
    }
  }
  // A Network's pool and loopback prefixes serve claims as they are; its other prefixes are
  // aggregates, carved per cluster by ipam-fn (which also reports malformed Networks).
  for (const p of collectNetworkPrefixes(items).prefixes) {
    if (p.kind !== 'network') pools.push({ networkInstance: p.networkInstance, kind: p.kind, pool: p.pool, labels: p.labels, definedBy: p.definedBy, field: p.field });
  }
  return { pools, results, invalid };
}

/**
 * Does a pool serve a claim with this selector? A label the pool carries must agree with the
 * selector; a selector key the pool does not carry does not exclude it (one shared subnet serves
 * every cluster). The family follows from the prefix itself.
 */
export function poolMatches(source: PoolSource, selector: Record<string, string>): number | undefined {
  const family = selector[LABELS.addressFamily];
  if (family && family !== source.pool.family) return undefined;
  let specificity = 0;
  for (const [k, v] of Object.entries(selector)) {
    if (k === LABELS.addressFamily) continue;
    const have = source.labels[k];
    if (have === undefined) continue;
    if (have !== v) return undefined;
    specificity++;
  }
  return specificity;
}
