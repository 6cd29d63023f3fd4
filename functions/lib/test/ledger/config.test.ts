/**
 * Where the ledger's TLS material comes from: files, or PEM text in environment variables (a
 * Secret handed to a Porch function pod through env / envFrom). Every wrong setting is an error
 * naming the variable, key or file; none turns TLS off without a word.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ledgerConfig } from '../../src/ledger/config';

const dir = mkdtempSync(join(tmpdir(), 'netpipe-pem-'));
const file = (n: string): string => join(dir, n);
const text = (n: string): string => readFileSync(file(n), 'utf8');
const endpoints = { ledgerEndpoints: 'https://127.0.0.1:2379' };

beforeAll(() => {
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', file('ca.key'), '-out', file('ca.pem'), '-days', '1', '-subj', '/CN=test-ca');
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', file('client.key'), '-out', file('client.pem'), '-days', '1', '-subj', '/O=test');
  writeFileSync(file('garbage.pem'), '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ok(data: Record<string, string>, env: Record<string, string>) {
  const r = ledgerConfig({ ...endpoints, ...data }, env);
  if (!r.ok) throw new Error(r.error);
  return r.value?.etcd;
}
function error(data: Record<string, string>, env: Record<string, string>): string {
  const r = ledgerConfig({ ...endpoints, ...data }, env);
  if (r.ok) throw new Error('expected an error');
  return r.error;
}

describe('TLS material as PEM text from the environment', () => {
  it('takes the CA, certificate and key from NETPIPE_LEDGER_CA / _CERT / _KEY, byte for byte as the files', () => {
    const fromText = ok({}, { NETPIPE_LEDGER_CA: text('ca.pem'), NETPIPE_LEDGER_CERT: text('client.pem'), NETPIPE_LEDGER_KEY: text('client.key') });
    const fromFiles = ok({ ledgerCAFile: file('ca.pem'), ledgerCertFile: file('client.pem'), ledgerKeyFile: file('client.key') }, {});
    expect(fromText?.ca?.equals(readFileSync(file('ca.pem')))).toBe(true);
    expect(fromText?.cert?.equals(fromFiles?.cert as Buffer)).toBe(true);
    expect(fromText?.key?.equals(fromFiles?.key as Buffer)).toBe(true);
  });

  it('reads the variables the config names (ledgerCAEnv, ledgerCertEnv, ledgerKeyEnv) instead of the defaults', () => {
    const etcd = ok(
      { ledgerCAEnv: 'ETCD_CA', ledgerCertEnv: 'ETCD_CERT', ledgerKeyEnv: 'ETCD_KEY' },
      { ETCD_CA: text('ca.pem'), ETCD_CERT: text('client.pem'), ETCD_KEY: text('client.key'), NETPIPE_LEDGER_CA: 'ignored' },
    );
    expect(etcd?.ca?.toString()).toBe(text('ca.pem'));
  });

  it('mixes sources per part: the CA as a file, the certificate and key as text', () => {
    const etcd = ok({ ledgerCAFile: file('ca.pem') }, { NETPIPE_LEDGER_CERT: text('client.pem'), NETPIPE_LEDGER_KEY: text('client.key') });
    expect(etcd?.ca).toBeDefined();
    expect(etcd?.key).toBeDefined();
  });

  it.each<[string, Record<string, string>, Record<string, string>, RegExp]>([
    ['a part given as a file and as text', { ledgerCAFile: file('ca.pem') }, { NETPIPE_LEDGER_CA: 'x' }, /CA certificate is given twice, as the file .*ca\.pem \(ledgerCAFile\) and as PEM text \(NETPIPE_LEDGER_CA\): keep one/],
    ['the same through the *_FILE variable', {}, { NETPIPE_LEDGER_CA_FILE: 'ca.pem', NETPIPE_LEDGER_CA: 'x' }, /\(NETPIPE_LEDGER_CA_FILE\) and as PEM text \(NETPIPE_LEDGER_CA\)/],
    ['text that is not PEM', {}, { NETPIPE_LEDGER_CA: 'hello' }, /NETPIPE_LEDGER_CA does not hold a PEM CA certificate: no "-----BEGIN \.\.\.-----" line/],
    ['PEM that is no certificate', {}, { NETPIPE_LEDGER_CERT: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n', NETPIPE_LEDGER_KEY: 'k' }, /NETPIPE_LEDGER_CERT does not hold a PEM client certificate/],
    ['line breaks escaped as \\n', {}, { NETPIPE_LEDGER_CA: '-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----' }, /NETPIPE_LEDGER_CA holds the CA certificate with its line breaks escaped as \\n/],
    ['an empty Secret key', {}, { NETPIPE_LEDGER_CA: ' ' }, /NETPIPE_LEDGER_CA is set but empty/],
    ['a named variable the environment lacks', { ledgerCAEnv: 'ETCD_CA' }, {}, /ledgerCAEnv names the environment variable ETCD_CA, which the function's environment does not have/],
    ['a bad certificate file', { ledgerCAFile: file('garbage.pem') }, {}, /the file .*garbage\.pem \(ledgerCAFile\) does not hold a PEM CA certificate/],
    ['a missing file', { ledgerKeyFile: file('nope.key'), ledgerCertFile: file('client.pem') }, {}, /cannot read the client key file .*nope\.key \(ledgerKeyFile\)/],
  ])('%s is an error naming it', (_, data, env, message) => {
    expect(error(data, env)).toMatch(message);
  });

  it('a certificate as text without its key is an error', () => {
    expect(error({}, { NETPIPE_LEDGER_CERT: text('client.pem') })).toMatch(/a client certificate needs its key and a key its certificate/);
  });

  it('a key in the certificate variable is refused as no certificate', () => {
    expect(error({}, { NETPIPE_LEDGER_CERT: text('client.key'), NETPIPE_LEDGER_KEY: text('client.key') })).toMatch(/NETPIPE_LEDGER_CERT does not hold a PEM client certificate/);
  });
});
