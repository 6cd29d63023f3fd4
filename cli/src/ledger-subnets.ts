/**
 * The carved-subnet side of the operator commands: per routing table, the ledger's record of
 * which cluster got which subnet of each Network aggregate, compared with the carved IPPrefixes
 * (`netpipe.dev/carved-from`) of the Git packages.
 */
import { formatAddress, parseAddressWithLength } from '../../functions/lib/src/ipam/address';
import { LABELS } from '../../functions/lib/src/api/types';
import { isIPPrefix } from '../../functions/lib/src/pools';
import { isObject, KubeObject, nameOf, scalarText } from '../../functions/lib/src/kube/object';
import { renderFacts } from '../../functions/lib/src/ledger/render-facts';
import { CARVED_FROM, LedgerKeys, SubnetsRecord } from '../../functions/lib/src/ledger/keys';

export type SubnetDump = Map<string, SubnetsRecord & { key: string; mod: string }>;

export interface CarvedRow {
  ni: string;
  aggregate: string;
  cluster: string;
  subnet: string;
}

/**
 * A routing table's carving without the subnet `owner` (`subnet:<cluster>/<routing table>/<aggregate>`)
 * holds, or undefined when it holds none there. The carving cursors stay: a released subnet is
 * handed out again only once the aggregate wrapped, as renders carve.
 */
export function withoutCarved(rec: SubnetsRecord, ni: string, owner: string): { subnets: string[]; record: SubnetsRecord } | undefined {
  const carved: Record<string, Record<string, string>> = {};
  const subnets: string[] = [];
  for (const [aggregate, byCluster] of Object.entries(rec.carved)) {
    for (const [cluster, subnet] of Object.entries(byCluster)) {
      if (owner === `subnet:${cluster}/${ni}/${aggregate}`) subnets.push(subnet);
      else (carved[aggregate] ??= {})[cluster] = subnet;
    }
  }
  return subnets.length > 0 ? { subnets, record: { cursors: rec.cursors, carved } } : undefined;
}

export function carvedRows(subnets: SubnetDump): CarvedRow[] {
  const rows: CarvedRow[] = [];
  for (const [ni, rec] of [...subnets].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    for (const [aggregate, byCluster] of Object.entries(rec.carved)) {
      for (const [cluster, subnet] of Object.entries(byCluster)) rows.push({ ni, aggregate, cluster, subnet });
    }
  }
  return rows;
}

interface GitSubnet extends CarvedRow {
  package: string;
  name: string;
}

function gitSubnets(trees: readonly KubeObject[][]): GitSubnet[] {
  const out: GitSubnet[] = [];
  for (const items of trees) {
    const facts = renderFacts({ items, results: [] } as never);
    for (const o of items) {
      const from = o.metadata.annotations?.[CARVED_FROM];
      if (!isIPPrefix(o) || from === undefined || !isObject(o.spec)) continue;
      const labels = isObject(o.spec.labels) ? o.spec.labels : {};
      const cluster = scalarText(labels[LABELS.clusterName]);
      const subnet = scalarText(o.spec.prefix);
      const [, ni, ...agg] = from.split('/');
      if (!cluster || !subnet || !ni) continue;
      out.push({ ni, aggregate: agg.join('/'), cluster, subnet, package: facts.packageOf(o), name: nameOf(o) });
    }
  }
  return out;
}

export interface SubnetReport {
  duplicates: string[];
  drift: string[];
  orphans: string[];
}

