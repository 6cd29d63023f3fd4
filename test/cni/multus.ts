import { isIpOrCidr } from './annotation';
import { JsonObject, cloneJson, isJsonObject, parseJsonObject } from './json';
import { CniResult, NetworkAttachmentDefinition, NetworkSelectionElement, nadConfig, readCniResult } from './types';

/*
 * What Multus (thin or thick) does with one selection element and its NAD when it
 * calls the delegate plugins, reduced to the data it hands them. Reproduced from
 * reading k8snetworkplumbingwg/multus-cni and containernetworking/cni's libcni:
 *
 *  - pkg/k8sclient (getCNIConfigFromSpec): a spec.config without `name` gets the
 *    NAD's name.
 *  - pkg/types LoadDelegateNetConf: a config with no `type` is a conflist; the
 *    element's `cni-args` are merged into `args.cni` of the config, or of every
 *    plugin of a conflist (addCNIArgsInConfig / addCNIArgsInConfList).
 *  - pkg/multus getIfname: CNI_IFNAME is the element's `interface`, else
 *    `net<position>` (the cluster network is position 0).
 *  - pkg/types createRuntimeConf: CNI_ARGS starts with IgnoreUnknown=true,
 *    K8S_POD_NAMESPACE, K8S_POD_NAME, K8S_POD_INFRA_CONTAINER_ID, K8S_POD_UID.
 *  - pkg/multus delegateAdd: on ADD only, MAC=<mac> then IP=<ips joined by ','>
 *    are appended to CNI_ARGS whenever the element has them - whatever the
 *    plugin's capabilities. Each ip must parse as an IP or a CIDR.
 *  - pkg/types mergeCNIRuntimeConfig / newCNIRuntimeConf: the element's ips and
 *    mac become capability args `ips` / `mac` (on ADD and DEL).
 *  - libcni injectRuntimeConfig: a plugin receives `runtimeConfig.<cap>` only when
 *    its own config declares `"capabilities": {"<cap>": true}`; a non-empty
 *    runtimeConfig replaces any the config carried.
 *  - libcni buildOneConfig / AddNetworkList: every plugin of a conflist gets the
 *    list's `name` and `cniVersion`, and from the second plugin on `prevResult` =
 *    the previous plugin's result.
 *  - libcni DelNetworkList: DEL runs the plugins in reverse order; from cniVersion
 *    0.4.0 on each gets the cached ADD result as prevResult.
 *  - pkg/types CheckGatewayConfig + pkg/netutils SetDefaultGW/DeleteDefaultGW:
 *    `default-route` gateways become `default via <gw> dev <ifname>` after ADD,
 *    once that interface's own default routes are gone (attach.ts applies it).
 */

export const CNI_PATH = '/usr/lib/cni';

export type CniCommand = 'ADD' | 'DEL' | 'CHECK';

export interface DelegateRequest {
  nad: NetworkAttachmentDefinition;
  /** Namespace already resolved (the pod's when the annotation named none). */
  element: NetworkSelectionElement;
  podNamespace: string;
  podName: string;
  podUid?: string;
  containerId: string;
  netnsPath: string;
  /** 1-based position among the pod's additional networks; names the interface when `interface` is absent. */
  position?: number;
  cniPath?: string;
}

export interface PluginStep {
  type: string;
  /** The stdin config except prevResult, which depends on the previous plugin's output. */
  config: JsonObject;
}

export interface DelegatePlan {
  /** namespace/name of the NAD. */
  network: string;
  name: string;
  cniVersion: string;
  isList: boolean;
  ifName: string;
  containerId: string;
  netnsPath: string;
  cniPath: string;
  /** CNI_ARGS pairs on every command. */
  args: Array<[string, string]>;
  /** CNI_ARGS pairs Multus appends on ADD only. */
  addArgs: Array<[string, string]>;
  capabilityArgs: JsonObject;
  /** Gateways from the element's `default-route`. */
  defaultRoute: string[];
  plugins: PluginStep[];
}

export interface Invocation {
  command: CniCommand;
  type: string;
  stdin: string;
  env: Record<string, string>;
}

/** Runs one plugin and returns its stdout; throws when the plugin fails. */
export type PluginExec = (invocation: Invocation) => string;

