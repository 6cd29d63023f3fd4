import { API } from './api/types';
import { isKind, isObject, KubeObject, scalarText } from './kube/object';
import { closestKey } from './closest-key';
import { errorFor, Result, warningFor } from './results';

const ENVELOPE = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * Results for functionConfig keys a function does not read, so a typo (`dta:`, `defaultRouteNetwork`)
 * is said rather than silently ignored: a `data` key is a setting meant for someone, so an unknown
 * one is an error (as in every function and netpipe-fn); any other top-level key is a warning.
 * `top` are the keys read besides apiVersion/kind/metadata; `data`, when given, the keys read under
 * `data` (undefined: `data` is checked by the caller).
 */
export function unknownConfigKeys(fn: string, fc: KubeObject | undefined, top: readonly string[], data?: readonly string[]): Result[] {
  if (!fc) return [];
  const results: Result[] = [];
  const allowedTop = new Set([...ENVELOPE, ...top]);
  for (const key of Object.keys(fc)) {
    if (allowedTop.has(key)) continue;
    const known = top.length > 0 ? `it reads ${top.join(', ')}` : 'it reads none';
    results.push(warningFor(fc, `${fn} ignores functionConfig key ${key} (${known}): ${fixHint(key, top)}`, key));
  }
  if (data !== undefined && isObject(fc.data)) {
    for (const key of Object.keys(fc.data)) if (!data.includes(key)) results.push(unknownDataKey(fn, fc, key, data));
  }
  return results;
}

/**
 * The error for a `data` key of a ConfigMap `fc` that `fn` does not read (`known` are the keys it
 * reads). Every function and netpipe-fn says it this way, so the wording and the guess are one.
 */
export function unknownDataKey(fn: string, fc: KubeObject, key: string, known: readonly string[]): Result {
  const keys = known.length > 0 ? `its keys are ${known.join(', ')}` : 'it reads no data keys';
  return errorFor(fc, `unknown key ${key} in ${fn}'s functionConfig (${keys}): ${fixHint(key, known)}`, `data.${key}`);
}

function fixHint(key: string, known: readonly string[]): string {
  const guess = closestKey(key, known);
  return guess === undefined ? 'remove it or fix its spelling' : `did you mean ${guess}?`;
}

/**
 * A function's functionConfig taken apart once, whatever form it came in: a ConfigMap, a pool
 * resource, or a List of them (netpipe-fn hands ipam-fn its pools and keys that way). Every
 * function and step reads its settings and pools from here, so a form one reader knows is a form
 * all of them know: a List must never switch a setting (above all the ledger) off.
 */
export interface FunctionConfigParts {
  /** The ConfigMaps, alone or from a List, in order. */
  readonly configMaps: readonly KubeObject[];
  /** `data` of the ConfigMaps as text (a later ConfigMap's key wins; `null` and maps read as undefined). */
  readonly data: Readonly<Record<string, string | undefined>>;
  /** The ConfigMap a setting of `data` comes from, for results that point at it. */
  readonly dataSource: (key: string) => KubeObject | undefined;
  readonly networkInstances: readonly KubeObject[];
  readonly ipPrefixes: readonly KubeObject[];
  /** NetworkInstances and IPPrefixes in the order given. */
  readonly pools: readonly KubeObject[];
  readonly vlanIndexes: readonly KubeObject[];
  /** Items of a List (or the functionConfig itself) of any other kind, and non-objects. */
  readonly unknown: readonly unknown[];
  /** The functionConfig was a List. */
  readonly isList: boolean;
}

const isNamed = (o: KubeObject, api: { apiVersion: string; kind: string }): boolean => isKind(o, api.apiVersion, api.kind);

export function readFunctionConfig(fc: KubeObject | undefined): FunctionConfigParts {
  const configMaps: KubeObject[] = [];
  const networkInstances: KubeObject[] = [];
  const ipPrefixes: KubeObject[] = [];
  const pools: KubeObject[] = [];
  const vlanIndexes: KubeObject[] = [];
  const unknown: unknown[] = [];
  const isList = fc?.kind === 'List';
  const sort = (o: unknown): void => {
    if (!isObject(o)) return void unknown.push(o);
    const k = o as KubeObject;
    if (k.kind === 'ConfigMap') configMaps.push(k);
    else if (isNamed(k, API.networkInstance)) {
      networkInstances.push(k);
      pools.push(k);
    } else if (isNamed(k, API.ipPrefix)) {
      ipPrefixes.push(k);
      pools.push(k);
    } else if (isNamed(k, API.vlanIndex)) vlanIndexes.push(k);
    else unknown.push(k);
  };
  if (fc && isList) for (const o of Array.isArray(fc.items) ? fc.items : []) sort(o);
  else if (fc) sort(fc);

  // No prototype: keys are user text.
  const data = Object.create(null) as Record<string, string | undefined>;
  const source = new Map<string, KubeObject>();
  for (const cm of configMaps) {
    if (!isObject(cm.data)) continue;
    for (const [k, v] of Object.entries(cm.data)) {
      data[k] = scalarText(v);
      source.set(k, cm);
    }
  }
  return { configMaps, data, dataSource: (key) => source.get(key) ?? configMaps[0], networkInstances, ipPrefixes, pools, vlanIndexes, unknown, isList };
}