export function verifySubnets(subnets: SubnetDump, trees: readonly KubeObject[][]): SubnetReport {
  const git = gitSubnets(trees);
  const report: SubnetReport = { duplicates: [], drift: [], orphans: [] };
  const byCluster = new Map<string, GitSubnet[]>();
  const bySubnet = new Map<string, GitSubnet[]>();
  for (const g of git) {
    const k = `${g.ni}|${g.aggregate}|${g.cluster}`;
    byCluster.set(k, [...(byCluster.get(k) ?? []), g]);
    const s = `${g.ni}|${g.subnet}`;
    bySubnet.set(s, [...(bySubnet.get(s) ?? []), g]);
  }
  for (const list of byCluster.values()) {
    const distinct = [...new Set(list.map((g) => g.subnet))];
    if (distinct.length > 1) report.duplicates.push(`routing table ${list[0].ni}: cluster ${list[0].cluster} has several subnets of ${list[0].aggregate} in Git (${list.map((g) => `${g.subnet} in package ${g.package}`).join(', ')})`);
  }
  for (const list of bySubnet.values()) {
    const clusters = [...new Set(list.map((g) => g.cluster))];
    if (clusters.length > 1) report.duplicates.push(`routing table ${list[0].ni}: subnet ${list[0].subnet} is carved in Git for clusters ${clusters.join(' and ')}`);
  }
  for (const list of byCluster.values()) {
    const g = list[0];
    const inLedger = subnets.get(g.ni)?.carved[g.aggregate]?.[g.cluster];
    for (const x of list) {
      if (inLedger !== x.subnet) report.drift.push(`routing table ${x.ni}: cluster ${x.cluster} has subnet ${x.subnet} of ${x.aggregate} in Git (IPPrefix ${x.name}, package ${x.package}), ${inLedger ?? 'nothing'} in the ledger`);
    }
  }
  for (const row of carvedRows(subnets)) {
    if (!byCluster.has(`${row.ni}|${row.aggregate}|${row.cluster}`)) report.orphans.push(`routing table ${row.ni}: subnet ${row.subnet} of ${row.aggregate} is carved for cluster ${row.cluster} in the ledger, no IPPrefix records it in these packages`);
  }
  for (const k of Object.keys(report) as (keyof SubnetReport)[]) report[k].sort();
  return report;
}

/** The routing tables' records a rebuild writes, from the carved IPPrefixes. */
export function rebuildSubnets(keys: LedgerKeys, trees: readonly KubeObject[][]): { puts: Map<string, string>; count: number } {
  const problems = verifySubnets(new Map(), trees).duplicates;
  if (problems.length) throw new Error(`refusing to rebuild: ${problems.join('; ')}`);
  type Rec = { carved: Record<string, Record<string, string>>; last: Map<string, { value: bigint; family: 'ipv4' | 'ipv6' }> };
  const byNi = new Map<string, Rec>();
  let count = 0;
  for (const g of gitSubnets(trees)) {
    const rec: Rec = byNi.get(g.ni) ?? { carved: {}, last: new Map() };
    byNi.set(g.ni, rec);
    const byCluster = (rec.carved[g.aggregate] ??= {});
    if (byCluster[g.cluster] !== undefined) continue;
    byCluster[g.cluster] = g.subnet;
    count++;
    const p = parseAddressWithLength(g.subnet);
    if (!p.ok) continue;
    // The order subnets were carved in is not in Git: resume after the highest one.
    const end = p.value.value + (1n << BigInt((p.value.family === 'ipv4' ? 32 : 128) - p.value.length)) - 1n;
    const cur = rec.last.get(g.aggregate);
    if (!cur || end > cur.value) rec.last.set(g.aggregate, { value: end, family: p.value.family });
  }
  const puts = new Map<string, string>();
  for (const [ni, rec] of byNi) {
    const carved: Record<string, Record<string, string>> = {};
    for (const a of Object.keys(rec.carved).sort()) carved[a] = Object.fromEntries(Object.entries(rec.carved[a]).sort((x, y) => (x[0] < y[0] ? -1 : 1)));
    const cursors = Object.fromEntries([...rec.last].sort((x, y) => (x[0] < y[0] ? -1 : 1)).map(([a, l]) => [a, formatAddress(l.family, l.value)]));
    puts.set(keys.subnets(ni), JSON.stringify({ cursors, carved } satisfies SubnetsRecord));
  }
  return { puts, count };
}
