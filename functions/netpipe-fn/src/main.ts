import { mainAsync } from '../../lib/src/runner';
import { runStepsWithEdges } from './transform';

const USAGE = `netpipe-fn: interface-fn, ipam-fn, nad-fn and deployment-annotate-fn in one process over one read of
the ResourceList; output identical to the four functions run one after the other.
functionConfig (optional): a ConfigMap with any of the steps' keys (cniVersion, sriovResourceName,
defaultRouteNetworks, ipam-fn's ledgerEndpoints and ledgerPrefix, ...), NetworkInstance/IPPrefix pools
for ipam-fn, or a List of them. With ledger keys, the ipam step uses the shared ledger as ipam-fn does.
`;

mainAsync('netpipe-fn', USAGE, (input) => runStepsWithEdges(input));
