/**
 * Renders inside the test process: ipam-fn's transform behind the ledger edge, on a generated
 * ResourceList, for cases a kpt process cannot show on demand (a client that dies mid-commit, many
 * bad records in a row).
 */
import { EtcdClient, LedgerConfig, withAddressLedger } from '../../functions/lib/src/ledger';
import { ResourceListReader } from '../../functions/lib/src/resource-list';
import { ipamFn } from '../../functions/ipam-fn/src/transform';

/** A package `name` with one NetworkInstance and an IPClaim per name, of `cluster`. */
export function resourceList(name: string, cluster: string, claimNames: readonly string[], ni = 'vpc-big', pool = '10.50.0.0/16'): string {
  const item = (o: unknown): string => `- ${JSON.stringify(o)}\n`;
  let s = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n';
  s += item({ apiVersion: 'kpt.dev/v1', kind: 'Kptfile', metadata: { name, annotations: { 'internal.config.kubernetes.io/path': 'Kptfile' } } });
  s += item({
    apiVersion: 'ipam.resource.nephio.org/v1alpha1',
    kind: 'NetworkInstance',
    metadata: { name: ni, annotations: { 'internal.config.kubernetes.io/path': 'ni.yaml' } },
    spec: { prefixes: [{ prefix: pool }] },
  });
  for (const n of claimNames) {
    s += item({
      apiVersion: 'ipam.resource.nephio.org/v1alpha1',
      kind: 'IPClaim',
      metadata: { name: `${name}-${n}`, namespace: 'nf', annotations: { 'internal.config.kubernetes.io/path': `ipclaim-${n}.yaml` } },
      spec: { kind: 'network', networkInstance: { name: ni }, selector: { matchLabels: { 'nephio.org/address-family': 'ipv4', 'nephio.org/cluster-name': cluster } } },
    });
  }
  return s;
}

export async function renderIn(text: string, config: LedgerConfig, c: EtcdClient): Promise<{ errors: string[]; prefixes: Map<string, string> }> {
  const input = new ResourceListReader().read(text);
  const out = await withAddressLedger(config, input, (hooks) => ipamFn(input, hooks), { client: c });
  const prefixes = new Map<string, string>();
  for (const o of out.items) {
    const status = (o as { status?: { prefix?: string } }).status;
    if (o.kind === 'IPClaim' && status?.prefix) prefixes.set(o.metadata.name ?? '', status.prefix);
  }
  return { errors: out.results.filter((r) => r.severity === 'error').map((r) => r.message), prefixes };
}

