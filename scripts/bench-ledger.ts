/**
 * What the shared ledger costs, against a real etcd started here by the tests' one etcd helper
 * (loopback, free ports, a temporary data dir, stopped at the end). Each "render" is the ipam-fn bundle
 * run as kpt runs it: a process reading a ResourceList on stdin. Run with `npm run bench:ledger`.
 *
 * 1. Cost on a small package: ipam-fn on a 10-claim package with and without the ledger,
 *    alternating in one run (median of each, difference and ratio).
 * 2. Concurrency: N renderers (1, 4, 16) each rendering fresh 10-claim packages back to back,
 *    all on one network instance (each renderer its own cluster) and on separate ones.
 * 3. Scale: a 10-claim render when the network instance already holds 100,000 addresses
 *    (100 clusters) against the same render when it holds 100.
 * 4. A large package: the first render of a 2,000-claim package with and without the ledger,
 *    alternating in one run, against an etcd with its default --max-txn-ops (128).
 *
 * `BENCH=large npm run bench:ledger` runs part 4 only.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { EtcdClient, initialise, LedgerConfig, withAddressLedger } from '../functions/lib/src/ledger';
import { startReady } from '../test/ledger/etcd';
import { ResourceListReader } from '../functions/lib/src/resource-list';
import { ipamFn } from '../functions/ipam-fn/src/transform';
import { LedgerKeys } from '../functions/lib/src/ledger/keys';
import { formatAddress, parseAddressWithLength } from '../functions/lib/src/ipam/address';

const ROOT = join(__dirname, '..');
const IPAM = join(ROOT, 'functions/ipam-fn/dist/ipam-fn.js');
const POOL = '10.0.0.0/8';
const POOL6 = '2001:db8:100::/64';

// The helper stops etcd and removes its data dir on exit, also on ^C.
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => process.exit(130));

const item = (o: unknown): string => `- ${JSON.stringify(o)}\n`;

function packageText(name: string, cluster: string, ni: string, claims: number, ledger: { endpoint: string; prefix: string } | undefined): string {
  let s = 'apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n';
  s += item({ apiVersion: 'kpt.dev/v1', kind: 'Kptfile', metadata: { name, annotations: { 'internal.config.kubernetes.io/path': 'Kptfile', 'config.kubernetes.io/local-config': 'true' } } });
  s += item({
    apiVersion: 'ipam.resource.nephio.org/v1alpha1',
    kind: 'NetworkInstance',
    metadata: { name: ni, annotations: { 'internal.config.kubernetes.io/path': 'ni.yaml', 'config.kubernetes.io/local-config': 'true' } },
    spec: { prefixes: [{ prefix: POOL }, { prefix: POOL6 }] },
  });
  for (let i = 0; i < claims; i++) {
    const claim = `${name}-if${i}-ipv4`;
    s += item({
      apiVersion: 'ipam.resource.nephio.org/v1alpha1',
      kind: 'IPClaim',
      metadata: { name: claim, namespace: 'nf', annotations: { 'internal.config.kubernetes.io/path': `ipclaim-${claim}.yaml`, 'config.kubernetes.io/local-config': 'true' } },
      spec: { kind: 'network', networkInstance: { name: ni }, selector: { matchLabels: { 'nephio.org/address-family': 'ipv4', 'nephio.org/cluster-name': cluster } } },
    });
  }
  if (ledger) s += `functionConfig: ${JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ipam' }, data: { ledgerEndpoints: ledger.endpoint, ledgerPrefix: ledger.prefix } })}\n`;
  return s;
}

/** One ipam-fn process; resolves with its wall time in ms. */
function runIpam(input: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(process.execPath, [IPAM], { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (c: Buffer) => (err += c.toString()));
    p.on('exit', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6) : reject(new Error(`ipam-fn failed (${code}): ${err}`))));
    p.stdin.end(input);
  });
}

/**
 * The same render inside this process (parse, edge, transform, commit; no process start-up), so
 * the ledger's own cost is not buried under node's start-up on a busy machine.
 */
