/**
 * The ledger over TLS with client certificates and etcd authentication: certificates made here
 * with openssl, credentials from files and environment variables the config names - never from
 * the package. Wrong credentials fail the render naming the ledger and what to check.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initialise, LedgerKeys, prefixEnd } from '../../functions/lib/src/ledger';
import { EtcdCluster, startReady } from './etcd';
import { claimPrefixes, render, treeHash } from './packages';
import { Scenario } from './scenario';

jest.setTimeout(300000);

const dir = mkdtempSync(join(tmpdir(), 'netpipe-tls-'));
const file = (n: string): string => join(dir, n);
let etcd: EtcdCluster;
let scenario: Scenario | undefined;

function openssl(...args: string[]): void {
  execFileSync('openssl', args, { stdio: 'pipe' });
}

function makeCert(name: string, subject: string, usage: string, san?: string): void {
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', subject);
  writeFileSync(file(`${name}.ext`), `extendedKeyUsage=${usage}\n${san ? `subjectAltName=${san}\n` : ''}`);
  openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial', '-out', file(`${name}.pem`), '-days', '1', '-extfile', file(`${name}.ext`));
}

const b64 = (s: string): string => Buffer.from(s).toString('base64');

beforeAll(async () => {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '1', '-subj', '/CN=netpipe-test-ca');
  makeCert('server', '/CN=127.0.0.1', 'serverAuth,clientAuth', 'IP:127.0.0.1');
  // etcd's JSON gateway refuses client certificates with a CommonName once auth is on.
  makeCert('client', '/O=netpipe', 'clientAuth');
  makeCert('named', '/CN=netpipe', 'clientAuth');
  const started = await startReady({
    tls: { ca: file('ca.pem'), serverCert: file('server.pem'), serverKey: file('server.key') },
    client: { ca: readFileSync(file('ca.pem')), cert: readFileSync(file('client.pem')), key: readFileSync(file('client.key')) },
  });
  etcd = started.etcd;
  const admin = started.client;
  try {
    // A root user (etcd requires one), and a user that may use only the ledger's prefix.
    await admin.request('/v3/auth/user/add', { name: 'root', password: 'root-secret' });
    await admin.request('/v3/auth/user/grant', { user: 'root', role: 'root' });
    await admin.request('/v3/auth/role/add', { name: 'netpipe' });
    await admin.request('/v3/auth/role/grant', { name: 'netpipe', perm: { permType: 'READWRITE', key: b64('/secure/'), range_end: b64(prefixEnd('/secure/')) } });
    await admin.request('/v3/auth/user/add', { name: 'netpipe', password: 'ledger-secret' });
    await admin.request('/v3/auth/user/grant', { user: 'netpipe', role: 'netpipe' });
    // The ledger is initialised as `netpipe ledger init` does, before auth closes the prefix to admin.
    await initialise(admin, new LedgerKeys('/secure'), 'init');
    await admin.request('/v3/auth/enable', {});
  } finally {
    admin.close();
  }
  writeFileSync(file('password'), 'ledger-secret\n');
});

afterAll(async () => {
  await etcd?.stop();
  scenario?.remove();
  rmSync(dir, { recursive: true, force: true });
});

const env = (over: Record<string, string | undefined>): NodeJS.ProcessEnv => {
  const e: NodeJS.ProcessEnv = { ...process.env, NETPIPE_LEDGER_USERNAME: 'netpipe', NETPIPE_LEDGER_PASSWORD_FILE: file('password'), ...over };
  for (const [k, v] of Object.entries(e)) if (v === undefined) delete e[k];
  return e;
};

describe('TLS client certificates and etcd auth', () => {
  it('renders with certificate files named in the Kptfile and the password from a file named by the environment; wrong credentials fail naming what to check', async () => {
    scenario = new Scenario({
      endpoints: etcd.endpoints,
      prefix: '/secure',
      skipInit: true,
      extra: { ledgerCAFile: file('ca.pem'), ledgerCertFile: file('client.pem'), ledgerKeyFile: file('client.key') },
    });
    const s = scenario;
    const ok = await render(s.networks, ['--allow-exec'], env({}));
    expect(ok.output).toContain('Successfully executed');
    const [a, b] = s.addNfs(2, 2, undefined, true);
    expect((await render(a, ['--allow-exec'], env({}))).status).toBe(0);
    expect(Object.keys(claimPrefixes(a))).toHaveLength(3);
    expect(readFileSync(join(a, 'Kptfile'), 'utf8')).not.toContain('secret');

    const before = treeHash(b);
    const wrong = await render(b, ['--allow-exec'], env({ NETPIPE_LEDGER_PASSWORD_FILE: undefined, NETPIPE_LEDGER_PASSWORD: 'guess' }));
    expect(wrong.status).not.toBe(0);
    expect(wrong.output).toContain(`shared address ledger (etcd ${etcd.endpoints[0]}, prefix /secure)`);
    expect(wrong.output).toMatch(/check the etcd user and password/);
    const anonymous = await render(b, ['--allow-exec'], env({ NETPIPE_LEDGER_USERNAME: undefined }));
    expect(anonymous.status).not.toBe(0);
    expect(treeHash(b)).toBe(before);

    // Without the CA the server is not trusted; a certificate with a CommonName is refused by etcd.
    for (const extra of <Record<string, string>[]>[
      { ledgerCertFile: file('client.pem'), ledgerKeyFile: file('client.key') },
      { ledgerCAFile: file('ca.pem'), ledgerCertFile: file('named.pem'), ledgerKeyFile: file('named.key') },
    ]) {
      const other = new Scenario({ endpoints: etcd.endpoints, prefix: '/secure', extra, skipInit: true });
      try {
        const [c] = other.addNfs(1, 1, undefined, true);
        const r = await render(c, ['--allow-exec'], env({}));
        expect(r.status).not.toBe(0);
        expect(r.output).toMatch(/check the CA, client certificate and key \(files: ledgerCAFile/);
      } finally {
        other.remove();
      }
    }

    expect((await render(b, ['--allow-exec'], env({}))).status).toBe(0);
    expect(s.duplicates()).toEqual([]);
  });

  it('renders with the CA, certificate and key as PEM text in environment variables (a Secret through a Porch FunctionConfig env), as with the files', async () => {
    const pem = (n: string): string => readFileSync(file(n), 'utf8');
    // The package names no file: as in a Porch function pod, where templateOverrides set env only.
    const named = new Scenario({ endpoints: etcd.endpoints, prefix: '/secure', extra: { ledgerCAEnv: 'ETCD_CA' }, skipInit: true });
    try {
      const [c, d] = named.addNfs(2, 1, undefined, true);
      const text = env({ ETCD_CA: pem('ca.pem'), NETPIPE_LEDGER_CERT: pem('client.pem'), NETPIPE_LEDGER_KEY: pem('client.key') });
      const r = await render(c, ['--allow-exec'], text);
      expect(r.output).toContain('Successfully executed');
      expect(Object.keys(claimPrefixes(c)).length).toBeGreaterThan(0);
      const before = treeHash(d);
      // The certificate etcd refuses, as text, fails as the file does, and the tree stays as it was.
      const refused = await render(d, ['--allow-exec'], { ...text, NETPIPE_LEDGER_CERT: pem('named.pem'), NETPIPE_LEDGER_KEY: pem('named.key') });
      expect(refused.status).not.toBe(0);
      expect(refused.output).toMatch(/check the CA, client certificate and key \(files: .*PEM text: NETPIPE_LEDGER_CA/);
      // A key where the certificate belongs is caught before any request, naming the variable.
      const swapped = await render(d, ['--allow-exec'], { ...text, NETPIPE_LEDGER_CERT: pem('client.key') });
      expect(swapped.status).not.toBe(0);
      expect(swapped.output).toContain('NETPIPE_LEDGER_CERT does not hold a PEM client certificate');
      expect(treeHash(d)).toBe(before);
      expect((await render(d, ['--allow-exec'], text)).status).toBe(0);
      expect(named.duplicates()).toEqual([]);
    } finally {
      named.remove();
    }
  });
});
