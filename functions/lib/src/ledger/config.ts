/**
 * Where the ledger is and how to reach it. Porch hands a function nothing but its functionConfig,
 * so the endpoints and prefix come from the pipeline step's `configMap:`; credentials never do:
 * the config names files or environment variables that hold them (mounted secrets, CI variables).
 * The `netpipe` CLI reads the same environment variables.
 */
import { readFileSync } from 'node:fs';
import { EtcdOptions } from './etcd';

export const DEFAULT_PREFIX = '/netpipe';

/** Environment variables, for the function (when the ConfigMap omits a key) and the CLI. */
export const ENV = {
  endpoints: 'NETPIPE_LEDGER_ENDPOINTS',
  prefix: 'NETPIPE_LEDGER_PREFIX',
  caFile: 'NETPIPE_LEDGER_CA_FILE',
  certFile: 'NETPIPE_LEDGER_CERT_FILE',
  keyFile: 'NETPIPE_LEDGER_KEY_FILE',
  username: 'NETPIPE_LEDGER_USERNAME',
  password: 'NETPIPE_LEDGER_PASSWORD',
  passwordFile: 'NETPIPE_LEDGER_PASSWORD_FILE',
} as const;

/** functionConfig ConfigMap keys. */
export const CONFIG_KEYS = {
  endpoints: 'ledgerEndpoints',
  prefix: 'ledgerPrefix',
  caFile: 'ledgerCAFile',
  certFile: 'ledgerCertFile',
  keyFile: 'ledgerKeyFile',
  usernameEnv: 'ledgerUsernameEnv',
  passwordEnv: 'ledgerPasswordEnv',
  passwordFile: 'ledgerPasswordFile',
  timeoutMs: 'ledgerTimeoutMs',
} as const;

export interface LedgerConfig {
  readonly etcd: EtcdOptions;
  /** Key prefix without a trailing slash, e.g. `/netpipe`. */
  readonly prefix: string;
}

export type LedgerConfigResult = { ok: true; config: LedgerConfig | undefined } | { ok: false; error: string };

type Source = Readonly<Record<string, string | undefined>>;

/**
 * The ledger configuration from ConfigMap data (`data`) and the environment; `undefined` when no
 * endpoints are configured (the function then allocates within the render, as without a ledger).
 * Endpoints and prefix come from the environment only for the CLI (`endpointsFromEnv`).
 */
export function ledgerConfig(data: Source, env: Source = process.env, endpointsFromEnv = false): LedgerConfigResult {
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
  if (!endpointsText) return { ok: true, config: undefined };
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

  const readFile = (what: string, path: string | undefined): Buffer | undefined | string => {
    if (!path) return undefined;
    try {
      return readFileSync(path);
    } catch (e) {
      return `cannot read the ${what} file ${path}: ${(e as Error).message}`;
    }
  };
  const ca = readFile('CA', pick(CONFIG_KEYS.caFile, ENV.caFile));
  const cert = readFile('client certificate', pick(CONFIG_KEYS.certFile, ENV.certFile));
  const key = readFile('client key', pick(CONFIG_KEYS.keyFile, ENV.keyFile));
  for (const f of [ca, cert, key]) if (typeof f === 'string') return { ok: false, error: f };
  if ((cert === undefined) !== (key === undefined)) return { ok: false, error: 'a client certificate needs its key and a key its certificate: set both files' };

  const usernameEnv = data[CONFIG_KEYS.usernameEnv] ?? ENV.username;
  const passwordEnv = data[CONFIG_KEYS.passwordEnv] ?? ENV.password;
  const username = env[usernameEnv];
  let password = env[passwordEnv];
  const passwordFile = pick(CONFIG_KEYS.passwordFile, ENV.passwordFile);
  if (password === undefined && passwordFile) {
    const p = readFile('password', passwordFile);
    if (typeof p === 'string') return { ok: false, error: p };
    password = p?.toString('utf8').replace(/\r?\n$/, '');
  }
  if (username !== undefined && password === undefined) return { ok: false, error: `${usernameEnv} is set but no password: set ${passwordEnv} or a password file` };
  const timeoutText = data[CONFIG_KEYS.timeoutMs];
  const timeoutMs = timeoutText ? Number(timeoutText) : undefined;
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) return { ok: false, error: `${CONFIG_KEYS.timeoutMs}: ${timeoutText} is not a positive number of milliseconds` };
  return {
    ok: true,
    config: {
      prefix,
      etcd: {
        endpoints,
        ca: ca as Buffer | undefined,
        cert: cert as Buffer | undefined,
        key: key as Buffer | undefined,
        username,
        password,
        timeoutMs,
      },
    },
  };
}
