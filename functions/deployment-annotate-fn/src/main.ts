import { main } from '../../lib/src/runner';
import { deploymentAnnotateFn } from './transform';

const USAGE = `deployment-annotate-fn: rewrites the k8s.v1.cni.cncf.io/networks pod-template annotation of
Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob and Pod so each entry that names an
Interface (or its NAD) carries the NAD name, the interface name and the static IPs.
functionConfig (optional ConfigMap) data keys:
  defaultRouteNetworks   comma-separated network instances that become the pod's default route
`;

main('deployment-annotate-fn', USAGE, deploymentAnnotateFn);
