/**
 * ipam-fn's settings: the ConfigMap keys it reads, and their readers. Its functionConfig may also
 * carry pools (NetworkInstance, IPPrefix) and VLANIndexes, or be a List of all of them; the one
 * reader of that shape is the library's `readFunctionConfig`, and this module only interprets the
 * ConfigMap part. Each reader runs where its step needs the value, so the results keep their order.
 */
import { errorFor, KubeObject, readFunctionConfig, Result, unknownConfigKeys } from '../../lib/src';
import { parseVlanRange, VlanRangeSpec } from '../../lib/src/ipam';
import type { IpFamily } from '../../lib/src/ipam';
import { CONFIG_KEYS as LEDGER_CONFIG_KEYS } from '../../lib/src/ledger';

/** Default per-cluster subnet lengths, as Nephio's network controller carves them. */
export const DEFAULT_SUBNET_LENGTHS: Readonly<Record<IpFamily, number>> = { ipv4: 24, ipv6: 64 };
/** The key of each family's per-cluster subnet length (Network carving). */
export const SUBNET_LENGTH_KEY: Readonly<Record<IpFamily, string>> = { ipv4: 'networkSubnetLengthIPv4', ipv6: 'networkSubnetLengthIPv6' };
/** The range of every VLAN index that has no VLANIndex of its own. */
export const VLAN_RANGE_KEY = 'vlanRange';

/** The keys the pure transform reads; netpipe-fn routes these keys of its combined config here. */
export const IPAM_FN_CONFIG_KEYS: readonly string[] = [...Object.values(SUBNET_LENGTH_KEY), VLAN_RANGE_KEY];
/** Every ConfigMap key of ipam-fn: the transform's and the ledger edge's. */
export const IPAM_FN_ALL_CONFIG_KEYS: readonly string[] = [...IPAM_FN_CONFIG_KEYS, ...Object.values(LEDGER_CONFIG_KEYS)];

/**
 * A misspelt key (`ledgerEndpoint`, `vlanRanges`) would otherwise switch a feature off in silence -
 * worst of all the ledger, whose absence means allocating within the render alone.
 */
export function unknownIpamKeys(fc: KubeObject | undefined): Result[] {
  if (!fc) return [];
  return readFunctionConfig(fc).configMaps.flatMap((m) => unknownConfigKeys('ipam-fn', m, ['data'], IPAM_FN_ALL_CONFIG_KEYS));
}

/** Per-cluster subnet lengths (`data.networkSubnetLengthIPv4|IPv6`); a bad one is an error and the default stays. */
export function readSubnetLengths(fc: KubeObject | undefined, results: Result[]): Record<IpFamily, number> {
  const lengths = { ...DEFAULT_SUBNET_LENGTHS };
  const parts = readFunctionConfig(fc);
  for (const family of ['ipv4', 'ipv6'] as const) {
    const key = SUBNET_LENGTH_KEY[family];
    const text = parts.data[key];
    if (text === undefined) continue;
    const functionConfig = parts.dataSource(key) as KubeObject;
    const bits = family === 'ipv4' ? 32 : 128;
    const n = /^\d{1,3}$/.test(text) ? Number(text) : NaN;
    if (!(n >= 1 && n <= bits)) {
      results.push(errorFor(functionConfig, `${key} ${JSON.stringify(text)} is not an ${family} prefix length (1-${bits})`, `data.${key}`, text));
      continue;
    }
    lengths[family] = n;
  }
  return lengths;
}

/** `data.vlanRange` (`100-199`), undefined when unset or bad (a bad one is an error). */
export function readVlanRange(fc: KubeObject | undefined, results: Result[]): VlanRangeSpec | undefined {
  const parts = readFunctionConfig(fc);
  const text = parts.data[VLAN_RANGE_KEY];
  if (text === undefined) return undefined;
  const source = parts.dataSource(VLAN_RANGE_KEY) as KubeObject;
  const r = parseVlanRange(text);
  if (!r) {
    results.push(errorFor(source, `${VLAN_RANGE_KEY} ${JSON.stringify(text)} is not a range of VLAN IDs: write it as 100-199`, `data.${VLAN_RANGE_KEY}`, text));
    return undefined;
  }
  return { min: r.lo, max: r.hi };
}
