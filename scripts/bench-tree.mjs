// The benchmark's package trees, shared by `npm run bench:pipeline` and the one-step equivalence
// test: for N Interfaces, an unrendered tree of cluster packages with a WorkloadCluster, one package
// per NF holding its Deployment and Interfaces, shared and dual-stack networks.
//
//   node scripts/bench-tree.mjs DIR N     writes the tree for N Interfaces into DIR
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

export const kptfile = (name, mutators) =>
  yaml.dump({
    apiVersion: 'kpt.dev/v1',
    kind: 'Kptfile',
    metadata: { name, annotations: { 'config.kubernetes.io/local-config': 'true' } },
    ...(mutators ? { pipeline: { mutators } } : {}),
  });

/**
 * NFs of four Interfaces each: n2 and n3 on shared IPv4 /16s (one subnet for every cluster), n4 on
 * per-cluster /20s, n6 dual-stack (IPv4 /16 + IPv6 /64), so claims average 1.25 per Interface.
 */
const IFACES = [
  { name: 'n2', ni: 'vpc-n2', policy: 'ipv4-only', cni: 'macvlan' },
  { name: 'n3', ni: 'vpc-n3', policy: 'ipv4-only', cni: 'macvlan' },
  { name: 'n4', ni: 'vpc-n4', policy: 'ipv4-only', cni: 'macvlan' },
  { name: 'n6', ni: 'vpc-n6', policy: 'dual-stack', cni: 'macvlan' },
];

const NF_KINDS = ['upf', 'smf', 'amf', 'gnb'];

function clustersFor(n) {
  return n <= 100 ? 4 : n <= 1000 ? 8 : 16;
}

export function generate(dir, n) {
  const nfs = Math.ceil(n / IFACES.length);
  const clusters = clustersFor(n);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Kptfile'), kptfile('bench'));
  const nets = join(dir, 'networks');
  mkdirSync(nets);
  writeFileSync(join(nets, 'Kptfile'), kptfile('networks'));
  const ni = (name, prefixes) =>
    [
      'apiVersion: ipam.resource.nephio.org/v1alpha1',
      'kind: NetworkInstance',
      'metadata:',
      `  name: ${name}`,
      '  annotations:',
      '    config.kubernetes.io/local-config: "true"',
      'spec:',
      '  prefixes:',
      ...prefixes.flatMap((p) => [`  - prefix: ${p.prefix}`, ...(p.gateway ? [`    gateway: ${p.gateway}`] : []), ...(p.labels ? ['    labels:', ...Object.entries(p.labels).map(([k, v]) => `      ${k}: ${v}`)] : [])]),
    ].join('\n');
  const n4 = Array.from({ length: clusters }, (_, c) => ({ prefix: `10.4.${c * 16}.0/20`, labels: { 'nephio.org/cluster-name': clusterName(c) } }));
  writeFileSync(
    join(nets, 'network-instances.yaml'),
    [
      ni('vpc-n2', [{ prefix: '10.2.0.0/16' }]),
      ni('vpc-n3', [{ prefix: '10.3.0.0/16' }]),
      ni('vpc-n4', n4),
      ni('vpc-n6', [{ prefix: '10.6.0.0/16', gateway: '10.6.255.254' }, { prefix: 'fd00:6::/64' }]),
    ].join('\n---\n') + '\n',
  );
  let interfaces = 0;
  for (let c = 0; c < clusters; c++) {
    const cdir = join(dir, clusterName(c));
    mkdirSync(cdir);
    writeFileSync(join(cdir, 'Kptfile'), kptfile(clusterName(c)));
    writeFileSync(
      join(cdir, 'workload-cluster.yaml'),
      [
        'apiVersion: infra.nephio.org/v1alpha1',
        'kind: WorkloadCluster',
        'metadata:',
        `  name: ${clusterName(c)}`,
        '  annotations:',
        '    config.kubernetes.io/local-config: "true"',
        'spec:',
        `  clusterName: ${clusterName(c)}`,
        '  cnis:',
        '  - macvlan',
        '  masterInterface: ens4',
        '',
      ].join('\n'),
    );
  }
  // One package per NF inside its cluster's package, as Nephio lays them out; NFs of one kind
  // share a namespace, so Interface names repeat across packages.
  for (let f = 0; f < nfs; f++) {
    const c = f % clusters;
    const cluster = clusterName(c);
    const kind = NF_KINDS[f % NF_KINDS.length];
    const nf = `${kind}${String(f).padStart(5, '0')}`;
    const pkg = join(dir, cluster, nf);
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'Kptfile'), kptfile(nf));
    const owner = `workload.nephio.org/v1alpha1.NFDeployment.${nf}-${cluster}`;
    const mine = IFACES.slice(0, Math.min(IFACES.length, n - interfaces));
    interfaces += mine.length;
    const docs = mine.map((i) =>
      [
        'apiVersion: req.nephio.org/v1alpha1',
        'kind: Interface',
        'metadata:',
        `  name: ${i.name}`,
        `  namespace: ${kind}`,
        '  annotations:',
        `    specializer.nephio.org/owner: ${owner}`,
        `    specializer.nephio.org/for: ${owner}`,
        `    nephio.org/network-name: ${i.name}`,
        'spec:',
        '  networkInstance:',
        `    name: ${i.ni}`,
        `  cniType: ${i.cni}`,
        '  attachmentType: none',
        `  ipFamilyPolicy: ${i.policy}`,
      ].join('\n'),
    );
    writeFileSync(join(pkg, 'interfaces.yaml'), `${docs.join('\n---\n')}\n`);
    writeFileSync(
      join(pkg, 'deployment.yaml'),
      [
        'apiVersion: apps/v1',
        'kind: Deployment',
        'metadata:',
        `  name: ${nf}`,
        `  namespace: ${kind}`,
        'spec:',
        '  replicas: 1',
        '  strategy:',
        '    type: Recreate',
        '  selector:',
        '    matchLabels:',
        `      app: ${nf}`,
        '  template:',
        '    metadata:',
        '      labels:',
        `        app: ${nf}`,
        '      annotations:',
        `        k8s.v1.cni.cncf.io/networks: ${mine.map((i) => i.name).join(', ')}`,
        '    spec:',
        '      containers:',
        `      - name: ${kind}`,
        `        image: registry.example.com/5g/${kind}:1.0.0`,
        '',
      ].join('\n'),
    );
  }
  return { nfs, clusters, interfaces };
}

export function clusterName(c) {
  return `cluster${String(c + 1).padStart(2, '0')}`;
}

/** IPClaims the pipeline makes of N Interfaces (n6 is dual-stack). */
export const expectedClaims = (n) => Math.floor(n / 4) * 5 + [0, 1, 2, 3][n % 4];

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, n] = process.argv.slice(2);
  if (!dir || !Number.isInteger(Number(n)) || Number(n) < 1) {
    process.stderr.write('usage: node scripts/bench-tree.mjs DIR N\n');
    process.exit(2);
  }
  process.stdout.write(`${JSON.stringify(generate(resolve(dir), Number(n)))}\n`);
}
