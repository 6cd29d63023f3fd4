import { main } from '../../lib/src/runner';
import { ipamFn } from './transform';

const USAGE = `ipam-fn: allocates every IPClaim (ipam.resource.nephio.org/v1alpha1) from the pools of its network
instance (NetworkInstance spec.prefixes, IPPrefix, or the functionConfig) and records the address in
status.prefix (address/subnet-length) and status.gateway. Existing addresses never move.
`;

main('ipam-fn', USAGE, ipamFn);
