import { KubeObject, Result, unknownConfigKeys } from '../../lib/src';

/** interface-fn has no settings; netpipe-fn routes none of its combined config here. */
export const INTERFACE_FN_CONFIG_KEYS: readonly string[] = [];

/** Whatever a functionConfig holds is ignored, and said: a key meant for another step is misplaced. */
export function readConfig(fc: KubeObject | undefined, results: Result[]): void {
  results.push(...unknownConfigKeys('interface-fn', fc, ['data'], INTERFACE_FN_CONFIG_KEYS));
}
