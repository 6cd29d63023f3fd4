/**
 * Real etcd servers for the ledger tests: loopback, free ports, a temporary data dir each, and
 * every process stopped when the test file ends (also when it fails, and on process exit).
 */
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EtcdClient } from '../../functions/lib/src/ledger';
import type { EtcdOptions } from '../../functions/lib/src/ledger';

export const ETCD = process.env.ETCD_BIN ?? '/usr/bin/etcd';

export function etcdAvailable(): boolean {
  const r = spawnSync(ETCD, ['--version'], { encoding: 'utf8' });
  return !r.error && r.status === 0;
}

const running = new Set<ChildProcess>();
const dirs = new Set<string>();
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface TlsFiles {
  readonly ca: string;
  readonly serverCert: string;
  readonly serverKey: string;
}

export interface MemberSpec {
  readonly name: string;
  readonly clientPort: number;
  readonly peerPort: number;
}

/** One etcd process; `start` again after `stop` keeps its data (a restart). */
export class EtcdMember {
  private proc: ChildProcess | undefined;
  private log = '';

  constructor(
    readonly spec: MemberSpec,
    readonly dataDir: string,
    private readonly initialCluster: string,
    private readonly tls: TlsFiles | undefined,
    /** Listen on every interface (containers reach the host's address, not its loopback). */
    private readonly listenAll = false,
  ) {}

  get endpoint(): string {
    return `${this.tls ? 'https' : 'http'}://127.0.0.1:${this.spec.clientPort}`;
  }

  start(): void {
    const client = this.endpoint;
    const peer = `http://127.0.0.1:${this.spec.peerPort}`;
    const args = [
      '--name', this.spec.name,
      '--data-dir', this.dataDir,
      '--listen-client-urls', this.listenAll ? client.replace('127.0.0.1', '0.0.0.0') : client,
      '--advertise-client-urls', client,
      '--listen-peer-urls', peer,
      '--initial-advertise-peer-urls', peer,
      '--initial-cluster', this.initialCluster,
      '--initial-cluster-state', 'new',
      '--initial-cluster-token', `netpipe-test-${process.pid}`,
      '--heartbeat-interval', '50',
      '--election-timeout', '500',
      '--logger', 'zap',
      '--log-level', 'error',
    ];
    if (this.tls) args.push('--cert-file', this.tls.serverCert, '--key-file', this.tls.serverKey, '--trusted-ca-file', this.tls.ca, '--client-cert-auth');
    const p = spawn(ETCD, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    p.stderr?.on('data', (c: Buffer) => {
      this.log = (this.log + c.toString()).slice(-4000);
    });
    p.on('exit', () => running.delete(p));
    running.add(p);
    this.proc = p;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  lastLog(): string {
    return this.log;
  }

  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => p.kill('SIGKILL'), 5000);
      p.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      p.kill(signal);
    });
    this.proc = undefined;
  }
}

export class EtcdCluster {
  constructor(readonly members: EtcdMember[], private readonly root: string) {}

  get endpoints(): string[] {
    return this.members.map((m) => m.endpoint);
  }

  async stop(): Promise<void> {
    await Promise.all(this.members.map((m) => m.stop()));
    rmSync(this.root, { recursive: true, force: true });
    dirs.delete(this.root);
  }

  /** Waits until a linearizable read through `curl`-free node http succeeds on some member. */
  async ready(timeoutMs = 15000, check: () => Promise<boolean>): Promise<void> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      if (await check().catch(() => false)) return;
      if (Date.now() > until) throw new Error(`etcd did not become ready:\n${this.members.map((m) => m.lastLog()).join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Starts `size` members on loopback (not yet checked for readiness: see `startReady`). */
export async function startCluster(size = 1, tls?: TlsFiles, listenAll = false): Promise<EtcdCluster> {
  const root = mkdtempSync(join(tmpdir(), 'netpipe-etcd-'));
  dirs.add(root);
  const specs: MemberSpec[] = [];
  for (let i = 0; i < size; i++) specs.push({ name: `m${i}`, clientPort: await freePort(), peerPort: await freePort() });
  const initial = specs.map((s) => `${s.name}=http://127.0.0.1:${s.peerPort}`).join(',');
  const members = specs.map((s) => new EtcdMember(s, join(root, s.name), initial, tls, listenAll));
  for (const m of members) m.start();
  return new EtcdCluster(members, root);
}

export interface ReadyEtcd {
  readonly etcd: EtcdCluster;
  /** A client on every member, for the test's own reads (close it in afterAll). */
  readonly client: EtcdClient;
}

/**
 * The one way tests start etcd: checks that it is installed, starts `size` members on loopback
 * (free ports, a temporary data dir), and waits until a request through `client` succeeds - a
 * write for clusters (it needs a leader), a read otherwise.
 */
export async function startReady(
  opts: { size?: number; tls?: TlsFiles; listenAll?: boolean; client?: Omit<EtcdOptions, 'endpoints'>; timeoutMs?: number } = {},
): Promise<ReadyEtcd> {
  if (!etcdAvailable()) throw new Error('etcd is not installed: `apt-get install -y etcd-server` (scripts/setup.sh does)');
  const size = opts.size ?? 1;
  const etcd = await startCluster(size, opts.tls, opts.listenAll ?? false);
  const client = new EtcdClient({ ...opts.client, endpoints: etcd.endpoints });
  try {
    await etcd.ready(opts.timeoutMs ?? (size > 1 ? 20000 : 15000), async () =>
      size > 1 ? (await client.txn([], [{ put: '/ready', value: 'yes' }]), true) : (await client.range('/', '0'), true),
    );
  } catch (e) {
    client.close();
    await etcd.stop();
    throw e;
  }
  return { etcd, client };
}
