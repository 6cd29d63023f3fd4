/**
 * `netpipe ledger`: the operator's view and repairs of the shared address ledger.
 *
 *   netpipe ledger status                      per network instance and pool: size, used, free, chunks carved, cursors
 *   netpipe ledger who-has ADDRESS             the claim identity (and package) holding an address
 *   netpipe ledger who-has vlan INDEX ID       the bridge domain (and packages) holding a VLAN ID
 *   netpipe ledger release --package PKG | --owner CLUSTER/NAMESPACE/CLAIM [--ni NI] [--dry-run]
 *                          (--package releases PKG and its subpackages PKG/...)
 *                          (--owner "bridge domain BD" for a VLAN, subnet:CLUSTER/RT/AGGREGATE for a carved subnet)
 *   netpipe ledger withdraw --ni NI --pool PREFIX [--dry-run]
 *                          withdraw a published pool or aggregate nothing holds (its publishing package is gone)
 *   netpipe ledger verify DIR...               Git packages vs ledger: duplicates, copies, drift, orphans; exit 1 on any
 *   netpipe ledger init [--existing]           mark a new ledger as initialised (renders refuse an unmarked one)
 *   netpipe ledger rebuild DIR...              recreate a lost or wiped ledger from the Git packages (and mark it)
 *
 * Options: --endpoints URL[,URL...] (or NETPIPE_LEDGER_ENDPOINTS), --prefix P (or
 * NETPIPE_LEDGER_PREFIX, default /netpipe), --json. TLS and auth from the NETPIPE_LEDGER_*
 * variables (see README).
 */
import { ENV, EtcdClient, EtcdError, initialise, ledgerConfig, LedgerKeys } from '../../../functions/lib/src/ledger';
import { withdrawPool } from '../../../functions/lib/src/ledger/withdraw';
import { parseArgs } from '../args';
import { emit, table } from '../output';
import { readPackageTree } from '../git-packages';
import { badSummary, dump, LedgerDump, rebuild, release, status, verify, whoHas } from '../ledger-admin';
import { vlanStatus, whoHasVlan } from '../ledger-vlans';
import { carvedRows } from '../ledger-subnets';
import { Command } from './command';

const USAGE = `usage: netpipe ledger <init [--existing]|status|who-has ADDRESS|who-has vlan INDEX ID|release (--package PKG|--owner ID) [--ni NI] [--dry-run]|withdraw --ni NI --pool PREFIX [--dry-run]|verify DIR...|rebuild DIR...>
       [--endpoints URL,...] [--prefix /netpipe] [--json]
Environment: ${Object.values(ENV).join(', ')}
`;

