import { errorFor, isObject, KubeObject, readFunctionConfig, Result, unknownDataKey } from '../../lib/src';
import { Step } from './steps';

export interface SplitConfig {
  /** The functionConfig each step gets, by step name; a step without any of its keys gets none. */
  byStep: Map<string, KubeObject | undefined>;
  results: Result[];
}

/**
 * Splits netpipe-fn's one functionConfig into what each step would get as a function of its own:
 * a ConfigMap's `data` keys go to the step that reads them (one ConfigMap per step, same metadata,
 * only its keys), pools (NetworkInstance, IPPrefix) go to ipam-fn. A List may carry both. A key no
 * step reads is an error, as it is for each function alone.
 */
export function splitConfig(fc: KubeObject | undefined, steps: readonly Step[]): SplitConfig {
  const byStep = new Map<string, KubeObject | undefined>(steps.map((s) => [s.name, undefined]));
  const results: Result[] = [];
  if (!fc) return { byStep, results };

  const parts = readFunctionConfig(fc);
  const configMaps = parts.configMaps;
  const pools = [...parts.pools, ...parts.vlanIndexes];
  const wellFormed = (o: unknown): boolean => isObject(o) && typeof o.kind === 'string' && isObject(o.metadata);
  if (parts.isList && !(Array.isArray(fc.items) ? fc.items : []).every(wellFormed)) {
    results.push(errorFor(fc, 'every item of the functionConfig List needs apiVersion, kind and metadata', 'items'));
  }
  for (const o of parts.unknown) {
    if (parts.isList && !wellFormed(o)) continue;
    const kind = String((o as KubeObject).kind);
    results.push(
      errorFor(
        fc,
        `netpipe-fn takes a ConfigMap (the steps' keys), a NetworkInstance, an IPPrefix, a VLANIndex or a List of them as ` +
          `functionConfig, not a ${kind}`,
        'kind',
        kind,
      ),
    );
  }

  const known = [...new Set(steps.flatMap((s) => s.configKeys))];
  const data = new Map<string, Array<[string, unknown]>>();
  for (const cm of configMaps) {
    const entries = isObject(cm.data) ? Object.entries(cm.data) : [];
    for (const [key, value] of entries) {
      const owners = steps.filter((s) => s.configKeys.includes(key));
      if (owners.length === 0) {
        results.push(unknownDataKey('netpipe-fn', cm, key, known));
        continue;
      }
      for (const s of owners) data.set(s.name, [...(data.get(s.name) ?? []), [key, value]]);
    }
  }

  for (const s of steps) {
    const own = data.get(s.name);
    const stepPools = s.takesPools ? pools : [];
    if (own && stepPools.length > 0) {
      // ConfigMap keys and pools together: a List, the form ipam-fn takes both in.
      byStep.set(s.name, { ...fc, kind: 'List', items: [...stepPools, ownConfigMap(configMaps[0], own)] });
    } else if (own) {
      byStep.set(s.name, ownConfigMap(configMaps[0], own));
    } else if (stepPools.length > 0) {
      byStep.set(s.name, fc.kind === 'List' ? { ...fc, items: stepPools } : stepPools[0]);
    }
  }
  return { byStep, results };
}

function ownConfigMap(template: KubeObject, entries: Array<[string, unknown]>): KubeObject {
  return { ...template, data: Object.fromEntries(entries) };
}
