/**
 * `netpipe report DIR... --out FILE.html`: the address plan as a page an operator opens from a
 * file: URL - utilization pictures per pool and cluster, holdings, VLANs, the last render's warnings.
 */
import { writeFileSync } from 'node:fs';
import { checkFlags, flagText, parseArgs } from '../args';
import { emit, plural } from '../output';
import { addressPlan } from '../view/address-plan';
import { readKptResults } from '../view/kpt-results';
import { readDirectories } from '../view/package-files';
import { warningsOf } from '../view/render-warnings';
import { reportPage } from '../view/report-page';
import { Command } from './command';

const USAGE = `usage: netpipe report DIR... --out FILE.html [--results PATH] [--json]

Writes one self-contained HTML page (inline CSS and script, no network fetches; open it from a
file: URL) of the packages under each DIR, read from the files as \`netpipe show\` reads them:
  - each pool's utilization as a bar split by cluster, and for pools of up to 1024 addresses a
    map of every address (held: the holder's cluster colour; reserved: network, broadcast,
    gateway, excluded; free)
  - the holdings per cluster and workload, and the claims still waiting for a render
  - VLAN usage per VLAN index
  - the warnings of the last render: kpt's results when --results names the results.yaml (or the
    directory) that \`kpt fn render --results-dir DIR\` wrote, and every Kptfile condition that is
    not True; each says where it comes from
Prints what it wrote; --json prints that as {out, pools, holdings, pending, vlanIds, warnings}.
`;

export const reportCommand: Command = {
  name: 'report',
  summary: 'a self-contained HTML page of the address plan: utilization pictures, holdings, VLANs, warnings',
  async run(argv) {
    const args = parseArgs(argv);
    if (args.flags.has('help')) {
      process.stdout.write(USAGE);
      return 0;
    }
    checkFlags(args, ['out', 'results', 'json'], 'report');
    const out = flagText(args, 'out');
    if (!out) throw new Error('report needs --out FILE.html (where to write the page); see netpipe report --help');
    const items = readDirectories(args.positional, 'report');
    const resultsPath = flagText(args, 'results');
    const plan = addressPlan(items);
    const warnings = warningsOf(items, resultsPath === undefined ? undefined : readKptResults(resultsPath), resultsPath);
    writeFileSync(out, reportPage({ plan, warnings, dirs: args.positional }));
    const vlanIds = plan.vlans.reduce((n, v) => n + v.used, 0);
    emit(
      args.flags.has('json'),
      { out, pools: plan.pools.length, holdings: plan.holdings.length, pending: plan.pending.length, vlanIds, warnings: warnings.length },
      `wrote ${out}: ${plural(plan.pools.length, 'pool')}, ${plural(plan.holdings.length, 'address', 'addresses')} held, ${plan.pending.length} waiting, ${plural(vlanIds, 'VLAN ID')}, ${plural(warnings.length, 'warning')}\n`,
    );
    return 0;
  },
};
