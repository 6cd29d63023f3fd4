import { generalError, hasErrors, ResourceList } from '../../lib/src';
import { functionLedgerConfig, withAddressLedger } from '../../lib/src/ledger';
import { TransformOutput } from '../../lib/src/runner';
import { ipamFn } from './transform';
import { unknownIpamKeys } from './config';

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