export function planDelegate(req: DelegateRequest): DelegatePlan {
  const network = `${req.element.namespace}/${req.element.name}`;
  const conf = nadConfig(req.nad);
  if (typeof conf.name !== 'string' || conf.name === '') conf.name = req.nad.metadata.name;
  const name = conf.name;
  const cniVersion = typeof conf.cniVersion === 'string' ? conf.cniVersion : '';
  const isList = typeof conf.type !== 'string' || conf.type === '';

  const rawPlugins: JsonObject[] = isList ? listPlugins(conf, network) : [conf];
  const cniArgs = req.element['cni-args'];
  if (cniArgs !== undefined) for (const p of rawPlugins) injectCniArgs(p, cniArgs);

  const capabilityArgs: JsonObject = {};
  if (req.element.ips && req.element.ips.length > 0) capabilityArgs.ips = [...req.element.ips];
  if (req.element.mac) capabilityArgs.mac = req.element.mac;

  const plugins = rawPlugins.map((p): PluginStep => {
    const config = cloneJson(p);
    if (isList) {
      config.name = name;
      config.cniVersion = cniVersion;
    }
    const rc = runtimeConfigFor(config, capabilityArgs);
    if (Object.keys(rc).length > 0) config.runtimeConfig = rc;
    return { type: config.type as string, config };
  });

  const ifName = req.element.interface || `net${req.position ?? 1}`;
  if (ifName.length > 15) throw new Error(`${network}: interface name "${ifName}" is longer than 15 characters`);

  const addArgs: Array<[string, string]> = [];
  if (req.element.mac) addArgs.push(['MAC', req.element.mac]);
  if (req.element.ips) {
    for (const ip of req.element.ips) {
      if (!isIpOrCidr(ip)) throw new Error(`${network}: failed to parse IP address "${ip}"`);
    }
    addArgs.push(['IP', req.element.ips.join(',')]);
  }

  return {
    network,
    name,
    cniVersion,
    isList,
    ifName,
    containerId: req.containerId,
    netnsPath: req.netnsPath,
    cniPath: req.cniPath ?? CNI_PATH,
    args: [
      ['IgnoreUnknown', 'true'],
      ['K8S_POD_NAMESPACE', req.podNamespace],
      ['K8S_POD_NAME', req.podName],
      ['K8S_POD_INFRA_CONTAINER_ID', req.containerId],
      ['K8S_POD_UID', req.podUid ?? ''],
    ],
    addArgs,
    capabilityArgs,
    defaultRoute: [...(req.element['default-route'] ?? [])],
    plugins,
  };
}

export function pluginEnv(plan: DelegatePlan, command: CniCommand): Record<string, string> {
  const pairs = command === 'ADD' ? [...plan.args, ...plan.addArgs] : plan.args;
  return {
    CNI_COMMAND: command,
    CNI_CONTAINERID: plan.containerId,
    CNI_NETNS: plan.netnsPath,
    CNI_IFNAME: plan.ifName,
    CNI_PATH: plan.cniPath,
    CNI_ARGS: pairs.map(([k, v]) => `${k}=${v}`).join(';'),
  };
}

export function pluginStdin(step: PluginStep, prevResult?: JsonObject): string {
  const config = prevResult === undefined ? step.config : { ...step.config, prevResult };
  return JSON.stringify(config);
}

/** ADD through the chain; the result is the last plugin's. */
export function runAdd(plan: DelegatePlan, exec: PluginExec): { result: CniResult; invocations: Invocation[] } {
  const invocations: Invocation[] = [];
  let prev: CniResult | undefined;
  for (const step of plan.plugins) {
    const inv: Invocation = { command: 'ADD', type: step.type, stdin: pluginStdin(step, prev?.raw), env: pluginEnv(plan, 'ADD') };
    invocations.push(inv);
    const out = exec(inv);
    prev = readCniResult(parseJsonObject(out, `result of ${step.type} ADD for ${plan.network}`));
  }
  if (prev === undefined) throw new Error(`${plan.network}: no plugin to run`);
  return { result: prev, invocations };
}

/** DEL in reverse order; `cachedResult` is the ADD result, passed on from cniVersion 0.4.0. */
export function runDel(plan: DelegatePlan, exec: PluginExec, cachedResult?: CniResult): Invocation[] {
  const prevResult = cachedResult && versionAtLeast(plan.cniVersion, '0.4.0') ? cachedResult.raw : undefined;
  const invocations: Invocation[] = [];
  for (const step of [...plan.plugins].reverse()) {
    const inv: Invocation = { command: 'DEL', type: step.type, stdin: pluginStdin(step, prevResult), env: pluginEnv(plan, 'DEL') };
    invocations.push(inv);
    exec(inv);
  }
  return invocations;
}

export function versionAtLeast(version: string, floor: string): boolean {
  const parse = (v: string): number[] => v.split('.').map((n) => Number.parseInt(n, 10) || 0);
  const a = parse(version);
  const b = parse(floor);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

function listPlugins(conf: JsonObject, network: string): JsonObject[] {
  const plugins = conf.plugins;
  if (!Array.isArray(plugins) || plugins.length === 0) {
    throw new Error(`${network}: spec.config has neither "type" nor a non-empty "plugins" list`);
  }
  return plugins.map((p, i) => {
    if (!isJsonObject(p) || typeof p.type !== 'string' || p.type === '') {
      throw new Error(`${network}: plugins[${i}] must be an object with a "type"`);
    }
    return p;
  });
}

function injectCniArgs(plugin: JsonObject, cniArgs: JsonObject): void {
  const args = isJsonObject(plugin.args) ? plugin.args : {};
  const cni = isJsonObject(args.cni) ? args.cni : {};
  args.cni = { ...cni, ...cloneJson(cniArgs) };
  plugin.args = args;
}

function runtimeConfigFor(config: JsonObject, capabilityArgs: JsonObject): JsonObject {
  const caps = config.capabilities;
  const rc: JsonObject = {};
  if (!isJsonObject(caps)) return rc;
  for (const [cap, supported] of Object.entries(caps)) {
    const value = capabilityArgs[cap];
    if (supported === true && value !== undefined) rc[cap] = cloneJson(value);
  }
  return rc;
}
