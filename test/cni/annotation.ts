import { isIP } from 'node:net';
import { Json, JsonObject, isJsonObject, parseJson } from './json';
import { NetworkSelectionElement } from './types';

/*
 * Parses the k8s.v1.cni.cncf.io/networks annotation the way Multus' k8sclient
 * does (parsePodNetworkAnnotation / parsePodNetworkObjectName):
 *  - the value is JSON when it contains any of `[`, `{` or `"`, and must then be
 *    a list of selection elements;
 *  - otherwise it is a comma-separated list of `[namespace/]name[@interface]`;
 *  - an element without a namespace takes the pod's namespace;
 *  - `ips` entries must parse as an IP or CIDR, `mac` as a MAC address.
 */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const MAC = /^([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}$/;

export function parseNetworksAnnotation(value: string, podNamespace: string): NetworkSelectionElement[] {
  if (value.trim() === '') return [];
  const elements = /[[{"]/.test(value) ? parseJsonForm(value) : parseShortForm(value);
  return elements.map((e) => ({ ...e, namespace: e.namespace || podNamespace }));
}

function parseShortForm(value: string): NetworkSelectionElement[] {
  return value.split(',').map((item) => {
    const entry = item.trim();
    const slash = entry.split('/');
    if (slash.length > 2) throw new Error(`networks annotation: invalid entry "${entry}" (more than one '/')`);
    const namespace = slash.length === 2 ? slash[0].trim() : '';
    const at = slash[slash.length - 1].split('@');
    if (at.length > 2) throw new Error(`networks annotation: invalid entry "${entry}" (more than one '@')`);
    const name = at[0].trim();
    const iface = at.length === 2 ? at[1].trim() : '';
    for (const part of [name, namespace, iface]) {
      if (part !== '' && !DNS1123_LABEL.test(part)) {
        throw new Error(`networks annotation: "${part}" in "${entry}" is not a DNS-1123 label`);
      }
    }
    if (name === '') throw new Error(`networks annotation: entry "${entry}" names no network`);
    const element: NetworkSelectionElement = { name, namespace };
    if (iface !== '') element.interface = iface;
    return element;
  });
}

function parseJsonForm(value: string): NetworkSelectionElement[] {
  const parsed = parseJson(value, 'networks annotation');
  if (!Array.isArray(parsed)) throw new Error('networks annotation: JSON form must be a list of selection elements');
  return parsed.map((item, i) => {
    if (!isJsonObject(item)) throw new Error(`networks annotation: element ${i} is not an object`);
    return readElement(item, i);
  });
}

function readElement(o: JsonObject, i: number): NetworkSelectionElement {
  const where = `networks annotation element ${i}`;
  const name = o.name;
  if (typeof name !== 'string' || name === '') throw new Error(`${where}: "name" must be a non-empty string`);
  const element: NetworkSelectionElement = { name, namespace: optString(o, 'namespace', where) ?? '' };
  const iface = optString(o, 'interface', where);
  if (iface !== undefined && iface !== '') element.interface = iface;
  const ips = optStrings(o.ips, `${where}: "ips"`);
  if (ips !== undefined) {
    for (const ip of ips) {
      if (!isIpOrCidr(ip)) throw new Error(`${where}: "ips" entry "${ip}" is neither an IP nor a CIDR`);
    }
    element.ips = ips;
  }
  const mac = optString(o, 'mac', where);
  if (mac !== undefined && mac !== '') {
    if (!MAC.test(mac)) throw new Error(`${where}: "mac" "${mac}" is not a MAC address`);
    element.mac = mac;
  }
  const gateways = optStrings(o['default-route'], `${where}: "default-route"`);
  if (gateways !== undefined) {
    for (const gw of gateways) if (isIP(gw) === 0) throw new Error(`${where}: "default-route" entry "${gw}" is not an IP`);
    element['default-route'] = gateways;
  }
  const cniArgs = o['cni-args'];
  if (cniArgs !== undefined && cniArgs !== null) {
    if (!isJsonObject(cniArgs)) throw new Error(`${where}: "cni-args" must be an object`);
    element['cni-args'] = cniArgs;
  }
  return element;
}

export function isIpOrCidr(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0) return isIP(value) !== 0;
  const ip = value.slice(0, slash);
  const len = value.slice(slash + 1);
  const family = isIP(ip);
  if (family === 0 || !/^\d{1,3}$/.test(len)) return false;
  return Number(len) <= (family === 4 ? 32 : 128);
}

function optString(o: JsonObject, key: string, where: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new Error(`${where}: "${key}" must be a string`);
  return v;
}

function optStrings(v: Json | undefined, where: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((s): s is string => typeof s === 'string')) {
    throw new Error(`${where} must be a list of strings`);
  }
  return v;
}
