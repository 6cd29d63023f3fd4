import { Json, JsonObject, isJsonObject, parseJsonObject } from './json';

export const NETWORKS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';

/** The parts of a k8s.cni.cncf.io/v1 NetworkAttachmentDefinition that Multus reads. */
export interface NetworkAttachmentDefinition {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec: { config: string };
}

/**
 * One element of the pod's networks annotation, with the keys Multus acts on.
 * Keys Multus does not know (a `gateway`, say) are dropped on parsing, as Go's
 * json.Unmarshal into NetworkSelectionElement drops them.
 */
export interface NetworkSelectionElement {
  name: string;
  namespace: string;
  interface?: string;
  ips?: string[];
  mac?: string;
  'default-route'?: string[];
  'cni-args'?: JsonObject;
}

export interface CniIpConfig {
  address: string;
  gateway?: string;
  interface?: number;
}

export interface CniRoute {
  dst: string;
  gw?: string;
}

export interface CniInterface {
  name: string;
  mac?: string;
  sandbox?: string;
}

/** A plugin's ADD result; `raw` is what the next plugin gets as prevResult. */
export interface CniResult {
  cniVersion: string;
  interfaces: CniInterface[];
  ips: CniIpConfig[];
  routes: CniRoute[];
  raw: JsonObject;
}

export function readCniResult(raw: JsonObject): CniResult {
  const str = (o: JsonObject, k: string): string | undefined => (typeof o[k] === 'string' ? (o[k] as string) : undefined);
  const objects = (v: Json | undefined): JsonObject[] => (Array.isArray(v) ? v.filter(isJsonObject) : []);
  return {
    cniVersion: str(raw, 'cniVersion') ?? '',
    interfaces: objects(raw.interfaces).map((i) => ({ name: str(i, 'name') ?? '', mac: str(i, 'mac'), sandbox: str(i, 'sandbox') })),
    ips: objects(raw.ips).map((i) => ({
      address: str(i, 'address') ?? '',
      gateway: str(i, 'gateway'),
      interface: typeof i.interface === 'number' ? i.interface : undefined,
    })),
    routes: objects(raw.routes).map((r) => ({ dst: str(r, 'dst') ?? '', gw: str(r, 'gw') })),
    raw,
  };
}

export function nadConfig(nad: NetworkAttachmentDefinition): JsonObject {
  return parseJsonObject(nad.spec.config, `spec.config of NetworkAttachmentDefinition ${nadKey(nad)}`);
}

export function nadKey(nad: NetworkAttachmentDefinition, defaultNamespace = 'default'): string {
  return `${nad.metadata.namespace ?? defaultNamespace}/${nad.metadata.name}`;
}
