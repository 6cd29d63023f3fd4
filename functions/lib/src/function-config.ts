import { isObject, KubeObject } from './kube/object';
import { Result, warningFor } from './results';

const ENVELOPE = new Set(['apiVersion', 'kind', 'metadata']);

/**
 * Warnings for functionConfig keys a function does not read, so a typo (`dta:`, `defaultRouteNetwork`)
 * is said rather than silently ignored. `top` are the keys read besides apiVersion/kind/metadata;
 * `data`, when given, are the keys read under `data` (undefined: `data` is not checked here).
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
      results.push(warningFor(fc, `${fn} ignores functionConfig key data.${key} (${known}): remove it or fix its spelling`, `data.${key}`));
    }
  }
  return results;
}
