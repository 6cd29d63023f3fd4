/** What `netpipe import` prints: tables by default, one JSON document with --json. */
import { Attachment } from './attachments';
import { Conflict, Note } from './findings';
import { NetworkPlan } from './networks';

export interface AdoptedRow {
  workload: string;
  interface: string;
  network: string;
  addresses: string[];
  gateways: string[];
  vlan: number | null;
  nad: string;
  was: string;
  from: string;
}

export interface ImportReport {
  from: 'nads' | 'whereabouts';
  cluster: string;
  into: string;
  written: boolean;
  /** The render command to run next (`--allow-exec` only for an exec: function). */
  next: string;
  adopted: AdoptedRow[];
  networks: { name: string; prefixes: string[]; routeOnly: string[]; vlan: number | null }[];
  notes: Note[];
  conflicts: Conflict[];
}

export function adoptedRows(networks: readonly NetworkPlan[], nadNames: ReadonlyMap<Attachment, string>): AdoptedRow[] {
  const rows: AdoptedRow[] = [];
  for (const n of networks) {
    for (const a of n.attachments) {
      rows.push({
        workload: `${a.workload.kind} ${a.workload.namespace}/${a.workload.name}`,
        interface: a.podInterface,
        network: n.name,
        addresses: a.addresses.map((x) => x.cidr),
        gateways: a.addresses.map((x) => n.subnets.find((s) => s.cidr === x.subnet)?.gateway ?? '').filter((g) => g !== ''),
        vlan: a.nad.vlan ?? null,
        nad: nadNames.get(a) ?? '',
        was: a.nad.name,
        from: a.origin,
      });
    }
  }
  return rows.sort((x, y) => `${x.workload} ${x.interface}`.localeCompare(`${y.workload} ${y.interface}`));
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: readonly string[]) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

export function reportText(r: ImportReport): string {
  const parts: string[] = [];
  if (r.conflicts.length > 0) {
    parts.push(`${r.conflicts.length} conflict${r.conflicts.length === 1 ? '' : 's'}: nothing written to ${r.into}\n`);
    parts.push(table(['RESOURCE', 'FIELD', 'CONFLICT'], r.conflicts.map((c) => [c.resource, c.field ?? '-', c.problem])));
  }
  if (r.adopted.length > 0) {
    parts.push(`${r.written ? 'adopted' : 'would adopt'} (cluster ${r.cluster}):\n`);
    parts.push(table(
      ['WORKLOAD', 'INTERFACE', 'NETWORK', 'ADDRESSES', 'GATEWAY', 'VLAN', 'NAD', 'WAS', 'FROM'],
      r.adopted.map((a) => [a.workload, a.interface, a.network, a.addresses.join(',') || '-', a.gateways.join(',') || '-', a.vlan === null ? '-' : String(a.vlan), a.nad, a.was, a.from]),
    ));
  }
  if (r.written) {
    parts.push(`\nnetworks:\n${table(['NETWORK', 'PREFIXES', 'ROUTED ONLY', 'VLAN'], r.networks.map((n) => [n.name, n.prefixes.join(',') || '-', n.routeOnly.join(',') || '-', n.vlan === null ? '-' : String(n.vlan)]))}`);
  }
  if (r.notes.length > 0) parts.push(`\nnotes:\n${r.notes.map((n) => `  ${n.resource}: ${n.message}`).join('\n')}\n`);
  if (r.written) parts.push(`\nwritten: ${r.into}; next: ${r.next}\n`);
  return parts.join('');
}
