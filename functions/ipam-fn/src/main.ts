import { mainAsync } from '../../lib/src/runner';
import { ipamWithLedger } from './edge';

const USAGE = `ipam-fn: allocates every IPClaim (ipam.resource.nephio.org/v1alpha1) from the pools of its network
instance (NetworkInstance spec.prefixes, IPPrefix, or the functionConfig) and records the address in
status.prefix (address/subnet-length) and status.gateway. Existing addresses never move.
With a ConfigMap functionConfig holding ledgerEndpoints (etcd client URLs) and ledgerPrefix, addresses
are unique across every render that shares the ledger (see README).
functionConfig (optional ConfigMap, pools, or a List of them) data keys:
  networkSubnetLengthIPv4   length of the per-cluster subnets carved from IPv4 Network aggregates (default 24)
  networkSubnetLengthIPv6   the same for IPv6 (default 64)
  vlanRange                 VLAN range ("100-199") of every VLAN index without a VLANIndex
  ledgerEndpoints           comma-separated etcd client URLs; without it, no ledger
  ledgerPrefix              ledger key prefix (default /netpipe)
  ledgerCAFile              PEM file of the etcd CA
  ledgerCertFile            PEM file of the client certificate
  ledgerKeyFile             PEM file of the client key
  ledgerCAEnv               environment variable holding the CA as PEM text (default NETPIPE_LEDGER_CA)
  ledgerCertEnv             environment variable holding the client certificate as PEM text (default NETPIPE_LEDGER_CERT)
  ledgerKeyEnv              environment variable holding the client key as PEM text (default NETPIPE_LEDGER_KEY)
  ledgerUsernameEnv         environment variable holding the etcd user (default NETPIPE_LEDGER_USERNAME)
  ledgerPasswordEnv         environment variable holding the etcd password (default NETPIPE_LEDGER_PASSWORD)
  ledgerPasswordFile        file holding the etcd password
  ledgerTimeoutMs           per-request timeout in milliseconds (default 5000)
`;

mainAsync('ipam-fn', USAGE, ipamWithLedger);
