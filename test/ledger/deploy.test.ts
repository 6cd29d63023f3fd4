/**
 * The manifests under deploy/ (the ledger's etcd in the management cluster, Porch's FunctionConfig,
 * the NetworkPolicies, a package's pipeline step) checked against the systems that read them:
 * the FunctionConfig against Porch's own Go type, the environment it sets against the variables
 * the function reads, the selectors, ports and names against each other, every etcd flag against
 * the real etcd - and then etcd run with the StatefulSet's own flags and certificates from
 * deploy/make-certs.sh, with a package rendered through kpt with the credentials passed as the
 * FunctionConfig passes them (PEM text in environment variables, no file).
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { CONFIG_KEYS, ENV, ledgerConfig } from '../../functions/lib/src/ledger/config';
import { EtcdClient } from '../../functions/lib/src/ledger/etcd';
import { ETCD, etcdAvailable, freePort } from './etcd';
import { claimPrefixes, initLedger, render, ROOT, writeNetworksPackage, writeNfPackage } from './packages';

jest.setTimeout(180000);

const DEPLOY = join(ROOT, 'deploy');
type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const at = (v: unknown, ...path: (string | number)[]): unknown => path.reduce<unknown>((o, k) => (typeof k === 'number' ? arr(o)[k] : obj(o)[k]), v);

function manifests(): Obj[] {
  const out: Obj[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(dir, e.name));
      else if (e.name.endsWith('.yaml')) out.push(...loadAll(readFileSync(join(dir, e.name), 'utf8')).map(obj));
    }
  };
  walk(DEPLOY);
  return out;
}
const all = manifests();
const one = (kind: string, name?: string): Obj => {
  const found = all.filter((o) => o.kind === kind && (name === undefined || at(o, 'metadata', 'name') === name));
  expect(found).toHaveLength(1);
  return found[0];
};
const sts = one('StatefulSet');
const clientService = one('Service', 'netpipe-ledger');
const peerService = one('Service', 'netpipe-ledger-peers');
const kptfile = one('Kptfile');
const functionConfigs = all.filter((o) => o.kind === 'FunctionConfig');
const etcdNamespace = at(sts, 'metadata', 'namespace') as string;
const podLabels = obj(at(sts, 'spec', 'template', 'metadata', 'labels'));
const container = obj(at(sts, 'spec', 'template', 'spec', 'containers', 0));
const etcdArgs = arr(container.command).slice(1) as string[];
const flag = (name: string): string => {
  const a = etcdArgs.find((x) => x.startsWith(`--${name}=`));
  expect(a).toBeDefined();
  return (a as string).slice(name.length + 3);
};
const step = obj(at(kptfile, 'pipeline', 'mutators', 0));
const stepConfig = obj(step.configMap) as Record<string, string>;

/** Porch's Go types: type name -> JSON field name -> Go type (pointer and slice marks stripped). */
function porchTypes(): Map<string, Map<string, string>> {
  const src = readFileSync(join(ROOT, 'third_party/porch/api/porchconfig/v1alpha1/function_config_types.go'), 'utf8');
  const types = new Map<string, Map<string, string>>();
  for (const m of src.matchAll(/^type (\w+) struct \{([\s\S]*?)^\}/gm)) {
    const fields = new Map<string, string>();
    for (const f of m[2].matchAll(/^\s*\w+\s+([*[\]\w.]+)\s+`json:"([^,"]+)/gm)) fields.set(f[2], f[1].replace(/[*[\]]/g, ''));
    types.set(m[1], fields);
  }
  return types;
}

/** The Kubernetes core fields the overrides use (corev1 EnvVar, EnvVarSource, SecretKeySelector, EnvFromSource). */
const CORE: Readonly<Record<string, readonly string[]>> = {
  'corev1.EnvVar': ['name', 'value', 'valueFrom'],
  'corev1.EnvFromSource': ['prefix', 'configMapRef', 'secretRef'],
};

function unknownFields(value: unknown, type: string, types: Map<string, Map<string, string>>, path: string): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownFields(v, type, types, `${path}[${i}]`));
  if (CORE[type]) return Object.keys(obj(value)).filter((k) => !CORE[type].includes(k)).map((k) => `${path}.${k} (${type})`);
  const fields = types.get(type);
  if (!fields) return [];
  return Object.entries(obj(value)).flatMap(([k, v]) => {
    const t = fields.get(k);
    return t === undefined ? [`${path}.${k} (not in Porch's ${type})`] : unknownFields(v, t, types, `${path}.${k}`);
  });
}

describe("deploy/: Porch's FunctionConfig", () => {
  it('uses only fields that Porch’s FunctionConfig type has, for the images this project builds, at its version', () => {
    const types = porchTypes();
    expect(types.get('ContainerOverrides')?.has('envFrom')).toBe(true);
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version as string;
    expect(functionConfigs.map((f) => at(f, 'spec', 'image')).sort()).toEqual(['ipam-fn', 'netpipe-fn']);
    for (const f of functionConfigs) {
      expect(f.apiVersion).toBe('config.porch.kpt.dev/v1alpha1');
      expect(unknownFields(f.spec, 'FunctionConfigSpec', types, 'spec')).toEqual([]);
      expect(readFileSync(join(ROOT, 'functions', at(f, 'spec', 'image') as string, 'metadata.yaml'), 'utf8')).toMatch(/^image: /m);
      expect(at(f, 'spec', 'podExecutor', 'tags')).toContain(version);
    }
    // The package's step names an image these configs apply to: one of the prefixes, the name, a tag.
    const netpipe = functionConfigs.find((f) => at(f, 'spec', 'image') === 'netpipe-fn');
    expect(step.image).toBe(`${at(netpipe, 'spec', 'prefixes', 0)}/netpipe-fn:${version}`);
  });

  it('sets exactly the variables the function reads for TLS, from one Secret’s ca.crt / tls.crt / tls.key, and the credentials by envFrom', () => {
    for (const f of functionConfigs) {
      const c = at(f, 'spec', 'podExecutor', 'templateOverrides', 'container');
      const env = arr(at(c, 'env')).map(obj);
      expect(env.map((e) => e.name)).toEqual([ENV.ca, ENV.cert, ENV.key]);
      expect(env.map((e) => at(e, 'valueFrom', 'secretKeyRef', 'key'))).toEqual(['ca.crt', 'tls.crt', 'tls.key']);
      expect(new Set(env.map((e) => at(e, 'valueFrom', 'secretKeyRef', 'name'))).size).toBe(1);
      expect(arr(at(c, 'envFrom')).map((e) => at(e, 'secretRef', 'name'))).toEqual(['netpipe-ledger-credentials']);
      expect(at(f, 'metadata', 'namespace')).toBe('porch-fn-system');
    }
    // The Secrets deploy/README.md tells the operator to create carry those names and keys.
    const readme = readFileSync(join(DEPLOY, 'README.md'), 'utf8');
    expect(readme).toContain('create secret generic netpipe-ledger-client-tls -n porch-fn-system --from-file=ca.crt --from-file=tls.crt=client.crt --from-file=tls.key=client.key');
    expect(readme).toContain(`--from-literal=${ENV.username}=`);
    expect(readme).toContain(`--from-literal=${ENV.password}=`);
    expect(readme).toContain('create secret generic netpipe-ledger-server-tls -n netpipe-ledger --from-file=ca.crt --from-file=tls.crt=server.crt --from-file=tls.key=server.key');
    expect(at(sts, 'spec', 'template', 'spec', 'volumes', 0, 'secret', 'secretName')).toBe('netpipe-ledger-server-tls');
  });
});

describe('deploy/: the pipeline step, the Services and the NetworkPolicies agree', () => {
  it('the step’s configMap holds only ledger keys and no credential, and its endpoint is the client Service', () => {
    for (const k of Object.keys(stepConfig)) expect(Object.values(CONFIG_KEYS)).toContain(k);
    expect(Object.keys(stepConfig).filter((k) => /File$|Env$/.test(k))).toEqual([]);
    const url = new URL(stepConfig.ledgerEndpoints);
    expect(url.protocol).toBe('https:');
    expect(url.hostname).toBe(`${at(clientService, 'metadata', 'name')}.${etcdNamespace}.svc`);
    expect(Number(url.port)).toBe(at(clientService, 'spec', 'ports', 0, 'port'));
    expect(ledgerConfig(stepConfig, {}).ok).toBe(true);
  });

  it('the Services select the members; the members advertise names under the headless Service', () => {
    expect(at(clientService, 'spec', 'selector')).toEqual(podLabels);
    expect(at(peerService, 'spec', 'selector')).toEqual(podLabels);
    expect(at(peerService, 'spec', 'clusterIP')).toBe('None');
    expect(at(sts, 'spec', 'serviceName')).toBe(at(peerService, 'metadata', 'name'));
    const replicas = at(sts, 'spec', 'replicas') as number;
    const domain = `${at(peerService, 'metadata', 'name')}.${etcdNamespace}.svc`;
    const members = Array.from({ length: replicas }, (_, i) => `${at(sts, 'metadata', 'name')}-${i}`);
    expect(flag('initial-cluster')).toBe(members.map((m) => `${m}=https://${m}.${domain}:2380`).join(','));
    expect(flag('advertise-client-urls')).toBe(`https://$(POD_NAME).${domain}:2379`);
    expect(flag('initial-advertise-peer-urls')).toBe(`https://$(POD_NAME).${domain}:2380`);
  });

  it('function pods may reach the members’ client port and DNS only; the members admit function pods, operators and each other', () => {
    const egress = one('NetworkPolicy', 'krm-functions-reach-the-ledger-only');
    expect(at(egress, 'metadata', 'namespace')).toBe(at(functionConfigs[0], 'metadata', 'namespace'));
    expect(at(egress, 'spec', 'policyTypes')).toEqual(['Egress']);
    const [toLedger, toDns] = arr(at(egress, 'spec', 'egress'));
    expect(arr(at(egress, 'spec', 'egress'))).toHaveLength(2);
    expect(at(toLedger, 'to', 0, 'namespaceSelector', 'matchLabels', 'kubernetes.io/metadata.name')).toBe(etcdNamespace);
    expect(at(toLedger, 'to', 0, 'podSelector', 'matchLabels')).toEqual(podLabels);
    expect(at(toLedger, 'ports')).toEqual([{ protocol: 'TCP', port: at(clientService, 'spec', 'ports', 0, 'port') }]);
    expect(arr(at(toDns, 'ports')).map((p) => at(p, 'port'))).toEqual([53, 53]);
    // Porch's pod label, as Porch's pod manager sets it (krmFunctionImageLabel).
    expect(at(egress, 'spec', 'podSelector', 'matchExpressions', 0)).toEqual({ key: 'fn.kpt.dev/image', operator: 'Exists' });

    const ingress = one('NetworkPolicy', 'netpipe-ledger');
    expect(at(ingress, 'metadata', 'namespace')).toBe(etcdNamespace);
    expect(at(ingress, 'spec', 'podSelector', 'matchLabels')).toEqual(podLabels);
    const [clients, peers] = arr(at(ingress, 'spec', 'ingress'));
    expect(at(clients, 'from', 0, 'namespaceSelector', 'matchLabels', 'kubernetes.io/metadata.name')).toBe('porch-fn-system');
    expect(at(clients, 'ports')).toEqual([{ protocol: 'TCP', port: 2379 }]);
    expect(at(peers, 'from', 0, 'podSelector', 'matchLabels')).toEqual(podLabels);
    const ports = obj(Object.fromEntries(arr(container.ports).map((p) => [at(p, 'name'), at(p, 'containerPort')])));
    expect(ports).toEqual({ client: 2379, peer: 2380 });
  });
});

describe('deploy/: etcd with the StatefulSet’s own flags, and a render with the credentials as Porch passes them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netpipe-deploy-'));
  const procs: ChildProcess[] = [];
  afterAll(async () => {
    for (const p of procs) if (p.exitCode === null) p.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    rmSync(dir, { recursive: true, force: true });
  });

  it('every flag is one the real etcd knows, and the defaults the ledger relies on are kept', () => {
    expect(etcdAvailable()).toBe(true);
    const help = spawnSync(ETCD, ['--help'], { encoding: 'utf8' });
    const text = `${help.stdout}${help.stderr}`;
    for (const a of etcdArgs) expect(text).toContain(a.split('=')[0]);
    expect(etcdArgs.some((a) => a.startsWith('--max-txn-ops'))).toBe(false);
    expect(flag('client-cert-auth')).toBe('true');
    expect(flag('peer-client-cert-auth')).toBe('true');
  });

  it('deploy/make-certs.sh makes certificates for every name the members advertise and a client certificate without a CommonName', () => {
    execFileSync('bash', [join(DEPLOY, 'make-certs.sh'), join(dir, 'certs'), etcdNamespace, '1'], { stdio: 'pipe' });
    const sans = execFileSync('openssl', ['x509', '-in', join(dir, 'certs/server.crt'), '-noout', '-ext', 'subjectAltName'], { encoding: 'utf8' });
    const domain = `${at(peerService, 'metadata', 'name')}.${etcdNamespace}.svc`;
    expect(sans).toContain(`DNS:*.${domain}`);
    expect(sans).toContain(`DNS:${new URL(stepConfig.ledgerEndpoints).hostname}`);
    expect(sans).toContain('IP Address:127.0.0.1');
    const subject = execFileSync('openssl', ['x509', '-in', join(dir, 'certs/client.crt'), '-noout', '-subject'], { encoding: 'utf8' });
    expect(subject).not.toMatch(/CN\s*=/);
  });

  it('three members run with those flags (loopback for the Service names) and a package renders with PEM text only', async () => {
    const replicas = at(sts, 'spec', 'replicas') as number;
    const name = (i: number): string => `${at(sts, 'metadata', 'name')}-${i}`;
    const domain = `${at(peerService, 'metadata', 'name')}.${etcdNamespace}.svc`;
    const ports = await Promise.all(Array.from({ length: replicas }, async () => ({ client: await freePort(), peer: await freePort() })));
    const certs = join(dir, 'certs');
    const secretFile: Record<string, string> = { 'ca.crt': 'ca.crt', 'tls.crt': 'server.crt', 'tls.key': 'server.key' };
    for (let i = 0; i < replicas; i++) {
      const args = etcdArgs.map((a) => {
        let s = a.replace(/\$\(POD_NAME\)/g, name(i));
        for (let j = 0; j < replicas; j++) {
          s = s.replaceAll(`${name(j)}.${domain}:2379`, `127.0.0.1:${ports[j].client}`).replaceAll(`${name(j)}.${domain}:2380`, `127.0.0.1:${ports[j].peer}`);
        }
        s = s.replace('0.0.0.0:2379', `127.0.0.1:${ports[i].client}`).replace('0.0.0.0:2380', `127.0.0.1:${ports[i].peer}`);
        s = s.replace(/\/etc\/etcd\/tls\/([\w.]+)/, (_, f: string) => join(certs, secretFile[f]));
        return s.replace('/var/lib/etcd', join(dir, `member-${i}`));
      });
      // Every cluster-specific value was replaced: what runs is the manifest with loopback names.
      expect(args.filter((a) => a.includes('.svc') || a.includes('/etc/etcd') || a.includes('0.0.0.0'))).toEqual([]);
      procs.push(spawn(ETCD, args, { stdio: 'ignore' }));
    }
    const endpoints = ports.map((p) => `https://127.0.0.1:${p.client}`);
    const pem = (f: string): string => readFileSync(join(certs, f), 'utf8');
    // What the FunctionConfig's env gives the function pod from the client Secret (ca.crt, tls.crt, tls.key).
    const env: NodeJS.ProcessEnv = { ...process.env, [ENV.ca]: pem('ca.crt'), [ENV.cert]: pem('client.crt'), [ENV.key]: pem('client.key') };
    const client = new EtcdClient({ endpoints, ca: Buffer.from(pem('ca.crt')), cert: Buffer.from(pem('client.crt')), key: Buffer.from(pem('client.key')) });
    try {
      const until = Date.now() + 30000;
      for (;;) {
        const ok = await client.txn([], [{ put: '/ready', value: 'yes' }]).then(() => true, () => false);
        if (ok) break;
        if (Date.now() > until) throw new Error('the members did not form a cluster');
        await new Promise((r) => setTimeout(r, 200));
      }
      // Without the client certificate the members refuse (client-cert-auth).
      const anonymous = new EtcdClient({ endpoints: endpoints.slice(0, 1), ca: Buffer.from(pem('ca.crt')), timeoutMs: 2000 });
      await expect(anonymous.range('/', '0')).rejects.toThrow();
      anonymous.close();
    } finally {
      client.close();
    }

    const prefix = stepConfig.ledgerPrefix;
    initLedger(endpoints, prefix, [], env);
    const rest = Object.fromEntries(Object.entries(stepConfig).filter(([k]) => k !== CONFIG_KEYS.endpoints && k !== CONFIG_KEYS.prefix));
    const ledger = { endpoints, prefix, extra: rest, skipInit: true };
    writeNetworksPackage(join(dir, 'networks'), 'networks', [{ name: 'vpc-n3', prefixes: [{ prefix: '10.3.0.0/24' }] }], ledger);
    writeNfPackage(join(dir, 'nf'), { name: 'edge1-upf', cluster: 'edge1', nf: 'upf', interfaces: [{ name: 'n3', ni: 'vpc-n3' }], ledger });
    expect((await render(join(dir, 'networks'), ['--allow-exec'], env)).status).toBe(0);
    const r = await render(join(dir, 'nf'), ['--allow-exec'], env);
    expect(r.output).toContain('Successfully executed');
    expect(Object.values(claimPrefixes(join(dir, 'nf')))).toEqual(['10.3.0.2/24']); // .1 is the pool's gateway
    expect(readFileSync(join(dir, 'nf', 'Kptfile'), 'utf8')).not.toMatch(/BEGIN|ledger\w*File/);
  });
});
