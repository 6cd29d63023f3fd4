import { errorFor, isObject, KubeObject, Result, scalarText, unknownConfigKeys, unknownDataKey } from '../../lib/src';

export interface AnnotateConfig {
  /**
   * Network instances that become the pod's default route: their entries get Multus'
   * `default-route` with the gateway of every family the interface has.
   */
  defaultRouteNetworks: Set<string>;
}

/** The functionConfig keys this function reads; netpipe-fn routes these keys of its combined config here. */
export const ANNOTATE_FN_CONFIG_KEYS: readonly string[] = ['defaultRouteNetworks'];

/** Reads the optional functionConfig, a ConfigMap: `data.defaultRouteNetworks: "vpc-n6, vpc-sgi"`. */
export function readConfig(fc: KubeObject | undefined, results: Result[]): AnnotateConfig {
  const config: AnnotateConfig = { defaultRouteNetworks: new Set() };
  if (!fc) return config;
  if (fc.kind !== 'ConfigMap') {
    results.push(errorFor(fc, `deployment-annotate-fn takes a ConfigMap as functionConfig, not a ${fc.kind}`, 'kind', fc.kind));
    return config;
  }
  results.push(...unknownConfigKeys('deployment-annotate-fn', fc, ['data']));
  const data = isObject(fc.data) ? fc.data : {};
  for (const key of Object.keys(data)) {
    if (!ANNOTATE_FN_CONFIG_KEYS.includes(key)) results.push(unknownDataKey('deployment-annotate-fn', fc, key, ANNOTATE_FN_CONFIG_KEYS));
  }
  for (const n of (scalarText(data.defaultRouteNetworks) ?? '').split(',')) if (n.trim()) config.defaultRouteNetworks.add(n.trim());
  return config;
}
