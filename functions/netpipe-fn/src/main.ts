import { main } from '../../lib/src/runner';
import { netpipeFn } from './transform';

const USAGE = `netpipe-fn: interface-fn, ipam-fn, nad-fn and deployment-annotate-fn in one process over one read of
the ResourceList; output identical to the four functions run one after the other.
functionConfig (optional): a ConfigMap with any of the steps' keys (cniVersion, sriovResourceName,
defaultRouteNetworks, ...), NetworkInstance/IPPrefix pools for ipam-fn, or a List of them.
`;

main('netpipe-fn', USAGE, netpipeFn);
