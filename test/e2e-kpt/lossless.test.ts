/**
 * Invariant 8 through real `kpt fn render`: what the pipeline does not change comes back
 * byte-for-byte, what it changes keeps every untouched line, and same-named resources of two
 * subpackages stay two resources.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const FUNCTIONS = ['interface-fn', 'ipam-fn', 'nad-fn', 'deployment-annotate-fn'];

const CONFIGMAP = `# values a careless YAML round trip rewrites
apiVersion: v1
kind: ConfigMap
metadata:
  name: same
  namespace: upf # same name in both subpackages
data:
  date: 2024-01-01
  mode: 0755
  version: 1.10
  flag: yes
  big: 12345678901234567890
  quoted: "0755"
  single: 'yes'
  block: |
    keep
      this
`;

const deployment = (cluster: string): string => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: upf
  namespace: upf
  labels:
    app: "upf" # quoted on purpose (kpt itself normalises the space before a comment)
spec:
  replicas: 1
  strategy:
    type: Recreate
  selector:
    matchLabels:
      app: upf
  template:
    metadata:
      labels:
        app: upf
      annotations:
        k8s.v1.cni.cncf.io/networks: n3
        prometheus.io/port: "9090"
    spec:
      containers:
      - name: upf
        image: registry.example.com/upf:1.10
        env:
        - name: CLUSTER
          value: "${cluster}"
        - name: DEBUG
          value: "yes"
      volumes:
      - name: cfg
        configMap:
          name: same
          defaultMode: 0755
`;

const iface = `apiVersion: req.nephio.org/v1alpha1
kind: Interface
metadata:
  name: n3
  namespace: upf
spec:
  networkInstance:
    name: vpc-n3
  cniType: macvlan
  attachmentType: none
  ipFamilyPolicy: ipv4-only
`;

const cluster = (name: string): string => `apiVersion: infra.nephio.org/v1alpha1
kind: WorkloadCluster
metadata:
  name: ${name}
  annotations:
    config.kubernetes.io/local-config: "true"
spec:
  clusterName: ${name}
  cnis: [macvlan]
  masterInterface: eth1
`;

const kptfile = (name: string, pipeline = ''): string =>
  `apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: ${name}\n${pipeline}`;

describe('kpt fn render keeps what it does not change', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netpipe-lossless-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  beforeAll(() => {
    const pipeline =
      'pipeline:\n  mutators:\n' +
      FUNCTIONS.map((f) => `  - exec: ${join(ROOT, 'functions', f, 'dist', `${f}.js`)}\n`).join('');
    writeFileSync(join(dir, 'Kptfile'), kptfile('root', pipeline));
    writeFileSync(
      join(dir, 'pools.yaml'),
      'apiVersion: ipam.resource.nephio.org/v1alpha1\nkind: NetworkInstance\nmetadata:\n  name: vpc-n3\n  annotations:\n    config.kubernetes.io/local-config: "true"\nspec:\n  prefixes:\n  - prefix: 192.168.251.0/24\n',
    );
    for (const c of ['edge01', 'core01']) {
      mkdirSync(join(dir, c));
      writeFileSync(join(dir, c, 'Kptfile'), kptfile(c));
      writeFileSync(join(dir, c, 'cluster.yaml'), cluster(c));
      writeFileSync(join(dir, c, 'configmap.yaml'), CONFIGMAP);
      writeFileSync(join(dir, c, 'deployment.yaml'), deployment(c));
      writeFileSync(join(dir, c, 'interface.yaml'), iface);
    }
    execFileSync('kpt', ['fn', 'render', dir, '--allow-exec'], { stdio: 'pipe' });
  });

  it('leaves unchanged resources byte-identical, in both subpackages', () => {
    for (const c of ['edge01', 'core01']) {
      expect(readFileSync(join(dir, c, 'configmap.yaml'), 'utf8')).toBe(CONFIGMAP);
    }
  });

  it('adds only the status Nephio reads to an Interface, keeping every line the user wrote', () => {
    for (const c of ['edge01', 'core01']) {
      const text = readFileSync(join(dir, c, 'interface.yaml'), 'utf8');
      expect(text.startsWith(iface)).toBe(true);
      expect(text.slice(iface.length)).toMatch(/^status:\n  ipClaimStatus:\n  - prefix: 192\.168\.251\.\d+\/24\n    gateway: 192\.168\.251\.1\n$/);
    }
  });

  it('changes only the annotation lines of an annotated workload', () => {
    for (const c of ['edge01', 'core01']) {
      const before = deployment(c).split('\n');
      const after = readFileSync(join(dir, c, 'deployment.yaml'), 'utf8').split('\n');
      const removed = before.filter((l) => !after.includes(l));
      const added = after.filter((l) => !before.includes(l));
      expect(removed).toEqual(['        k8s.v1.cni.cncf.io/networks: n3']);
      expect(added).toHaveLength(3);
      expect(added[0]).toBe('  annotations:');
      expect(added[1]).toBe('    netpipe.dev/networks: n3');
      expect(added[2]).toMatch(/^        k8s\.v1\.cni\.cncf\.io\/networks: '\[\{"name":"n3","interface":"n3","ips":\["192\.168\.251\.\d+\/24"\]\}\]'$/);
    }
  });

  it('keeps same-named Interfaces of two subpackages apart: two claims, two addresses', () => {
    const prefixes = ['edge01', 'core01'].map((c) => {
      const claim = readFileSync(join(dir, c, 'ipclaim-n3-ipv4.yaml'), 'utf8');
      expect(claim).toContain(`nephio.org/cluster-name: ${c}`);
      return /prefix: (\S+)/.exec(claim)?.[1];
    });
    expect(prefixes[0]).toMatch(/^192\.168\.251\.\d+\/24$/);
    expect(prefixes[1]).toMatch(/^192\.168\.251\.\d+\/24$/);
    expect(prefixes[0]).not.toBe(prefixes[1]);
  });
});
