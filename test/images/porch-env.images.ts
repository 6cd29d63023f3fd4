/**
 * The netpipe-fn image as Porch runs it with deploy/porch/function-config.yaml: the entrypoint fed
 * a ResourceList on stdin, the CA, client certificate and key in the container's environment as
 * PEM text (what the FunctionConfig's `env` from the client Secret gives the pod), no file
 * mounted. Against an etcd with client-certificate TLS made by deploy/make-certs.sh.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump, load } from 'js-yaml';
import { EtcdCluster, etcdAvailable, startReady } from '../ledger/etcd';
import { initLedger, renderOk, writeNetworksPackage } from '../ledger/packages';

const ROOT = join(__dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'netpipe-porch-env-'));
const certs = join(dir, 'certs');
const pem = (f: string): string => readFileSync(join(certs, f), 'utf8');
let etcd: EtcdCluster;
let image = '';

beforeAll(async () => {
  if (!etcdAvailable()) throw new Error('etcd is not installed: `apt-get install -y etcd-server` (scripts/setup.sh does)');
  const args = [join(ROOT, 'scripts', 'images.mjs'), '--json', 'netpipe-fn'];
  if (process.env.IMAGES_TEST_FUNCTIONS_DIR) args.push('--functions-dir', process.env.IMAGES_TEST_FUNCTIONS_DIR);
  const built = spawnSync('node', args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (built.status !== 0) throw new Error(`scripts/images.mjs failed:\n${built.stderr}`);
  const summary = JSON.parse(built.stdout) as { engine: string; images: { name: string; image: string }[] };
  if (summary.engine !== 'podman') throw new Error(`this test drives podman; images.mjs picked ${summary.engine}`);
  image = summary.images.find((i) => i.name === 'netpipe-fn')!.image;
  execFileSync('bash', [join(ROOT, 'deploy', 'make-certs.sh'), certs, 'netpipe-ledger', '1'], { stdio: 'pipe' });
  const started = await startReady({
    tls: { ca: join(certs, 'ca.crt'), serverCert: join(certs, 'server.crt'), serverKey: join(certs, 'server.key') },
    client: { ca: Buffer.from(pem('ca.crt')), cert: Buffer.from(pem('client.crt')), key: Buffer.from(pem('client.key')) },
  });
  etcd = started.etcd;
  started.client.close();
}, 300000);

afterAll(async () => {
  await etcd?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Out {
  items: { kind: string; metadata: { name: string }; status?: { prefix?: string } }[];
  results?: { severity: string; message: string }[];
}

it('the image allocates through a TLS ledger with the credentials as PEM text in its environment only', async () => {
  const env: NodeJS.ProcessEnv = { ...process.env, NETPIPE_LEDGER_CA: pem('ca.crt'), NETPIPE_LEDGER_CERT: pem('client.crt'), NETPIPE_LEDGER_KEY: pem('client.key') };
  const ledger = { endpoints: etcd.endpoints, prefix: '/netpipe/prod', skipInit: true };
  initLedger(etcd.endpoints, ledger.prefix, [], env);
  writeNetworksPackage(join(dir, 'networks'), 'networks', [{ name: 'vpc-n3', prefixes: [{ prefix: '10.3.0.0/24' }] }], ledger);
  await renderOk(join(dir, 'networks'), ['--allow-exec'], env);

  const step = (load(readFileSync(join(ROOT, 'deploy/porch/package-Kptfile.yaml'), 'utf8')) as { pipeline: { mutators: { configMap: Record<string, string> }[] } }).pipeline.mutators[0];
  const input = dump({
    apiVersion: 'config.kubernetes.io/v1',
    kind: 'ResourceList',
    functionConfig: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ledger' }, data: { ...step.configMap, ledgerEndpoints: etcd.endpoints.join(',') } },
    items: [
      {
        apiVersion: 'infra.nephio.org/v1alpha1',
        kind: 'WorkloadCluster',
        metadata: { name: 'edge1', annotations: { 'config.kubernetes.io/local-config': 'true', 'internal.config.kubernetes.io/path': 'workload-cluster.yaml' } },
        spec: { clusterName: 'edge1', cnis: ['macvlan'], masterInterface: 'ens4' },
      },
      {
        apiVersion: 'req.nephio.org/v1alpha1',
        kind: 'Interface',
        metadata: { name: 'n3', annotations: { 'internal.config.kubernetes.io/path': 'interface-n3.yaml' } },
        spec: { networkInstance: { name: 'vpc-n3' }, cniType: 'macvlan', attachmentType: 'none' },
      },
    ],
  });
  const run = (extra: string[]) =>
    spawnSync('podman', ['run', '-i', '--rm', '--network', 'host', '--user', '65534', ...extra, image], { input, encoding: 'utf8', env, maxBuffer: 64 << 20 });
  // `-e NAME` passes the variable from this environment, as the pod gets it from the Secret.
  const ok = run(['-e', 'NETPIPE_LEDGER_CA', '-e', 'NETPIPE_LEDGER_CERT', '-e', 'NETPIPE_LEDGER_KEY']);
  expect(ok.stderr).not.toMatch(/error/i);
  expect(ok.status).toBe(0);
  const out = load(ok.stdout) as Out;
  expect((out.results ?? []).filter((r) => r.severity === 'error')).toEqual([]);
  expect(out.items.filter((i) => i.kind === 'IPClaim').map((c) => c.status?.prefix)).toEqual(['10.3.0.2/24']);

  // Without the client certificate (a FunctionConfig that forgot it) the render fails naming what to check.
  const refused = run(['-e', 'NETPIPE_LEDGER_CA']);
  expect(refused.status).not.toBe(0);
  expect(refused.stdout).toMatch(/check the CA, client certificate and key/);
}, 300000);