async function runLedger(argv: readonly string[]): Promise<number> {
  const { positional, flags } = parseArgs(argv);
  if (flags.has('help') || positional.length < 1) {
    process.stdout.write(USAGE);
    return flags.has('help') ? 0 : 2;
  }
  const data: Record<string, string | undefined> = {};
  const ep = flags.get('endpoints');
  const px = flags.get('prefix');
  if (typeof ep === 'string') data.ledgerEndpoints = ep;
  if (typeof px === 'string') data.ledgerPrefix = px;
  const cfg = ledgerConfig(data, process.env, true);
  if (!cfg.ok) throw new Error(cfg.error);
  if (!cfg.value) throw new Error(`no ledger: give --endpoints or set ${ENV.endpoints}`);
  const json = flags.has('json');
  const client = new EtcdClient(cfg.value.etcd);
  const keys = new LedgerKeys(cfg.value.prefix);
  const out = (value: unknown, text: string): void => emit(json, value, text);
  /** Views of a ledger with bad records say so and exit 1: what they show may be incomplete. */
  const warned = (d: LedgerDump, code: number): number => {
    if (d.bad.length === 0) return code;
    process.stderr.write(`netpipe: ${badSummary(d)}\n`);
    return 1;
  };
  try {
    const [command, ...rest] = positional;
    switch (command) {
      case 'status': {
        const d = await dump(client, keys);
        const rows = status(d);
        const vlans = vlanStatus(d.vlans);
        const carved = carvedRows(d.subnets);
        const text =
          (rows.length === 0
            ? `the ledger under ${keys.prefix} holds no network instance\n`
            : table(
                ['NETWORK INSTANCE', 'POOL', 'SIZE', 'USED', 'FREE', 'CARVED', 'CURSORS'],
                rows.map((r) => [r.ni, r.pool, r.size, String(r.used), r.free, r.carved, Object.entries(r.cursors).map(([c, a]) => `${c}=${a}`).join(' ')]),
              )) +
          (vlans.length === 0
            ? ''
            : `\n${table(['VLAN INDEX', 'RANGE', 'USABLE', 'USED', 'FREE', 'CURSOR'], vlans.map((v) => [v.index, v.range, String(v.usable), String(v.used), String(v.free), v.cursor === null ? '-' : String(v.cursor)]))}`) +
          (carved.length === 0 ? '' : `\n${table(['ROUTING TABLE', 'AGGREGATE', 'CLUSTER', 'SUBNET'], carved.map((c) => [c.ni, c.aggregate, c.cluster, c.subnet]))}`);
        // --json keeps the address rows as they were (scripts read them) and adds the rest beside.
        out(json ? [...rows, ...vlans.map((v) => ({ vlanIndex: v.index, ...v })), ...carved.map((c) => ({ carved: true, ...c }))] : rows, text);
        return warned(d, 0);
      }
      case 'who-has': {
        if (rest[0] === 'vlan') {
          if (rest.length !== 3 || !/^\d+$/.test(rest[2])) throw new Error('who-has vlan takes a VLAN index and an ID');
          const h = whoHasVlan((await dump(client, keys)).vlans, rest[1], Number(rest[2]));
          out(h, h.length === 0 ? `VLAN ${rest[2]} is free in VLAN index ${rest[1]} of ${keys.prefix}\n` : table(['VLAN INDEX', 'VLAN', 'BINDING', 'PACKAGES'], h.map((x) => [x.index, String(x.id), x.binding, x.packages.join(', ')])));
          return h.length === 0 ? 1 : 0;
        }
        if (rest.length !== 1) throw new Error('who-has takes one address');
        const h = whoHas(await dump(client, keys), rest[0]);
        out(h, h.length === 0 ? `${rest[0]} is free in every network instance of ${keys.prefix}\n` : table(['NETWORK INSTANCE', 'ADDRESS', 'OWNER', 'PACKAGE'], h.map((x) => [x.ni, x.address, x.owner, x.package])));
        return h.length === 0 ? 1 : 0;
      }
      case 'release': {
        const pkg = flags.get('package');
        const owner = flags.get('owner');
        const ni = flags.get('ni');
        if ((typeof pkg === 'string') === (typeof owner === 'string')) throw new Error('release takes --package PKG or --owner CLUSTER/NAMESPACE/CLAIM');
        const released = await release(client, keys, {
          package: typeof pkg === 'string' ? pkg : undefined,
          owner: typeof owner === 'string' ? owner : undefined,
          ni: typeof ni === 'string' ? ni : undefined,
          dryRun: flags.has('dry-run'),
        });
        const verb = flags.has('dry-run') ? 'would release (nothing written)' : 'released';
        out(released, released.length === 0 ? 'nothing to release\n' : `${verb}:\n${table(['NETWORK INSTANCE', 'ADDRESS', 'OWNER', 'PACKAGE'], released.map((x) => [x.ni, x.address, x.owner, x.package]))}`);
        return 0;
      }
      case 'withdraw': {
        const ni = flags.get('ni');
        const pool = flags.get('pool');
        if (typeof ni !== 'string' || typeof pool !== 'string' || rest.length !== 0) throw new Error('withdraw takes --ni NI and --pool PREFIX (a pool or aggregate the ledger publishes)');
        const r = await withdrawPool(client, keys, { ni, prefix: pool, ledgerName: `etcd ${client.describe()} prefix ${keys.prefix}`, readOnly: flags.has('dry-run') });
        const messages = [...r.errors, ...r.notices].map((x) => x.message);
        out({ withdrawn: r.errors.length === 0 && !flags.has('dry-run'), messages }, `${messages.join('\n')}\n`);
        return r.errors.length === 0 ? 0 : 1;
      }
      case 'verify': {
        if (rest.length === 0) throw new Error('verify takes the package directories (each as you render it)');
        const report = verify(await dump(client, keys), rest.map((d) => readPackageTree(d)));
        const total = Object.values(report).reduce((n, v) => n + v.length, 0);
        const text =
          total === 0
            ? `clean: the ledger under ${keys.prefix} and the packages agree\n`
            : (Object.entries(report) as [string, string[]][])
                .filter(([, v]) => v.length > 0)
                .map(([k, v]) => `${k} (${v.length}):\n${v.map((x) => `  ${x}`).join('\n')}\n`)
                .join('');
        out(report, text);
        return total === 0 ? 0 : 1;
      }
      case 'init': {
        if (rest.length !== 0) throw new Error('init takes no arguments (the ledger is --endpoints and --prefix)');
        const outcome = await initialise(client, keys, 'init', flags.has('existing'));
        out({ prefix: keys.prefix, outcome }, `${outcome}: the ledger under ${keys.prefix}\n`);
        return 0;
      }
      case 'rebuild': {
        if (rest.length === 0) throw new Error('rebuild takes the package directories (each as you render it)');
        const r = await rebuild(client, keys, rest.map((d) => readPackageTree(d)));
        out(r, `rebuilt ${keys.prefix}: ${r.owners} holdings, pools of ${r.pools} network instances, ${r.vlans} VLAN IDs, ${r.subnets} carved subnets\n`);
        return 0;
      }
      default:
        throw new Error(`unknown command ledger ${command}\n${USAGE}`);
    }
  } finally {
    client.close();
  }
}

export const ledgerCommand: Command = {
  name: 'ledger',
  summary: 'the shared etcd ledger: status, who-has, release, verify DIR..., rebuild DIR...',
  async run(argv) {
    try {
      return await runLedger(argv);
    } catch (e) {
      // Which etcd failed, and how, is what an operator needs to fix a ledger error.
      if (e instanceof EtcdError) throw new Error(`${e.message} (etcd ${process.env[ENV.endpoints] ?? ''} ${e.failure})`);
      throw e;
    }
  },
};
