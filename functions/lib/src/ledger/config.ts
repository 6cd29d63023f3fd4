/**
 * Where the ledger is and how to reach it. Porch hands a function nothing but its functionConfig,
 * so the endpoints and prefix come from the pipeline step's `configMap:`; credentials never do:
 * the config names files or environment variables that hold them (mounted secrets, CI variables,
 * a Secret handed to a Porch function pod through `env` / `envFrom`). The `netpipe` CLI reads the
 * same environment variables.
 */
import { readFileSync } from 'node:fs';
import { tlsMaterial, TlsPart, TlsSource } from './credentials';
import { EtcdOptions } from './etcd';
import type { Outcome } from '../ipam/result';

export const DEFAULT_PREFIX = '/netpipe';

/** Environment variables, for the function (when the ConfigMap omits a key) and the CLI. */
export const ENV = {
  endpoints: 'NETPIPE_LEDGER_ENDPOINTS',
  prefix: 'NETPIPE_LEDGER_PREFIX',
  caFile: 'NETPIPE_LEDGER_CA_FILE',
  certFile: 'NETPIPE_LEDGER_CERT_FILE',
  keyFile: 'NETPIPE_LEDGER_KEY_FILE',
  ca: 'NETPIPE_LEDGER_CA',
  cert: 'NETPIPE_LEDGER_CERT',
  key: 'NETPIPE_LEDGER_KEY',
  username: 'NETPIPE_LEDGER_USERNAME',
  password: 'NETPIPE_LEDGER_PASSWORD',
  passwordFile: 'NETPIPE_LEDGER_PASSWORD_FILE',
  /** Set by `netpipe plan` for the render it previews: read the ledger, write nothing. */
  readOnly: 'NETPIPE_LEDGER_READ_ONLY',
} as const;

/** functionConfig ConfigMap keys. */
export const CONFIG_KEYS = {
  endpoints: 'ledgerEndpoints',
  prefix: 'ledgerPrefix',
  caFile: 'ledgerCAFile',
  certFile: 'ledgerCertFile',
  keyFile: 'ledgerKeyFile',
  caEnv: 'ledgerCAEnv',
  certEnv: 'ledgerCertEnv',
  keyEnv: 'ledgerKeyEnv',
  usernameEnv: 'ledgerUsernameEnv',
  passwordEnv: 'ledgerPasswordEnv',
  passwordFile: 'ledgerPasswordFile',
  timeoutMs: 'ledgerTimeoutMs',
} as const;

export interface LedgerConfig {
  readonly etcd: EtcdOptions;
  /** Key prefix without a trailing slash, e.g. `/netpipe`. */
  readonly prefix: string;
  /** Read the ledger and allocate as a render would, but write nothing (a preview). */
  readonly readOnly?: true;
}

type Source = Readonly<Record<string, string | undefined>>;

/**
 * The ledger configuration from ConfigMap data (`data`) and the environment; `undefined` when no
 * endpoints are configured (the function then allocates within the render, as without a ledger).
 * Endpoints and prefix come from the environment only for the CLI (`endpointsFromEnv`).
 */
