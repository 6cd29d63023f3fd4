/**
 * One NAD whichever way you render: NF packages rendered each on its own against one real etcd (as
 * Porch does; their network instance's pools only in the ledger) get the same NAD routes as the
 * same packages rendered as one tree without a ledger - and a NetworkInstance's route policy
 * (`netpipe.dev/routes: none` on N6) holds in both modes.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { EtcdClient } from '../../functions/lib/src/ledger';
import { EtcdCluster, startReady } from './etcd';
import { FN, initLedger, renderOk } from './packages';

jest.setTimeout(300000);

let etcd: EtcdCluster;
let client: EtcdClient;
const dirs: string[] = [];

beforeAll(async () => {
  ({ etcd, client } = await startReady());
});

afterAll(async () => {
  client?.close();
  await etcd?.stop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const local = `  annotations:\n    config.kubernetes.io/local-config: "true"\n`;
const CLUSTERS = ['edge1', 'edge2'];

function kptfile(name: string, mutators: string): string {
  return `apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: ${name}\n${local}${mutators ? `pipeline:\n  mutators:\n${mutators}` : ''}`;
}

const steps = (ledgerPrefix: string | undefined, withInterfaces: boolean): string => {
  if (ledgerPrefix) initLedger(etcd.endpoints, ledgerPrefix);
  const ledger = ledgerPrefix ? `    configMap:\n      ledgerEndpoints: "${etcd.endpoints.join(',')}"\n      ledgerPrefix: "${ledgerPrefix}"\n` : '';
  return (withInterfaces ? `  - exec: ${FN.interface}\n` : '') + `  - exec: ${FN.ipam}\n${ledger}` + (withInterfaces ? `  - exec: ${FN.nad}\n` : '');
};

function networksFiles(dir: string): void {
  const ni = (name: string, policy: string | undefined, prefix: (c: string, i: number) => string) =>
    `apiVersion: ipam.resource.nephio.org/v1alpha1\nkind: NetworkInstance\nmetadata:\n  name: ${name}\n  annotations:\n    config.kubernetes.io/local-config: "true"\n` +
    (policy ? `    netpipe.dev/routes: ${policy}\n` : '') +
    `spec:\n  prefixes:\n${CLUSTERS.map((c, i) => `  - prefix: ${prefix(c, i)}\n    labels:\n      nephio.org/cluster-name: ${c}\n`).join('')}`;
  writeFileSync(
    join(dir, 'network-instances.yaml'),
    [ni('vpc-n3', undefined, (_c, i) => `10.3.${i + 1}.0/24`), ni('vpc-n6', 'none', (_c, i) => `10.6.${i + 1}.0/24`)].join('---\n'),
  );
}

function nfFiles(dir: string, cluster: string): void {
  writeFileSync(
    join(dir, 'cluster.yaml'),
    `apiVersion: infra.nephio.org/v1alpha1\nkind: WorkloadCluster\nmetadata:\n  name: ${cluster}\n${local}spec:\n  clusterName: ${cluster}\n  cnis:\n  - macvlan\n  masterInterface: eth1\n`,
  );
  writeFileSync(
    join(dir, 'interfaces.yaml'),
    ['n3', 'n6']
      .map(
        (i) =>
          `apiVersion: req.nephio.org/v1alpha1\nkind: Interface\nmetadata:\n  name: ${i}\n  namespace: upf\n  annotations:\n    specializer.nephio.org/owner: workload.nephio.org/v1alpha1.NFDeployment.upf-${cluster}\n` +
          `spec:\n  networkInstance:\n    name: vpc-${i}\n  cniType: macvlan\n  attachmentType: none\n  ipFamilyPolicy: ipv4-only\n`,
      )
      .join('---\n'),
  );
}

/** NAD name -> its CNI config's routes, over every package under `root`. */
function nadRoutes(root: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/^nad-.*\.yaml$/.test(e.name)) {
        const nad = load(readFileSync(p, 'utf8')) as { metadata: { name: string }; spec: { config: string } };
        const config = JSON.parse(nad.spec.config) as { plugins: Array<{ ipam?: { routes?: unknown } }> };
        out[nad.metadata.name] = config.plugins[0].ipam?.routes ?? [];
      }
    }
  };
  walk(root);
  return out;
}

describe('NAD routes are the same rendered package by package with the ledger and as one tree', () => {
  it('N3 (per-cluster subnets): each side routes the other subnet; N6 with netpipe.dev/routes: none: no routes', async () => {
    const base = mkdtempSync(join(tmpdir(), 'netpipe-routes-'));
    dirs.push(base);

    // Porch's way: each package its own render, the pools only in the networks package and the ledger.
    const separate = join(base, 'separate');
    mkdirSync(join(separate, 'networks'), { recursive: true });
    writeFileSync(join(separate, 'networks', 'Kptfile'), kptfile('networks', steps('/routes', false)));
    networksFiles(join(separate, 'networks'));
    await renderOk(join(separate, 'networks'));
    for (const c of CLUSTERS) {
      const dir = join(separate, `upf-${c}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'Kptfile'), kptfile(`upf-${c}`, steps('/routes', true)));
      nfFiles(dir, c);
      await renderOk(dir);
    }

    // One tree, no ledger: the same packages below a root that runs the pipeline.
    const tree = join(base, 'tree');
    mkdirSync(tree);
    writeFileSync(join(tree, 'Kptfile'), kptfile('tree', steps(undefined, true)));
    mkdirSync(join(tree, 'networks'));
    writeFileSync(join(tree, 'networks', 'Kptfile'), kptfile('networks', ''));
    networksFiles(join(tree, 'networks'));
    for (const c of CLUSTERS) {
      const dir = join(tree, `upf-${c}`);
      mkdirSync(dir);
      writeFileSync(join(dir, 'Kptfile'), kptfile(`upf-${c}`, ''));
      nfFiles(dir, c);
    }
    await renderOk(tree);

    const expected = {
      'upf-edge1-n3': [{ dst: '10.3.2.0/24', gw: '10.3.1.1' }],
      'upf-edge2-n3': [{ dst: '10.3.1.0/24', gw: '10.3.2.1' }],
      'upf-edge1-n6': [],
      'upf-edge2-n6': [],
    };
    expect(nadRoutes(tree)).toEqual(expected);
    expect(nadRoutes(separate)).toEqual(expected);
  });
});
