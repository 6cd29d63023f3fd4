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
  /** The 802.1Q tag of an `attachmentType: vlan` Interface. */
  vlan?: number;
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
  // macvlan and ipvlan attach to the VLAN sub-interface of the master, as Nephio's nad-fn sets it
  // (`eth1.100`); the node must have that sub-interface.
  if (input.cniType !== 'sriov' && input.master) main.master = input.vlan === undefined ? input.master : `${input.master}.${input.vlan}`;
  // sriov tags the VF itself: the plugin reads `vlan` from its own config.
  if (input.cniType === 'sriov' && input.vlan !== undefined) main.vlan = input.vlan;
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
  const top: { [key: string]: Json } = { cniVersion: input.cniVersion, name: input.name };
  // Nephio's nad-fn writes an sriov NAD's VLAN at the top of the list, where Nephio's tools read it
  // back; libcni hands a plugin only its own entry, so the entry above carries it for sriov-cni.
  if (input.cniType === 'sriov' && input.vlan !== undefined) top.vlan = input.vlan;
  top.plugins = plugins;
  return JSON.stringify(top, null, 2);
}
