/**
 * One attachment per workload entry that names an imported NAD: the workload, the pod's interface
 * name, the NAD's settings and the addresses the pod has today. Entries naming a NAD that is not
 * among the manifests are left as written (a hand-made `oam` network, say), and said.
 */
import { SelectionEntry } from '../../../functions/lib/src/network-selection';
import { Address, byFamily } from './addresses';
import { Findings } from './findings';
import { NadSpec } from './nad-config';
import { podInterfaceName, Workload } from './workloads';

export interface Attachment {
  workload: Workload;
  entry: SelectionEntry;
  entryIndex: number;
  podInterface: string;
  nad: NadSpec;
  /** IPv4 first; empty for an L2-only NAD. */
  addresses: Address[];
  /** Where the addresses were read: `NAD addresses`, `ips of the annotation`, `IPPool ...`. */
  origin: string;
}

/** Finds the addresses of one entry; undefined when it reported a conflict. */
export type AddressSource = (w: Workload, entry: SelectionEntry, podInterface: string, nad: NadSpec, findings: Findings) => { addresses: Address[]; origin: string } | undefined;

export interface Attached {
  attachments: Attachment[];
  /** Per workload, the entries left as written: index -> entry. */
  kept: Map<Workload, Map<number, SelectionEntry>>;
}

export function attach(workloads: readonly Workload[], nads: readonly NadSpec[], refused: ReadonlySet<string>, source: AddressSource, findings: Findings): Attached {
  const byRef = new Map(nads.map((n) => [`${n.namespace}/${n.name}`, n]));
  const attachments: Attachment[] = [];
  const kept = new Map<Workload, Map<number, SelectionEntry>>();
  const used = new Set<NadSpec>();
  for (const w of workloads) {
    const names = new Map<string, number>();
    w.entries.forEach((entry, i) => {
      const ref = `${entry.namespace ?? w.namespace}/${entry.name}`;
      // A NAD that is a conflict of its own was reported once, on itself.
      if (refused.has(ref)) return;
      const nad = byRef.get(ref);
      if (!nad) {
        if (!kept.has(w)) kept.set(w, new Map());
        kept.get(w)!.set(i, entry);
        findings.note(w.ref, `entry ${entry.source} names no NAD among the imported manifests: left as written, the pod needs that NAD in the cluster`);
        return;
      }
      used.add(nad);
      if (nad.namespace !== w.namespace) {
        findings.conflict(w.ref, `entry ${entry.source} names NAD ${nad.namespace}/${nad.name} of another namespace: import the workload and its NADs from one namespace`, `spec.template.metadata.annotations`);
        return;
      }
      const podInterface = podInterfaceName(entry, i);
      const earlier = names.get(podInterface);
      if (earlier !== undefined) {
        findings.conflict(w.ref, `entries ${earlier + 1} and ${i + 1} both give the pod interface ${podInterface}`, `spec.template.metadata.annotations`);
        return;
      }
      names.set(podInterface, i);
      const found = source(w, entry, podInterface, nad, findings);
      if (!found) return;
      const addresses = [...found.addresses].sort(byFamily);
      if (addresses.length > 0 && w.replicas > 1) {
        findings.conflict(
          w.ref,
          `${w.kind} with replicas ${w.replicas} and the static address ${addresses.map((a) => a.cidr).join(', ')} on ${podInterface}: every pod would get it. ` +
            'netpipe gives one address per workload interface: scale to 1 (a StatefulSet per pod) before importing',
          'spec.replicas',
        );
        return;
      }
      const families = addresses.map((a) => a.family);
      if (new Set(families).size !== families.length) {
        findings.conflict(w.ref, `interface ${podInterface} (NAD ${nad.name}) has ${addresses.map((a) => a.cidr).join(', ')}: netpipe gives one address per family`, 'spec.template.metadata.annotations');
        return;
      }
      attachments.push({ workload: w, entry, entryIndex: i, podInterface, nad, addresses, origin: found.origin });
    });
  }
  for (const nad of nads) if (!used.has(nad)) findings.note(nad.ref, 'no Deployment or StatefulSet among the manifests names this NAD: nothing imported from it');
  return { attachments, kept };
}