export function ledgerConfig(data: Source, env: Source = process.env, endpointsFromEnv = false): Outcome<LedgerConfig | undefined, string> {
  // A key written but left blank (`ledgerEndpoints: ""`, `ledgerPrefix:`) is a mistake, never
  // "no ledger": the render would otherwise go on without the shared ledger and say nothing.
  for (const key of Object.values(CONFIG_KEYS)) {
    if (Object.prototype.hasOwnProperty.call(data, key) && (data[key] ?? '').trim() === '') {
      return { ok: false, error: `${key} is set but empty: give it a value or remove the key` };
    }
  }
  const pick = (key: string, envName: string): string | undefined => {
    // The function takes endpoints and prefix from its config only: a variable left in a shell
    // must not turn a render into a ledger render.
    const fromEnv = endpointsFromEnv || (key !== CONFIG_KEYS.endpoints && key !== CONFIG_KEYS.prefix);
    const v = data[key] ?? (fromEnv ? env[envName] : undefined);
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };
  const endpointsText = pick(CONFIG_KEYS.endpoints, ENV.endpoints);
  if (!endpointsText) return { ok: true, value: undefined };
  const listed = endpointsText.split(',').map((s) => s.trim());
  if (listed.some((s) => s === '')) {
    return { ok: false, error: `${CONFIG_KEYS.endpoints}: ${JSON.stringify(endpointsText)} has an empty entry: list etcd client URLs separated by single commas` };
  }
  const endpoints = listed;
  for (const e of endpoints) {
    if (!/^https?:\/\/[^/]+\/?$/.test(e)) return { ok: false, error: `${CONFIG_KEYS.endpoints}: ${e} is not an etcd client URL (http://host:port or https://host:port)` };
  }
  const prefixText = pick(CONFIG_KEYS.prefix, ENV.prefix) ?? DEFAULT_PREFIX;
  if (!prefixText.startsWith('/') || /\s/.test(prefixText)) return { ok: false, error: `${CONFIG_KEYS.prefix}: ${prefixText} must start with / and contain no spaces` };
  const prefix = prefixText.replace(/\/+$/, '');
  if (prefix === '') return { ok: false, error: `${CONFIG_KEYS.prefix}: ${prefixText} names the root of etcd's key space: name a prefix such as ${DEFAULT_PREFIX}` };

  const tls: Partial<Record<TlsPart, Buffer>> = {};
  const parts: readonly [TlsPart, string, string, string, string][] = [
    ['ca', CONFIG_KEYS.caFile, ENV.caFile, CONFIG_KEYS.caEnv, ENV.ca],
    ['cert', CONFIG_KEYS.certFile, ENV.certFile, CONFIG_KEYS.certEnv, ENV.cert],
    ['key', CONFIG_KEYS.keyFile, ENV.keyFile, CONFIG_KEYS.keyEnv, ENV.key],
  ];
  for (const [part, fileKey, fileEnv, textKey, textEnv] of parts) {
    const source = tlsSource(data, env, fileKey, fileEnv, textKey, textEnv);
    if (typeof source === 'string') return { ok: false, error: source };
    const material = tlsMaterial(part, source);
    if (!material.ok) return { ok: false, error: material.error };
    tls[part] = material.value;
  }
  if ((tls.cert === undefined) !== (tls.key === undefined)) {
    return { ok: false, error: 'a client certificate needs its key and a key its certificate: set both (as files or as PEM text)' };
  }

  const usernameEnv = data[CONFIG_KEYS.usernameEnv] ?? ENV.username;
  const passwordEnv = data[CONFIG_KEYS.passwordEnv] ?? ENV.password;
  const username = env[usernameEnv];
  let password = env[passwordEnv];
  const passwordFile = pick(CONFIG_KEYS.passwordFile, ENV.passwordFile);
  if (password === undefined && passwordFile) {
    try {
      password = readFileSync(passwordFile, 'utf8').replace(/\r?\n$/, '');
    } catch (e) {
      return { ok: false, error: `cannot read the password file ${passwordFile}: ${(e as Error).message}` };
    }
  }
  if (username !== undefined && password === undefined) return { ok: false, error: `${usernameEnv} is set but no password: set ${passwordEnv} or a password file` };
  const timeoutText = data[CONFIG_KEYS.timeoutMs];
  const timeoutMs = timeoutText ? Number(timeoutText) : undefined;
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) return { ok: false, error: `${CONFIG_KEYS.timeoutMs}: ${timeoutText} is not a positive number of milliseconds` };
  const readOnlyText = env[ENV.readOnly];
  if (readOnlyText !== undefined && readOnlyText !== '' && readOnlyText !== '1') return { ok: false, error: `${ENV.readOnly}: ${JSON.stringify(readOnlyText)} is neither 1 (read only) nor empty` };
  return {
    ok: true,
    value: {
      prefix,
      ...(readOnlyText === '1' ? { readOnly: true as const } : {}),
      etcd: {
        endpoints,
        ca: tls.ca,
        cert: tls.cert,
        key: tls.key,
        username,
        password,
        timeoutMs,
      },
    },
  };
}

/**
 * A file path from the config key or its `*_FILE` variable, and PEM text from the variable the
 * config names (`ledgerCAEnv`, ...) or the default one. A variable that the config names but the
 * environment lacks, or one that is set but blank (an empty Secret key), is an error: either would
 * otherwise turn TLS off for that part without a word.
 */
function tlsSource(data: Source, env: Source, fileKey: string, fileEnv: string, textKey: string, textEnv: string): TlsSource | string {
  const configured = data[fileKey]?.trim();
  const fromEnv = env[fileEnv]?.trim();
  const path = configured || fromEnv;
  const named = data[textKey]?.trim();
  const textVar = named || textEnv;
  const pem = env[textVar];
  const from = named ? `${textVar} (named by ${textKey})` : textVar;
  if (pem === undefined && named) return `${textKey} names the environment variable ${textVar}, which the function's environment does not have: set it (a Secret key through env/envFrom) or remove ${textKey}`;
  if (pem !== undefined && pem.trim() === '') return `${from} is set but empty: give it the PEM text or unset it`;
  return {
    file: path ? { path, from: configured ? fileKey : fileEnv } : undefined,
    text: pem !== undefined ? { pem, from } : undefined,
  };
}