async function inProcess(text: string, config: LedgerConfig | undefined, client: EtcdClient): Promise<number> {
  const t0 = process.hrtime.bigint();
  const input = new ResourceListReader().read(text);
  const out = config ? await withAddressLedger(config, input, (hooks) => ipamFn(input, hooks), { client }) : ipamFn(input);
  if (out.results.some((r) => r.severity === 'error')) throw new Error(out.results.map((r) => r.message).join('; '));
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

const median = (xs: number[]): number => quantile(xs, 0.5);
function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
const ms = (x: number): string => `${x.toFixed(1)} ms`;

let unique = 0;
const fresh = (): string => `p${unique++}`;

/** Loads `holdings` addresses into `ni`, `perCluster` per cluster, in whole blocks, as renders would leave them. */
async function preload(client: EtcdClient, keys: LedgerKeys, ni: string, holdings: number, perCluster: number): Promise<void> {
  const pool = parseAddressWithLength(POOL);
  if (!pool.ok) throw new Error('bad pool');
  const bits = 6;
  const base = pool.value.value;
  const puts: [string, string][] = [];
  const clusters = Math.ceil(holdings / perCluster);
  let blockIndex = 1n; // block 0 holds the network address and gateway
  const carve: Record<string, string> = {};
  for (let c = 0; c < clusters; c++) {
    const cluster = `bulk${c}`;
    const n = Math.min(perCluster, holdings - c * perCluster);
    const pkg = `bulk-${cluster}`;
    const pkgHoldings: { ni: string; owner: string }[] = [];
    let left = n;
    let last = blockIndex;
    while (left > 0) {
      const inBlock = Math.min(64, left);
      const held: Record<string, [string, string]> = {};
      for (let o = 0; o < inBlock; o++) {
        const owner = `${cluster}/nf/claim-${c}-${n - left + o}`;
        const value = base + (blockIndex << BigInt(bits)) + BigInt(o);
        const address = formatAddress('ipv4', value);
        held[String(o)] = [owner, pkg];
        puts.push([keys.owner(ni, owner), JSON.stringify({ address, prefix: `${address}/8`, pool: POOL, cluster, package: pkg })]);
        pkgHoldings.push({ ni, owner });
      }
      puts.push([keys.chunk(ni, POOL, blockIndex), JSON.stringify({ cluster, cursor: inBlock - 1, held })]);
      last = blockIndex;
      blockIndex++;
      left -= inBlock;
    }
    puts.push([keys.affinity(ni, cluster), JSON.stringify({ [POOL]: last.toString(16) })]);
    puts.push([keys.package(pkg), JSON.stringify({ holdings: pkgHoldings.sort((a, b) => (a.owner < b.owner ? -1 : 1)) })]);
  }
  carve[POOL] = blockIndex.toString(16);
  puts.push([keys.carve(ni), JSON.stringify(carve)]);
  for (let i = 0; i < puts.length; i += 100) await client.txn([], puts.slice(i, i + 100).map(([k, v]) => ({ put: k, value: v })));
}

async function main(): Promise<void> {
  const { etcd, client } = await startReady();
  // Each ledger is initialised first, as `netpipe ledger init` does: renders refuse one that is not.
  const prefixes = ['/bench-cost', '/bench-large', '/bench-scale-100', '/bench-scale-100000'];
  for (const shared of ['one', 'sep']) for (const n of [1, 4, 16]) prefixes.push(`/bench-conc-${shared}-${n}`);
  for (const p of prefixes) await initialise(client, new LedgerKeys(p), 'init');
  const endpoint = etcd.endpoints[0];
  const ledger = (prefix: string) => ({ endpoint, prefix });
  const out: string[] = [];
  const say = (line: string): void => {
    out.push(line);
    process.stdout.write(`${line}\n`);
  };
  if (process.env.BENCH !== 'large') await smallAndScale(client, endpoint, ledger, say);
  await large(client, endpoint, say);
  client.close();
  await etcd.stop();
}

/** Part 4: the first render of a 2,000-claim package, with and without the ledger, side by side. */
async function large(client: EtcdClient, endpoint: string, say: (line: string) => void): Promise<void> {
  const CLAIMS = 2000;
  const prefix = '/bench-large';
  const ledger = { endpoint, prefix };
  const config: LedgerConfig = { prefix, etcd: { endpoints: [endpoint] } };
  const without: number[] = [];
  const withLedger: number[] = [];
  const withoutIn: number[] = [];
  const withIn: number[] = [];
  for (let i = 0; i < 5; i++) {
    // A fresh package (and cluster) each time: every render is a first render.
    without.push(await runIpam(packageText(fresh(), `large${i}`, 'vpc-large', CLAIMS, undefined)));
    withLedger.push(await runIpam(packageText(fresh(), `large${i}`, 'vpc-large', CLAIMS, ledger)));
    withoutIn.push(await inProcess(packageText(fresh(), `large-in${i}`, 'vpc-large', CLAIMS, undefined), undefined, client));
    withIn.push(await inProcess(packageText(fresh(), `large-in${i}`, 'vpc-large', CLAIMS, ledger), config, client));
  }
  say(`| ipam-fn, ${CLAIMS}-claim package, first render | median | p90 |`);
  say(`|---|---|---|`);
  say(`| process, without ledger | ${ms(median(without))} | ${ms(quantile(without, 0.9))} |`);
  say(`| process, with ledger | ${ms(median(withLedger))} | ${ms(quantile(withLedger, 0.9))} |`);
  say(`| in process, without ledger | ${ms(median(withoutIn))} | ${ms(quantile(withoutIn, 0.9))} |`);
  say(`| in process, with ledger | ${ms(median(withIn))} | ${ms(quantile(withIn, 0.9))} |`);
  say(`ledger ${CLAIMS}-claim first render vs no ledger: ${(median(withLedger) / median(without)).toFixed(2)}`);
  say(`ledger ${CLAIMS}-claim first render vs no ledger, in process: ${(median(withIn) / median(withoutIn)).toFixed(2)}`);
}

async function smallAndScale(
  client: EtcdClient,
  endpoint: string,
  ledger: (prefix: string) => { endpoint: string; prefix: string },
  say: (line: string) => void,
): Promise<void> {

  // 1. Cost on one small package.
  await runIpam(packageText(fresh(), 'warm', 'vpc-cost', 10, ledger('/bench-cost')));
  const without: number[] = [];
  const withLedger: number[] = [];
  for (let i = 0; i < 15; i++) {
    without.push(await runIpam(packageText(fresh(), 'c0', 'vpc-cost', 10, undefined)));
    withLedger.push(await runIpam(packageText(fresh(), 'c0', 'vpc-cost', 10, ledger('/bench-cost'))));
  }
  say(`| ipam-fn, 10-claim package | median | p90 |`);
  say(`|---|---|---|`);
  say(`| without ledger | ${ms(median(without))} | ${ms(quantile(without, 0.9))} |`);
  say(`| with ledger | ${ms(median(withLedger))} | ${ms(quantile(withLedger, 0.9))} |`);
  const cfg = (prefix: string): LedgerConfig => ({ prefix, etcd: { endpoints: [endpoint] } });
  const withoutIn: number[] = [];
  const withIn: number[] = [];
  for (let i = 0; i < 40; i++) {
    withoutIn.push(await inProcess(packageText(fresh(), 'c1', 'vpc-cost', 10, undefined), undefined, client));
    withIn.push(await inProcess(packageText(fresh(), 'c1', 'vpc-cost', 10, ledger('/bench-cost')), cfg('/bench-cost'), client));
  }
  say(`| in process, without ledger | ${ms(median(withoutIn))} | ${ms(quantile(withoutIn, 0.9))} |`);
  say(`| in process, with ledger | ${ms(median(withIn))} | ${ms(quantile(withIn, 0.9))} |`);
  say(`ledger cost: process +${ms(median(withLedger) - median(without))} (ratio ${(median(withLedger) / median(without)).toFixed(2)}); in process +${ms(median(withIn) - median(withoutIn))}`);
  say('');

  // 2. Concurrency.
  const PER_RENDERER = Number(process.env.RENDERS ?? 8);
  say(`| renderers | network instances | renders | renders/s | p50 | p99 |`);
  say(`|---|---|---|---|---|---|`);
  for (const shared of [true, false]) {
    for (const n of [1, 4, 16]) {
      const prefix = `/bench-conc-${shared ? 'one' : 'sep'}-${n}`;
      const times: number[] = [];
      const t0 = Date.now();
      await Promise.all(
        Array.from({ length: n }, async (_, r) => {
          for (let i = 0; i < PER_RENDERER; i++) {
            times.push(await runIpam(packageText(fresh(), `c${r}`, shared ? 'vpc-shared' : `vpc-${r}`, 10, ledger(prefix))));
          }
        }),
      );
      const secs = (Date.now() - t0) / 1000;
      say(`| ${n} | ${shared ? 'one' : 'one each'} | ${times.length} | ${(times.length / secs).toFixed(1)} | ${ms(quantile(times, 0.5))} | ${ms(quantile(times, 0.99))} |`);
    }
  }
  say('');

  // 3. Scale.
  const scale: Record<string, number> = {};
  say('| holdings in the network instance | 10-claim render, process (median) | in process (median) |');
  say('|---|---|---|');
  for (const [label, holdings, perCluster] of [['100', 100, 10], ['100,000', 100_000, 1000]] as const) {
    const prefix = `/bench-scale-${holdings}`;
    const keys = new LedgerKeys(prefix);
    // Publish the pools first (a render does), then load the holdings.
    await runIpam(packageText(fresh(), 'bulk0', 'vpc-big', 1, ledger(prefix)));
    const t0 = Date.now();
    await preload(client, keys, 'vpc-big', holdings, perCluster);
    const loadSecs = (Date.now() - t0) / 1000;
    const times: number[] = [];
    const inside: number[] = [];
    for (let i = 0; i < 15; i++) {
      times.push(await runIpam(packageText(fresh(), 'bulk0', 'vpc-big', 10, ledger(prefix))));
      inside.push(await inProcess(packageText(fresh(), 'bulk0', 'vpc-big', 10, ledger(prefix)), { prefix, etcd: { endpoints: [endpoint] } }, client));
    }
    scale[label] = median(times);
    scale[`${label} in`] = median(inside);
    say(`| ${label} (loaded in ${loadSecs.toFixed(1)} s) | ${ms(median(times))} | ${ms(median(inside))} |`);
  }
  say(`100,000 vs 100 holdings: ratio ${(scale['100,000'] / scale['100']).toFixed(2)} (process), ${(scale['100,000 in'] / scale['100 in']).toFixed(2)} (in process)`);
  say('');
}

main().then(
  () => process.exit(0),
  (e: Error) => {
    process.stderr.write(`bench:ledger: ${e.stack ?? e.message}\n`);
    process.exit(1);
  },
);
