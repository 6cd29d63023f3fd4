/**
 * A hung etcd fails a render within twice `ledgerTimeoutMs`: members that accept connections and
 * never answer (a TCP listener), and a real etcd stopped with SIGSTOP, for one endpoint and for
 * two hung members of three. A healthy member behind hung ones is still reached in time.
 */
import { createServer, Server, Socket } from 'node:net';
import { EtcdClient, initialise, LedgerConfig, LedgerKeys } from '../../functions/lib/src/ledger';
import { EtcdCluster, freePort, startReady } from './etcd';
import { renderIn, resourceList } from './in-process';
import { render, treeHash } from './packages';
import { Scenario } from './scenario';

jest.setTimeout(300000);

const T = 1000;
/** Work of a render that is not waiting (parsing, the transform, node's timers) on a loaded machine. */
const SLACK = 600;

let etcd: EtcdCluster;
let client: EtcdClient;
const servers: Server[] = [];
const sockets: Socket[] = [];
const scenarios: Scenario[] = [];

beforeAll(async () => {
  ({ etcd, client } = await startReady());
  await initialise(client, new LedgerKeys('/hung'), 'init');
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  for (const s of servers) s.close();
  client?.close();
  await etcd?.stop();
  for (const s of scenarios) s.remove();
});

/** An endpoint that accepts connections and never answers. */
async function hungEndpoint(): Promise<string> {
  const port = await freePort();
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => undefined);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return `http://127.0.0.1:${port}`;
}

async function timed(endpoints: readonly string[]): Promise<{ ms: number; errors: string[]; allocated: number }> {
  const config: LedgerConfig = { prefix: '/hung', etcd: { endpoints, timeoutMs: T } };
  const c = new EtcdClient(config.etcd);
  const t0 = Date.now();
  const r = await renderIn(resourceList(`pkg-${Math.random().toString(36).slice(2, 8)}`, 'edge1', ['if0', 'if1']), config, c);
  const ms = Date.now() - t0;
  c.close();
  return { ms, errors: r.errors, allocated: r.prefixes.size };
}

it('one hung endpoint: the render fails within 2 x ledgerTimeoutMs naming the ledger', async () => {
  const r = await timed([await hungEndpoint()]);
  expect(r.errors.join('\n')).toMatch(/the shared address ledger \(etcd http:\/\/127\.0\.0\.1:\d+, prefix \/hung\) cannot be used: no answer within 2000 ms in total/);
  expect(r.allocated).toBe(0);
  expect(r.ms).toBeGreaterThanOrEqual(2 * T - 50);
  expect(r.ms).toBeLessThan(2 * T + SLACK);
});

it('two hung members of three: the healthy one is reached in time and the render allocates; three hung: fails within 2 x', async () => {
  const ok = await timed([await hungEndpoint(), await hungEndpoint(), etcd.endpoints[0]]);
  expect(ok.errors).toEqual([]);
  expect(ok.allocated).toBe(2);
  expect(ok.ms).toBeLessThan(2 * T + SLACK);
  const none = await timed([await hungEndpoint(), await hungEndpoint(), await hungEndpoint()]);
  expect(none.errors.join('\n')).toContain('no answer within 2000 ms in total');
  expect(none.ms).toBeLessThan(2 * T + SLACK);
});

it('a SIGSTOPped etcd (one member, and two of a three-member cluster): the render fails within 2 x', async () => {
  const single = await startReady();
  const three = await startReady({ size: 3 });
  try {
    for (const [ledger, stopped] of [
      [single, single.etcd.members],
      [three, three.etcd.members.slice(0, 2)],
    ] as const) {
      await initialise(ledger.client, new LedgerKeys('/hung'), 'init');
      for (const m of stopped) process.kill(m.pid!, 'SIGSTOP');
      try {
        const config: LedgerConfig = { prefix: '/hung', etcd: { endpoints: ledger.etcd.endpoints, timeoutMs: T } };
        const c = new EtcdClient(config.etcd);
        const t0 = Date.now();
        const r = await renderIn(resourceList('stopped', 'edge1', ['if0']), config, c);
        const ms = Date.now() - t0;
        c.close();
        expect(r.errors.join('\n')).toMatch(/prefix \/hung\) cannot be used: /);
        expect(ms).toBeLessThan(2 * T + SLACK);
      } finally {
        for (const m of stopped) process.kill(m.pid!, 'SIGCONT');
      }
    }
  } finally {
    single.client.close();
    three.client.close();
    await single.etcd.stop();
    await three.etcd.stop();
  }
});

it('kpt fn render with ledgerTimeoutMs against a hung endpoint fails naming the total wait, files untouched', async () => {
  const s = new Scenario({ endpoints: [await hungEndpoint()], prefix: '/hung', skipInit: true, extra: { ledgerTimeoutMs: String(T) } });
  scenarios.push(s);
  const before = treeHash(s.networks);
  const r = await render(s.networks);
  expect(r.status).not.toBe(0);
  expect(treeHash(s.networks)).toBe(before);
  expect(r.output).toContain('no answer within 2000 ms in total');
});
