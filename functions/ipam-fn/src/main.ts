import { generalError } from '../../lib/src';
import { functionLedgerConfig, withAddressLedger } from '../../lib/src/ledger';
import { mainAsync } from '../../lib/src/runner';
import { ipamFn } from './transform';

const USAGE = `ipam-fn: allocates every IPClaim (ipam.resource.nephio.org/v1alpha1) from the pools of its network
instance (NetworkInstance spec.prefixes, IPPrefix, or the functionConfig) and records the address in
status.prefix (address/subnet-length) and status.gateway. Existing addresses never move.
With a ConfigMap functionConfig holding ledgerEndpoints (etcd client URLs) and ledgerPrefix, addresses
are unique across every render that shares the ledger (see README).
`;

mainAsync('ipam-fn', USAGE, async (input) => {
  const ledger = functionLedgerConfig(input.functionConfig);
  if (!ledger.ok) return { items: input.items, results: [generalError(`ipam-fn: functionConfig: ${ledger.error}`)] };
  if (!ledger.config) return ipamFn(input);
  return withAddressLedger(ledger.config, input, (hooks) => ipamFn(input, hooks));
});
