import { isObject, KubeObject } from './kube/object';
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
    results.push(warningFor(fc, `${fn} ignores functionConfig key ${key} (${known}): remove it or fix its spelling`, key));
  }
  if (data !== undefined && isObject(fc.data)) {
    for (const key of Object.keys(fc.data)) {
      if (data.includes(key)) continue;
      const known = data.length > 0 ? `its keys are ${data.join(', ')}` : 'it reads no data keys';
      results.push(errorFor(fc, `unknown key ${key} in ${fn}'s functionConfig (${known}): remove it or fix its spelling`, `data.${key}`));
    }
  }
  return results;
}
