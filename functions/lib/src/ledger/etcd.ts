/**
 * A small client for etcd's v3 JSON gateway (`POST /v3/kv/range|txn`, `/v3/auth/authenticate`):
 * keys and values travel base64-encoded, int64 as decimal strings. node:http/https only, so the
 * function bundles stay one file with no native or gRPC dependency.
 *
 * Requests go to the endpoints in turn: a refused connection, a timeout or a "no leader" answer
 * moves on to the next endpoint; when every endpoint fails the error lists what each one said.
 *
 * A client has one waiting budget for its life (a render): the time spent on requests that got
 * no answer (timeouts, refused connections, an election's "no leader") and on the pauses between
 * rounds adds up to at most `totalTimeoutMs` (default twice `timeoutMs`). Each attempt waits at most
 * `timeoutMs` and at most its share of what is left of the budget (split between the endpoints not
 * yet tried in the round), so a healthy member behind hung ones is still reached in time.
 */
import * as http from 'node:http';
import * as https from 'node:https';

export interface EtcdOptions {
  /** Client URLs, e.g. `https://etcd-0:2379`. */
  readonly endpoints: readonly string[];
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly username?: string;
  readonly password?: string;
  /** Per request; default 5000 ms. */
  readonly timeoutMs?: number;
  /** Time a client may spend on requests that get no answer, in total; default 2 x timeoutMs. */
  readonly totalTimeoutMs?: number;
}

/** What went wrong, for the message: which check the operator should make. */
export type EtcdFailure = 'unreachable' | 'auth' | 'tls' | 'server' | 'protocol';

export class EtcdError extends Error {
  constructor(
    readonly failure: EtcdFailure,
    message: string,
  ) {
    super(message);
  }
}

export interface KeyValue {
  readonly key: string;
  readonly value: string;
  readonly modRevision: string;
  readonly createRevision: string;
}

export type Compare =
  | { readonly key: string; readonly modRevision: string }
  /** The key does not exist. */
  | { readonly key: string; readonly absent: true }
  /** No key in [key, end) (or the key alone) was written after `revision`: none created, changed or recreated. */
  | { readonly key: string; readonly end?: string; readonly unchangedSince: string };

export type TxnOp =
  | { readonly put: string; readonly value: string }
  | { readonly del: string; readonly end?: string }
  | { readonly range: string; readonly end?: string };

