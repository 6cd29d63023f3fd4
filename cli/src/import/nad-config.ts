/**
 * What a NetworkAttachmentDefinition's CNI config asks for, in the terms netpipe can reproduce
 * (nad-fn's CNI config: macvlan in bridge mode followed by tuning, ipvlan in l2 mode, sriov; the
 * master or `master.<vlan>`; static IPAM whose routes go via the subnet's gateway). Anything else
 * in the config is a conflict: netpipe would write another NAD, and the pod would change.
 */
import { CniType, isObject, nameOf, namespaceOf } from '../../../functions/lib/src';
import { Findings } from './findings';
import { Manifest, refOf } from './manifests';

export const NAD_API = { apiVersion: 'k8s.cni.cncf.io/v1', kind: 'NetworkAttachmentDefinition' } as const;
/** Where SR-IOV NADs name their device plugin resource; nad-fn writes it from `sriovResourceName`. */
export const RESOURCE_NAME_ANNOTATION = 'k8s.v1.cni.cncf.io/resourceName';

export interface StaticAddress {
  address: string;
  gateway?: string;
}

/** A whereabouts range (`range`, or one element of `ipRanges`). */
export interface WhereaboutsRange {
  range: string;
  gateway?: string;
  exclude: string[];
  rangeStart?: string;
  rangeEnd?: string;
}

export interface RouteSpec {
  dst: string;
  gw?: string;
}

export interface NadSpec {
  manifest: Manifest;
  ref: string;
  name: string;
  namespace: string;
  cniType: CniType;
  cniVersion: string;
  /** The master as written, VLAN suffix removed. */
  master?: string;
  vlan?: number;
  ipam: 'static' | 'whereabouts' | 'none';
  addresses: StaticAddress[];
  ranges: WhereaboutsRange[];
  routes: RouteSpec[];
  resourceName?: string;
}

const CNI_TYPES: readonly CniType[] = ['macvlan', 'ipvlan', 'sriov'];
/** The mode nad-fn writes, and the plugin's own default when the config names none. */
const MODES: Readonly<Record<string, string>> = { macvlan: 'bridge', ipvlan: 'l2' };
const TOP_KEYS = new Set(['cniVersion', 'name', 'plugins', 'vlan']);
const MAIN_KEYS = new Set(['type', 'master', 'mode', 'vlan', 'ipam', 'capabilities', 'name', 'cniVersion']);
const STATIC_KEYS = new Set(['type', 'addresses', 'routes']);
const WHEREABOUTS_KEYS = new Set([
  'type', 'range', 'range_start', 'range_end', 'gateway', 'exclude', 'routes', 'ipRanges',
  'log_file', 'log_level', 'kubernetes', 'datastore', 'configuration_path', 'network_name', 'enable_overlapping_ranges',
]);

const isNad = (m: Manifest): boolean => m.object.apiVersion === NAD_API.apiVersion && m.object.kind === NAD_API.kind;

const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

function vlanNumber(v: unknown): number | undefined {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) ? n : undefined;
}

function readRoutes(v: unknown, ref: string, findings: Findings): RouteSpec[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) {
    findings.conflict(ref, 'ipam.routes is not a list of {dst, gw}', 'spec.config');
    return [];
  }
  const out: RouteSpec[] = [];
  for (const r of v) {
    if (!isObject(r) || typeof r.dst !== 'string' || (r.gw !== undefined && typeof r.gw !== 'string') || Object.keys(r).some((k) => k !== 'dst' && k !== 'gw')) {
      findings.conflict(ref, `route ${JSON.stringify(r)} is not {dst, gw}: netpipe writes routes with a destination and the subnet's gateway only`, 'spec.config');
      continue;
    }
    out.push(typeof r.gw === 'string' ? { dst: r.dst, gw: r.gw } : { dst: r.dst });
  }
  return out;
}

