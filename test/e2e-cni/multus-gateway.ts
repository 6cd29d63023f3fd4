import { CniHarness } from '../cni';
import { runCommand } from '../cni/exec';

/*
 * Multus' handling of the `default-route` selection key, as multus-cni implements it
 * (pkg/types CheckGatewayConfig, pkg/multus cmdAdd, pkg/netutils DeleteDefaultGW/SetDefaultGW).
 * Once any element of the pod asks for a default route:
 *  - more than one gateway of one family across the pod is refused;
 *  - every delegate is either filtered (asks for no gateway of a family) or overridden (asks for
 *    one) for each family, so DeleteDefaultGW runs on every interface, and it removes every
 *    default route of that link, of both families (it lists the link's routes with FAMILY_ALL and
 *    deletes each one without a destination) - including those the plugin's IPAM installed;
 *  - then SetDefaultGW adds `default via <gw>` on the interface for each requested gateway; a
 *    route that already exists is not an error.
 *
 * test/cni's attachPod only adds the requested route, so it fails with "File exists" when the
 * NAD's IPAM already installed that very route; Multus does not. Hence this step replaces it.
 *
 * Multus builds linked against a vishvananda/netlink that reports default routes with a zero
 * rather than a nil destination delete nothing here (multus-cni pull request 1552): a
 * regression, not the behaviour this models.
 */

export interface GatewayRequest {
  ifName: string;
  /** The element's `default-route` list (empty when it has none). */
  gateways: string[];
}

const family = (ip: string): 4 | 6 => (ip.includes(':') ? 6 : 4);

/** Applies Multus' default-route handling in a pod namespace, interfaces in annotation order. */
export function applyMultusDefaultRoutes(harness: CniHarness, netns: string, requests: GatewayRequest[]): void {
  const all = requests.flatMap((r) => r.gateways);
  if (all.length === 0) return;
  if (all.filter((g) => family(g) === 4).length > 1 || all.filter((g) => family(g) === 6).length > 1) {
    throw new Error('multus does not support ECMP for default-route');
  }
  for (const r of requests) {
    for (const route of harness.routes(netns, r.ifName)) {
      if (route.dst !== '0.0.0.0/0' && route.dst !== '::/0') continue;
      harness.inNetns(netns, 'ip', [`-${route.family}`, 'route', 'del', 'default', ...(route.gateway ? ['via', route.gateway] : []), 'dev', r.ifName]);
    }
    for (const gw of r.gateways) {
      const add = runCommand('ip', ['netns', 'exec', netns, 'ip', `-${family(gw)}`, 'route', 'add', 'default', 'via', gw, 'dev', r.ifName]);
      if (add.status !== 0 && !/File exists/.test(add.stderr)) {
        throw new Error(`default via ${gw} dev ${r.ifName} in ${netns}: ${add.stderr.trim()}`);
      }
    }
  }
}
