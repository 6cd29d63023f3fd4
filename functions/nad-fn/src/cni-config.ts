import { CniType } from '../../lib/src';

export interface Route {
  dst: string;
  gw?: string;
}

export interface CniConfigInput {
  name: string;
  cniType: CniType;
  /** Host interface macvlan/ipvlan attach to; unused by sriov (the device plugin picks the VF). */
  master?: string;
  cniVersion: string;
  /** False for an L2-only interface (ipFamilyPolicy none): no IPAM at all. */
  withIpam: boolean;
  routes: Route[];
}

type Json = string | number | boolean | Json[] | { [key: string]: Json };

/**
 * The CNI network configuration list of a NAD.
 *
 * Where the address lives: nowhere in here. The pod annotation carries `ips`, and the main plugin
 * declares `capabilities: {ips: true}`, so Multus hands them over as `runtimeConfig.ips`, which the
 * static IPAM plugin uses *instead of* its configured addresses (and of CNI_ARGS `IP=`, which
 * Multus always sends as well). Putting addresses here too would give the pod each address twice
 * over - see the real-plugin tests in test/cni.
 *
 * The tuning plugin after macvlan (with the `mac` capability) follows Nephio's nad-fn, so a MAC in
 * the annotation is honoured.
 */
export function buildCniConfig(input: CniConfigInput): string {
  const main: { [key: string]: Json } = { type: input.cniType };
  if (input.cniType !== 'sriov' && input.master) main.master = input.master;
  if (input.cniType === 'macvlan') main.mode = 'bridge';
  if (input.cniType === 'ipvlan') main.mode = 'l2';
  if (input.withIpam) {
    main.capabilities = { ips: true };
    const ipam: { [key: string]: Json } = { type: 'static' };
    if (input.routes.length > 0) {
      ipam.routes = input.routes.map((r): Json => (r.gw ? { dst: r.dst, gw: r.gw } : { dst: r.dst }));
    }
    main.ipam = ipam;
  }
  const plugins: Json[] = [main];
  if (input.cniType === 'macvlan') plugins.push({ type: 'tuning', capabilities: { mac: true } });
  return JSON.stringify({ cniVersion: input.cniVersion, name: input.name, plugins }, null, 2);
}
