import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const BUNDLE = join(__dirname, '..', 'dist', 'ipam-fn.js');

const ITEM = [
  '- apiVersion: ipam.resource.nephio.org/v1alpha1',
  '  kind: NetworkInstance',
  '  metadata:',
  '    name: vpc-n3',
  '    annotations:',
  "      config.kubernetes.io/local-config: 'true'",
  "      internal.config.kubernetes.io/path: 'ni.yaml'",
  '  spec:',
  '    prefixes:',
  '    - prefix: 10.0.0.0/24',
].join('\n');

function run(data: Record<string, string>): { status: number | null; stdout: string } {
  const input = [
    'apiVersion: config.kubernetes.io/v1',
    'kind: ResourceList',
    'items:',
    ITEM,
    'functionConfig:',
    '  apiVersion: v1',
    '  kind: ConfigMap',
    '  metadata:',
    '    name: ipam',
    '  data:',
    ...Object.entries(data).map(([k, v]) => `    ${k}: ${JSON.stringify(v)}`),
    '',
  ].join('\n');
  const r = spawnSync(process.execPath, [BUNDLE], { input, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout };
}

describe('ipam-fn functionConfig keys (the executable, ledger keys included)', () => {
  it('a misspelt ledger key is an error naming the key, and the items come back untouched', () => {
    const r = run({ ledgerEndpoint: 'http://127.0.0.1:1' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('unknown key ledgerEndpoint in ipam-fn');
    expect(r.stdout).toContain('did you mean ledgerEndpoints?');
    expect(r.stdout).toContain('path: data.ledgerEndpoint');
    expect(r.stdout).toContain(ITEM);
  });

  it('known keys pass', () => {
    const r = run({ networkSubnetLengthIPv4: '24' });
    expect(r.stdout).not.toContain('unknown key');
    expect(r.status).toBe(0);
  });
});
