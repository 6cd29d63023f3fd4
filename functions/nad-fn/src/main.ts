import { main } from '../../lib/src/runner';
import { nadFn } from './transform';

const USAGE = `nad-fn: for each Interface emits a NetworkAttachmentDefinition (k8s.cni.cncf.io/v1) with static IPAM.
functionConfig (optional ConfigMap): data.cniVersion (default 0.3.1), data.defaultRouteNetworks (comma-separated network instances).
`;

main('nad-fn', USAGE, nadFn);
