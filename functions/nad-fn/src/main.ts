import { main } from '../../lib/src/runner';
import { nadFn } from './transform';

const USAGE = `nad-fn: for each Interface emits a NetworkAttachmentDefinition (k8s.cni.cncf.io/v1) with static IPAM.
functionConfig (optional ConfigMap) data keys:
  cniVersion          CNI spec version of the config: 0.3.0, 0.3.1, 0.4.0, 1.0.0 or 1.1.0 (default 0.3.1)
  sriovResourceName   k8s.v1.cni.cncf.io/resourceName of SR-IOV NADs (default none, with a warning)
`;

main('nad-fn', USAGE, nadFn);
