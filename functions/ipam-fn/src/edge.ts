import { generalError, hasErrors, KubeObject, readFunctionConfig, ResourceList, Result, unknownConfigKeys } from '../../lib/src';
import { CONFIG_KEYS, functionLedgerConfig, withAddressLedger } from '../../lib/src/ledger';
import { TransformOutput } from '../../lib/src/runner';
import { IPAM_FN_CONFIG_KEYS, ipamFn } from './transform';

/** Every ConfigMap key of ipam-fn: the transform's and the ledger edge's. */
export const IPAM_FN_ALL_CONFIG_KEYS: readonly string[] = [...IPAM_FN_CONFIG_KEYS, ...Object.values(CONFIG_KEYS)];

/**
 * ipam-fn as it runs: with ledger keys in its ConfigMap, the pure transform runs against the shared
 * ledger (snapshot, transform, compare-and-swap commit); without, within the render. netpipe-fn's
 * ipam step is this same function, with the later steps as `then`: they run before the commit, so
 * a render they fail commits nothing.
 */
export async function ipamWithLedger(input: ResourceList, then?: (out: TransformOutput) => TransformOutput): Promise<TransformOutput> {
  const typos = unknownIpamKeys(input.functionConfig);
  if (hasErrors(typos)) return { items: input.items, results: typos };
  const ledger = functionLedgerConfig(input.functionConfig);
  if (!ledger.ok) return { items: input.items, results: [generalError(`ipam-fn: functionConfig: ${ledger.error}`)] };
  const out = ledger.value ? await withAddressLedger(ledger.value, input, (hooks, items) => ipamFn(items === input.items ? input : { ...input, items }, hooks), { then }) : ipamFn(input);
  return typos.length > 0 ? { ...out, results: [...typos, ...out.results] } : out;
}

/**
 * A misspelt key (`ledgerEndpoint`, `vlanRanges`) would otherwise switch a feature off in silence -
 * worst of all the ledger, whose absence means allocating within the render alone.
 */
function unknownIpamKeys(fc: KubeObject | undefined): Result[] {
  if (!fc) return [];
  return readFunctionConfig(fc).configMaps.flatMap((m) => unknownConfigKeys('ipam-fn', m, ['data'], IPAM_FN_ALL_CONFIG_KEYS));
}