function readIpam(ipam: unknown, spec: NadSpec, findings: Findings): void {
  if (ipam === undefined || (isObject(ipam) && Object.keys(ipam).length === 0)) return;
  if (!isObject(ipam)) {
    findings.conflict(spec.ref, 'ipam is not an object', 'spec.config');
    return;
  }
  const type = text(ipam.type);
  const allowed = type === 'static' ? STATIC_KEYS : type === 'whereabouts' ? WHEREABOUTS_KEYS : undefined;
  if (allowed === undefined) {
    findings.conflict(spec.ref, `ipam type ${JSON.stringify(ipam.type)}: netpipe imports static and whereabouts IPAM only`, 'spec.config');
    return;
  }
  const extra = Object.keys(ipam).filter((k) => !allowed.has(k));
  if (extra.length > 0) findings.conflict(spec.ref, `ipam keys netpipe cannot reproduce: ${extra.join(', ')} (nad-fn writes ${[...STATIC_KEYS].join(', ')})`, 'spec.config');
  spec.ipam = type === 'static' ? 'static' : 'whereabouts';
  spec.routes = readRoutes(ipam.routes, spec.ref, findings);
  if (type === 'static') {
    const addresses = ipam.addresses === undefined ? [] : Array.isArray(ipam.addresses) ? ipam.addresses : undefined;
    if (addresses === undefined) findings.conflict(spec.ref, 'ipam.addresses is not a list', 'spec.config');
    for (const a of addresses ?? []) {
      if (!isObject(a) || typeof a.address !== 'string' || (a.gateway !== undefined && typeof a.gateway !== 'string')) {
        findings.conflict(spec.ref, `ipam address ${JSON.stringify(a)} is not {address, gateway}`, 'spec.config');
        continue;
      }
      spec.addresses.push(typeof a.gateway === 'string' ? { address: a.address, gateway: a.gateway } : { address: a.address });
    }
    return;
  }
  const range = (o: Record<string, unknown>, gateway: string | undefined): WhereaboutsRange => ({
    range: text(o.range) ?? '',
    ...(gateway !== undefined ? { gateway } : {}),
    exclude: strings(o.exclude),
    ...(text(o.range_start) !== undefined ? { rangeStart: text(o.range_start) } : {}),
    ...(text(o.range_end) !== undefined ? { rangeEnd: text(o.range_end) } : {}),
  });
  const gateway = text(ipam.gateway);
  if (typeof ipam.range === 'string') spec.ranges.push(range(ipam, gateway));
  for (const r of Array.isArray(ipam.ipRanges) ? ipam.ipRanges : []) if (isObject(r) && typeof r.range === 'string') spec.ranges.push(range(r, undefined));
  if (spec.ranges.length === 0) findings.conflict(spec.ref, 'whereabouts IPAM without a range', 'spec.config');
}

