import { errorFor, isObject, KubeObject, Result, scalarText, unknownConfigKeys, unknownDataKey } from '../../lib/src';

export interface NadFnConfig {
  cniVersion: string;
  /** The device plugin resource SR-IOV NADs request (`k8s.v1.cni.cncf.io/resourceName`). */
  sriovResourceName?: string;
}

/** 0.3.1 is what Nephio emits and what every plugin release since 2017 accepts. */
export const DEFAULT_CNI_VERSION = '0.3.1';
const KNOWN_VERSIONS = ['0.3.0', '0.3.1', '0.4.0', '1.0.0', '1.1.0'];

/** The functionConfig keys nad-fn reads; netpipe-fn routes these keys of its combined config here. */
export const NAD_FN_CONFIG_KEYS: readonly string[] = ['cniVersion', 'sriovResourceName'];

/**
 * Reads the optional functionConfig, a ConfigMap:
 *   data.cniVersion: "0.3.1"
 *   data.sriovResourceName: "intel.com/sriov_netdevice"
 */
export function readConfig(fc: KubeObject | undefined, results: Result[]): NadFnConfig {
  const config: NadFnConfig = { cniVersion: DEFAULT_CNI_VERSION };
  if (!fc) return config;
  if (fc.kind !== 'ConfigMap') {
    results.push(errorFor(fc, `nad-fn takes a ConfigMap as functionConfig, not a ${fc.kind}`, 'kind', fc.kind));
    return config;
  }
  results.push(...unknownConfigKeys('nad-fn', fc, ['data']));
  const data = isObject(fc.data) ? fc.data : {};
  for (const key of Object.keys(data)) if (!NAD_FN_CONFIG_KEYS.includes(key)) results.push(unknownDataKey('nad-fn', fc, key, NAD_FN_CONFIG_KEYS));
  const version = scalarText(data.cniVersion);
  if (version !== undefined) {
    if (!KNOWN_VERSIONS.includes(version)) {
      results.push(
        errorFor(fc, `cniVersion ${version} is not a CNI spec version: use one of ${KNOWN_VERSIONS.join(', ')}`, 'data.cniVersion', version),
      );
    } else config.cniVersion = version;
  }
  const resource = scalarText(data.sriovResourceName);
  if (resource) config.sriovResourceName = resource;
  return config;
}
