import { mainAsync } from '../../lib/src/runner';
import { runStepsWithEdges } from './transform';

const USAGE = `netpipe-fn: interface-fn, ipam-fn, nad-fn and deployment-annotate-fn in one process over one read of
the ResourceList; output identical to the four functions run one after the other.
functionConfig (optional): a ConfigMap with any of the steps' keys, NetworkInstance/IPPrefix pools
for ipam-fn, or a List of them. With ledger keys, the ipam step uses the shared ledger as ipam-fn does.
functionConfig data keys (each goes to the step that reads it; see that function's --help):
  networkSubnetLengthIPv4   ipam-fn
  networkSubnetLengthIPv6   ipam-fn
  vlanRange                 ipam-fn
  ledgerEndpoints           ipam-fn (the shared ledger)
  ledgerPrefix              ipam-fn (the shared ledger)
  ledgerCAFile              ipam-fn (the shared ledger)
  ledgerCertFile            ipam-fn (the shared ledger)
  ledgerKeyFile             ipam-fn (the shared ledger)
  ledgerCAEnv               ipam-fn (the shared ledger)
  ledgerCertEnv             ipam-fn (the shared ledger)
  ledgerKeyEnv              ipam-fn (the shared ledger)
  ledgerUsernameEnv         ipam-fn (the shared ledger)
  ledgerPasswordEnv         ipam-fn (the shared ledger)
  ledgerPasswordFile        ipam-fn (the shared ledger)
  ledgerTimeoutMs           ipam-fn (the shared ledger)
  cniVersion                nad-fn
  sriovResourceName         nad-fn
  defaultRouteNetworks      deployment-annotate-fn
`;

mainAsync('netpipe-fn', USAGE, (input) => runStepsWithEdges(input));