function readNad(m: Manifest, findings: Findings): NadSpec | undefined {
  const ref = refOf(m);
  const spec = isObject(m.object.spec) ? m.object.spec : {};
  const configText = text(spec.config);
  if (configText === undefined) {
    findings.conflict(ref, 'no spec.config: a NAD without a CNI config names a CNI config file on the node, which netpipe cannot read', 'spec.config');
    return undefined;
  }
  let config: unknown;
  try {
    config = JSON.parse(configText);
  } catch (e) {
    findings.conflict(ref, `spec.config is not JSON: ${(e as Error).message}`, 'spec.config');
    return undefined;
  }
  if (!isObject(config)) {
    findings.conflict(ref, 'spec.config is not a JSON object', 'spec.config');
    return undefined;
  }
  // A single-plugin config and a list with one entry are the same attachment to the runtime.
  const plugins: unknown[] = Array.isArray(config.plugins) ? config.plugins : [config];
  const main = plugins[0];
  const type = isObject(main) ? text(main.type) : undefined;
  if (!isObject(main) || !CNI_TYPES.includes(type as CniType)) {
    findings.conflict(ref, `CNI type ${JSON.stringify(type)}: netpipe makes macvlan, ipvlan and sriov attachments only`, 'spec.config');
    return undefined;
  }
  const cniType = type as CniType;
  const out: NadSpec = {
    manifest: m,
    ref,
    name: nameOf(m.object),
    namespace: namespaceOf(m.object) || 'default',
    cniType,
    cniVersion: text(config.cniVersion) ?? text(main.cniVersion) ?? '0.3.1',
    ipam: 'none',
    addresses: [],
    ranges: [],
    routes: [],
  };
  if (Array.isArray(config.plugins)) {
    const extraTop = Object.keys(config).filter((k) => !TOP_KEYS.has(k) || (k === 'vlan' && cniType !== 'sriov'));
    if (extraTop.length > 0) findings.conflict(ref, `CNI config keys netpipe cannot reproduce: ${extraTop.join(', ')}`, 'spec.config');
  }
  const extraMain = Object.keys(main).filter((k) => !MAIN_KEYS.has(k) && !(k === 'plugins' && !Array.isArray(config.plugins)));
  if (extraMain.length > 0) findings.conflict(ref, `${cniType} keys netpipe cannot reproduce: ${extraMain.join(', ')}`, 'spec.config');
  const mode = text(main.mode);
  if (cniType !== 'sriov' && mode !== undefined && mode !== MODES[cniType]) {
    findings.conflict(ref, `${cniType} mode ${mode}: netpipe writes mode ${MODES[cniType]} only`, 'spec.config');
  }
  if (cniType === 'sriov' && mode !== undefined) findings.conflict(ref, `sriov has no mode (found ${mode})`, 'spec.config');
  const caps = main.capabilities;
  if (caps !== undefined && (!isObject(caps) || Object.keys(caps).some((k) => k !== 'ips' && k !== 'mac'))) {
    findings.conflict(ref, `capabilities ${JSON.stringify(caps)}: netpipe declares ips (and mac through tuning) only`, 'spec.config');
  }
  for (const p of plugins.slice(1)) {
    const tuningOk = cniType === 'macvlan' && isObject(p) && p.type === 'tuning' &&
      Object.keys(p).every((k) => k === 'type' || k === 'capabilities') &&
      (p.capabilities === undefined || (isObject(p.capabilities) && Object.keys(p.capabilities).every((k) => k === 'mac')));
    if (!tuningOk) findings.conflict(ref, `plugin ${JSON.stringify(p)} after ${cniType}: netpipe writes only a tuning plugin (mac capability) after macvlan`, 'spec.config');
  }
  const master = text(main.master);
  if (cniType === 'sriov') {
    if (master !== undefined) findings.conflict(ref, `sriov with master ${master}: the device plugin picks the VF, netpipe writes no master`, 'spec.config');
    const vlan = main.vlan ?? config.vlan;
    if (vlan !== undefined) {
      const n = vlanNumber(vlan);
      if (n === undefined) findings.conflict(ref, `sriov vlan ${JSON.stringify(vlan)} is not a number`, 'spec.config');
      else if (main.vlan !== undefined && config.vlan !== undefined && vlanNumber(config.vlan) !== n) findings.conflict(ref, `two VLANs: ${String(config.vlan)} at the top, ${String(main.vlan)} in the sriov entry`, 'spec.config');
      else out.vlan = n;
    }
    const resource = m.object.metadata.annotations?.[RESOURCE_NAME_ANNOTATION];
    if (typeof resource === 'string') out.resourceName = resource;
  } else if (master === undefined) {
    findings.conflict(ref, `${cniType} without master: the plugin then picks the node's default-route interface, netpipe always names the master`, 'spec.config');
  } else {
    const dot = master.lastIndexOf('.');
    const vlan = dot > 0 && /^\d+$/.test(master.slice(dot + 1)) ? Number(master.slice(dot + 1)) : undefined;
    out.master = vlan === undefined ? master : master.slice(0, dot);
    if (vlan !== undefined) out.vlan = vlan;
    if (main.vlan !== undefined) findings.conflict(ref, `${cniType} with a vlan key: netpipe tags ${cniType} through the master's VLAN sub-interface (master.<id>)`, 'spec.config');
  }
  readIpam(main.ipam, out, findings);
  return out;
}

export interface ReadNads {
  nads: NadSpec[];
  /** `namespace/name` of the NADs that are conflicts (already reported). */
  refused: Set<string>;
}

/** The NADs among the manifests, each read once; the ones netpipe cannot express are conflicts. */
export function readNads(manifests: readonly Manifest[], findings: Findings): ReadNads {
  const nads: NadSpec[] = [];
  const refused = new Set<string>();
  for (const m of manifests.filter(isNad)) {
    const before = findings.conflicts.length;
    const spec = readNad(m, findings);
    if (spec && findings.conflicts.length === before) nads.push(spec);
    else refused.add(`${namespaceOf(m.object) || 'default'}/${nameOf(m.object)}`);
  }
  return { nads, refused };
}