export interface TxnResult {
  readonly succeeded: boolean;
  readonly revision: string;
  /** The key-values of each range op, in op order (empty lists for puts and deletes). */
  readonly ranges: readonly (readonly KeyValue[])[];
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');
const unb64 = (s: string | undefined): string => (s ? Buffer.from(s, 'base64').toString('utf8') : '');

/** The smallest key after every key that starts with `prefix` (ledger keys are ASCII). */
export function prefixEnd(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

interface RawKv {
  key?: string;
  value?: string;
  mod_revision?: string;
  create_revision?: string;
}

interface RawResponse {
  header?: { revision?: string };
  succeeded?: boolean;
  responses?: { response_range?: { kvs?: RawKv[] } }[];
  kvs?: RawKv[];
  token?: string;
  error?: string;
  message?: string;
  code?: number;
}

const toKv = (r: RawKv): KeyValue => ({
  key: unb64(r.key),
  value: unb64(r.value),
  modRevision: r.mod_revision ?? '0',
  createRevision: r.create_revision ?? '0',
});

/** Answers that mean "this member cannot serve now, ask another one". */
const RETRY_ELSEWHERE = /no leader|request timed out|leader changed|not capable|too many requests|unavailable|stopped/i;

export class EtcdClient {
  private token: string | undefined;
  private preferred = 0;
  /** Time spent so far on attempts that failed and on pauses between rounds. */
  private waited = 0;
  private readonly agents = new Map<string, http.Agent>();

  constructor(readonly options: EtcdOptions) {
    if (options.endpoints.length === 0) throw new EtcdError('protocol', 'no etcd endpoints given');
  }

  /** `endpoints` as given, for messages. */
  describe(): string {
    return this.options.endpoints.join(',');
  }

  async get(key: string): Promise<KeyValue | undefined> {
    const r = await this.txn([], [{ range: key }]);
    return r.ranges[0][0];
  }

  async range(key: string, end: string, limit = 0): Promise<KeyValue[]> {
    const body: Record<string, unknown> = { key: b64(key), range_end: b64(end) };
    if (limit > 0) body.limit = String(limit);
    const res = await this.call('/v3/kv/range', body);
    return (res.kvs ?? []).map(toKv);
  }

  async txn(compare: readonly Compare[], success: readonly TxnOp[]): Promise<TxnResult> {
    const body = {
      compare: compare.map((c) =>
        'absent' in c
          ? { key: b64(c.key), target: 'CREATE', result: 'EQUAL', create_revision: '0' }
          : 'unchangedSince' in c
            ? // etcd compares every key of the range; an empty range compares as one absent key (revision 0).
              { key: b64(c.key), ...(c.end ? { range_end: b64(c.end) } : {}), target: 'MOD', result: 'LESS', mod_revision: String(BigInt(c.unchangedSince) + 1n) }
            : { key: b64(c.key), target: 'MOD', result: 'EQUAL', mod_revision: c.modRevision },
      ),
      success: success.map((op) =>
        'put' in op
          ? { request_put: { key: b64(op.put), value: b64(op.value) } }
          : 'del' in op
            ? { request_delete_range: op.end ? { key: b64(op.del), range_end: b64(op.end) } : { key: b64(op.del) } }
            : { request_range: op.end ? { key: b64(op.range), range_end: b64(op.end) } : { key: b64(op.range) } },
      ),
    };
    const res = await this.call('/v3/kv/txn', body);
    const succeeded = res.succeeded === true;
    const responses = res.responses ?? [];
    return {
      succeeded,
      revision: res.header?.revision ?? '0',
      ranges: succeeded ? success.map((_, i) => (responses[i]?.response_range?.kvs ?? []).map(toKv)) : [],
    };
  }

  /** Any other gateway call (`/v3/auth/...`, `/v3/maintenance/status`), for tools and tests. */
  request(path: string, body: unknown): Promise<unknown> {
    return this.call(path, body);
  }

  close(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }

  /**
   * Every endpoint in turn; when all fail for transient reasons (a member down, an election in
   * progress) the round is repeated twice after a pause, which covers a leader election.
   * Repeating a transaction is safe: ledger transactions compare revisions, so one that did
   * commit before its answer was lost fails its compare the second time.
   */
  private async call(path: string, body: unknown): Promise<RawResponse> {
    let error: EtcdError | undefined;
    for (let round = 0; round < 3; round++) {
      if (round > 0) {
        const pause = Math.min(250 * round, this.left());
        if (pause <= 0) break;
        await new Promise((r) => setTimeout(r, pause));
        this.waited += pause;
      }
      if (this.left() <= 0) break;
      try {
        return await this.callRound(path, body);
      } catch (e) {
        error = e as EtcdError;
        if (!(e instanceof EtcdError) || e.failure !== 'unreachable') throw e;
      }
    }
    if (error && this.left() > 0) throw error;
    throw new EtcdError('unreachable', `no answer within ${this.budget()} ms in total (twice the per-request timeout of ${this.timeout()} ms)${error ? `: ${error.message}` : ''}`);
  }

  private timeout(): number {
    return this.options.timeoutMs ?? 5000;
  }

  private budget(): number {
    return this.options.totalTimeoutMs ?? 2 * this.timeout();
  }

  /** What is left of the waiting budget, in ms. */
  private left(): number {
    return this.budget() - this.waited;
  }

  private async callRound(path: string, body: unknown): Promise<RawResponse> {
    const n = this.options.endpoints.length;
    const errors: string[] = [];
    let last: EtcdError | undefined;
    for (let i = 0; i < n; i++) {
      const idx = (this.preferred + i) % n;
      const endpoint = this.options.endpoints[idx];
      const share = Math.floor(this.left() / (n - i));
      if (share <= 0) break;
      const started = Date.now();
      try {
        const res = await this.callOne(endpoint, path, body, true, Math.min(this.timeout(), share));
        this.preferred = idx;
        return res;
      } catch (e) {
        this.waited += Date.now() - started;
        const err = e instanceof EtcdError ? e : new EtcdError('unreachable', String(e));
        // Refused credentials are the same on every member: asking the others only hides the cause.
        if (err.failure === 'auth' || err.failure === 'tls') throw new EtcdError(err.failure, `${endpoint}: ${err.message}`);
        errors.push(`${endpoint}: ${err.message}`);
        last = err;
      }
    }
    throw new EtcdError(last?.failure ?? 'unreachable', errors.join('; '));
  }

  private async callOne(endpoint: string, path: string, body: unknown, mayReauth: boolean, timeout: number): Promise<RawResponse> {
    if (this.options.username !== undefined && this.token === undefined && path !== '/v3/auth/authenticate') {
      const auth = await this.post(endpoint, '/v3/auth/authenticate', { name: this.options.username, password: this.options.password ?? '' }, timeout);
      if (!auth.token) throw new EtcdError('auth', 'authentication returned no token');
      this.token = auth.token;
    }
    try {
      return await this.post(endpoint, path, body, timeout);
    } catch (e) {
      if (e instanceof EtcdError && e.failure === 'auth' && mayReauth && this.options.username !== undefined && /token/i.test(e.message)) {
        this.token = undefined;
        return this.callOne(endpoint, path, body, false, timeout);
      }
      throw e;
    }
  }

  private agent(url: URL): http.Agent {
    const k = url.origin;
    let a = this.agents.get(k);
    if (!a) {
      a =
        url.protocol === 'https:'
          ? new https.Agent({ keepAlive: true, ca: this.options.ca, cert: this.options.cert, key: this.options.key })
          : new http.Agent({ keepAlive: true });
      this.agents.set(k, a);
    }
    return a;
  }

  private post(endpoint: string, path: string, body: unknown, timeout: number): Promise<RawResponse> {
    let url: URL;
    try {
      url = new URL(path, endpoint.endsWith('/') ? endpoint : `${endpoint}/`);
    } catch {
      return Promise.reject(new EtcdError('protocol', `not a URL: ${endpoint}`));
    }
    const payload = JSON.stringify(body);
    const lib = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) };
    if (this.token && path !== '/v3/auth/authenticate') headers.authorization = this.token;
    return new Promise((resolve, reject) => {
      const req = lib.request(url, { method: 'POST', headers, agent: this.agent(url) }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => reject(new EtcdError('unreachable', e.message)));
        res.on('end', () => {
          clearTimeout(timer);
          const text = Buffer.concat(chunks).toString('utf8');
          if (/CommonName of client/.test(text)) {
            reject(
              new EtcdError(
                'tls',
                'etcd refuses, on its JSON gateway with auth enabled, client certificates that carry a CommonName (CVE-2018-16886): ' +
                  'issue the client certificate without a CN - the etcd user comes from the username and password',
              ),
            );
            return;
          }
          let parsed: RawResponse;
          try {
            parsed = JSON.parse(text) as RawResponse;
          } catch {
            reject(new EtcdError('protocol', `HTTP ${res.statusCode}: not an etcd JSON answer (${text.slice(0, 120)}); is this an etcd v3 client URL?`));
            return;
          }
          const message = parsed.error ?? parsed.message;
          if ((res.statusCode ?? 500) >= 300 || message) {
            const m = message ?? `HTTP ${res.statusCode}`;
            if (/auth|permission denied|token|user name|password/i.test(m)) reject(new EtcdError('auth', m));
            else reject(new EtcdError(RETRY_ELSEWHERE.test(m) ? 'unreachable' : 'server', m));
            return;
          }
          resolve(parsed);
        });
      });
      // A hard limit, not an idle one: a member that accepts and trickles must not hold the render.
      // Declared after the request: its callbacks run later, when the timer exists.
      const timer = setTimeout(() => req.destroy(new EtcdError('unreachable', `no answer within ${timeout} ms (quorum lost?)`)), timeout);
      req.on('close', () => clearTimeout(timer));
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (e instanceof EtcdError) reject(e);
        else if (/certificate|SSL|TLS|self.signed|EPROTO/i.test(`${e.code} ${e.message}`)) reject(new EtcdError('tls', e.message));
        else reject(new EtcdError('unreachable', e.code ? `${e.code} ${e.message}` : e.message));
      });
      req.end(payload);
    });
  }
}
