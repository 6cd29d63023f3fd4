import { generalError, ResourceList } from '../../lib/src';
import { CONFIG_KEYS, functionLedgerConfig, withAddressLedger } from '../../lib/src/ledger';
import { TransformOutput } from '../../lib/src/runner';
import { IPAM_FN_CONFIG_KEYS, ipamFn } from './transform';

/** Every ConfigMap key of ipam-fn: the transform's and the ledger edge's. */
export const IPAM_FN_ALL_CONFIG_KEYS: readonly string[] = [...IPAM_FN_CONFIG_KEYS, ...Object.values(CONFIG_KEYS)];

/**
 * ipam-fn as it runs: with ledger keys in its ConfigMap, the pure transform runs against the shared
 * ledger (snapshot, transform, compare-and-swap commit); without, within the render. netpipe-fn's
 * ipam step is this same function.
 */
export async function ipamWithLedger(input: ResourceList): Promise<TransformOutput> {
  const ledger = functionLedgerConfig(input.functionConfig);
  if (!ledger.ok) return { items: input.items, results: [generalError(`ipam-fn: functionConfig: ${ledger.error}`)] };
  if (!ledger.config) return ipamFn(input);
  return withAddressLedger(ledger.config, input, (hooks) => ipamFn(input, hooks));
}
