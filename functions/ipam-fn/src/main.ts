import { mainAsync } from '../../lib/src/runner';
import { ipamWithLedger } from './edge';

const USAGE = `ipam-fn: allocates every IPClaim (ipam.resource.nephio.org/v1alpha1) from the pools of its network
instance (NetworkInstance spec.prefixes, IPPrefix, or the functionConfig) and records the address in
status.prefix (address/subnet-length) and status.gateway. Existing addresses never move.
With a ConfigMap functionConfig holding ledgerEndpoints (etcd client URLs) and ledgerPrefix, addresses
are unique across every render that shares the ledger (see README).
`;

mainAsync('ipam-fn', USAGE, ipamWithLedger);
