/**
 * Nephio's `infra.nephio.org/v1alpha1` `Network`: each routing table is a network instance (the
 * name claims and Interfaces use) and its `prefixes` are what the network hands out. A prefix
 * labelled `nephio.org/prefix-kind: pool` or `loopback` serves those claims directly; any other
 * prefix is an aggregate that Nephio's network controller carves into one subnet per cluster -
 * which ipam-fn does at package time instead (see its network-aggregates module).
 */
import { createPool } from './ipam';
import { isKind, isObject, KubeObject, nameOf, scalarText, stringMap } from './kube/object';
import { PoolSource, PREFIX_KIND_LABEL, prefixKindOf } from './prefix-source';
import { errorFor, Result } from './results';

export const NETWORK_API = { apiVersion: 'infra.nephio.org/v1alpha1', kind: 'Network' } as const;

export const isNetwork = (o: KubeObject): boolean => isKind(o, NETWORK_API.apiVersion, NETWORK_API.kind);

/**
 * One prefix of one routing table of a Network, the same record as a NetworkInstance's: the
 * network instance is the routing table's name; `kind` is `network` for aggregates (carved per
 * cluster, their pool without gateway: they hand out subnets, never addresses), while `pool` and
 * `loopback` prefixes serve claims directly.
 */
export type NetworkPrefix = PoolSource;

/** Every routing-table prefix of the Networks among `items`; malformed entries become errors. */
export function collectNetworkPrefixes(items: readonly KubeObject[]): { prefixes: NetworkPrefix[]; results: Result[] } {
  const prefixes: NetworkPrefix[] = [];
  const results: Result[] = [];
  for (const o of items.filter(isNetwork)) {
    const spec = isObject(o.spec) ? o.spec : {};
    const tables = spec.routingTables;
    if (tables === undefined) continue;
    if (!Array.isArray(tables)) {
      results.push(errorFor(o, `Network ${nameOf(o)}: spec.routingTables must be a list of routing tables`, 'spec.routingTables'));
      continue;
    }
    tables.forEach((table, i) => {
      const at = `spec.routingTables[${i}]`;
      const name = isObject(table) ? scalarText(table.name) : undefined;
      if (!isObject(table) || !name) {
        results.push(errorFor(o, `Network ${nameOf(o)}: ${at} needs a name (the network instance its prefixes belong to)`, `${at}.name`));
        return;
      }
      const list = table.prefixes ?? [];
      if (!Array.isArray(list)) {
        results.push(errorFor(o, `Network ${nameOf(o)}: ${at}.prefixes must be a list of {prefix, labels}`, `${at}.prefixes`));
        return;
      }
      list.forEach((entry, j) => {
        const field = `${at}.prefixes[${j}]`;
        const text = isObject(entry) ? scalarText(entry.prefix) : undefined;
        if (!isObject(entry) || !text) {
          results.push(errorFor(o, `Network ${nameOf(o)}: ${field}.prefix is required`, `${field}.prefix`));
          return;
        }
        const labels = stringMap(entry.labels);
        const kind = prefixKindOf(labels[PREFIX_KIND_LABEL] === 'aggregate' ? undefined : labels[PREFIX_KIND_LABEL]);
        if (kind === undefined) {
          results.push(
            errorFor(o, `Network ${nameOf(o)}: ${field} has ${PREFIX_KIND_LABEL} ${JSON.stringify(labels[PREFIX_KIND_LABEL])}; the kinds are network, aggregate, pool and loopback`, `${field}.labels`),
          );
          return;
        }
        const created = createPool({ prefix: text, gateway: null, name: `Network ${nameOf(o)} routing table ${name}` });
        if (!created.ok) {
          results.push(errorFor(o, created.error.message, `${field}.prefix`, text));
          return;
        }
        prefixes.push({ networkInstance: name, kind, pool: created.value, labels, definedBy: o, field });
      });
    });
  }
  return { prefixes, results };
}
