/**
 * The VLAN side of the operator commands: one ledger key per VLAN index (see keys.ts), compared
 * with the VLANClaims and VLANIndexes of the Git packages.
 */
import { API } from '../../functions/lib/src/api/types';
import { claimedVlan, isVLANClaim, vlanBinding } from '../../functions/lib/src/vlans';
import { isKind, KubeObject, nameOf, scalarText } from '../../functions/lib/src/kube/object';
import { createVlanSpace } from '../../functions/lib/src/ipam';
import { vlanIdValue } from '../../functions/lib/src/vlans';
import { renderFacts } from '../../functions/lib/src/ledger/render-facts';
import { LedgerKeys, VlanDefinition, VlanIndexRecord, vlanRangeOf } from '../../functions/lib/src/ledger/keys';
import { vlanFacts } from '../../functions/lib/src/ledger/vlan-edge';

export type VlanDump = Map<string, VlanIndexRecord & { key: string; mod: string }>;

export interface VlanStatus {
  index: string;
  range: string;
  usable: number;
  used: number;
  free: number;
  cursor: number | null;
}

export function vlanStatus(vlans: VlanDump): VlanStatus[] {
  return [...vlans]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([index, rec]) => {
      const space = rec.definition ? createVlanSpace(index, vlanRangeOf(rec.definition)) : undefined;
      const usable = space?.ok ? space.value.usable : 0;
      const used = Object.keys(rec.held).length;
      const range = rec.definition ? `${rec.definition.min}-${rec.definition.max}${rec.definition.exclude.length ? ` excl ${rec.definition.exclude.join(',')}` : ''}` : '(unpublished)';
      return { index, range, usable, used, free: usable - used, cursor: rec.cursor };
    });
}

export interface VlanHolder {
  index: string;
  id: number;
  binding: string;
  packages: string[];
}

export function whoHasVlan(vlans: VlanDump, index: string, id: number): VlanHolder[] {
  const h = vlans.get(index)?.held[String(id)];
  return h ? [{ index, id, binding: h.binding, packages: h.holders.map(([p, c]) => (c ? `${p} (${c})` : p)) }] : [];
}

/** What Git records: per index and binding, the ID and the packages whose claims carry it. */
interface GitVlans {
  /** index -> binding -> id -> [package, cluster][] */
  held: Map<string, Map<string, Map<number, [string, string][]>>>;
  definitions: Map<string, { def: VlanDefinition; package: string }>;
}

function gitVlans(trees: readonly KubeObject[][]): GitVlans {
  const out: GitVlans = { held: new Map(), definitions: new Map() };
  for (const items of trees) {
    const facts = renderFacts({ items, results: [] } as never);
    const claimFacts = vlanFacts(items, undefined, facts.packageOf);
    for (const o of items) {
      if (!isVLANClaim(o)) continue;
      const f = claimFacts.claims.find((c) => c.binding === vlanBinding(o) && c.pkg === facts.packageOf(o) && c.index === scalarText(o.spec?.vlanIndex?.name));
      const id = claimedVlan(o);
      if (!f || id === undefined || !Number.isInteger(id)) continue;
      const byBinding = out.held.get(f.index) ?? out.held.set(f.index, new Map()).get(f.index)!;
      const byId = byBinding.get(f.binding) ?? byBinding.set(f.binding, new Map()).get(f.binding)!;
      const list = byId.get(id) ?? byId.set(id, []).get(id)!;
      if (!list.some(([p, c]) => p === f.pkg && c === f.cluster)) list.push([f.pkg, f.cluster]);
    }
    for (const o of items) {
      if (!isKind(o, API.vlanIndex.apiVersion, API.vlanIndex.kind)) continue;
      const spec = (o.spec ?? {}) as Record<string, unknown>;
      const exclude = (Array.isArray(spec.exclude) ? spec.exclude : []).map((e) => String(scalarText(e) ?? '').replace(/\s/g, '')).sort();
      const def: VlanDefinition = { min: vlanIdValue(spec.minID) ?? 1, max: vlanIdValue(spec.maxID) ?? 4094, exclude };
      if (!out.definitions.has(nameOf(o))) out.definitions.set(nameOf(o), { def, package: facts.packageOf(o) });
    }
  }
  return out;
}

export interface VlanReport {
  duplicates: string[];
  drift: string[];
  orphans: string[];
}

export function verifyVlans(vlans: VlanDump, trees: readonly KubeObject[][]): VlanReport {
  const git = gitVlans(trees);
  const report: VlanReport = { duplicates: [], drift: [], orphans: [] };
  for (const [index, byBinding] of git.held) {
    const byId = new Map<number, string[]>();
    for (const [binding, ids] of byBinding) {
      if (ids.size > 1) report.duplicates.push(`VLAN index ${index}: ${binding} records several IDs in Git (${[...ids.keys()].join(', ')})`);
      for (const id of ids.keys()) byId.set(id, [...(byId.get(id) ?? []), binding]);
    }
    for (const [id, bindings] of byId) if (bindings.length > 1) report.duplicates.push(`VLAN index ${index}: VLAN ${id} is held in Git by ${bindings.join(' and ')}`);
    const rec = vlans.get(index);
    for (const [binding, ids] of byBinding) {
      for (const [id, pkgs] of ids) {
        const h = rec?.held[String(id)];
        if (!h || h.binding !== binding) {
          const where = Object.entries(rec?.held ?? {}).find(([, x]) => x.binding === binding)?.[0];
          report.drift.push(`VLAN index ${index}: ${binding} (package ${pkgs.map((p) => p[0]).join(', ')}) holds VLAN ${id} in Git, ${where ? `VLAN ${where}` : 'nothing'} in the ledger`);
          continue;
        }
        for (const [p, c] of pkgs) {
          if (!h.holders.some(([hp, hc]) => hp === p && hc === c)) report.drift.push(`VLAN index ${index}: VLAN ${id} of ${binding} is not recorded for package ${p} in the ledger`);
        }
      }
    }
  }
  for (const [index, rec] of vlans) {
    for (const [id, h] of Object.entries(rec.held)) {
      for (const [p, c] of h.holders) {
        const inGit = git.held.get(index)?.get(h.binding)?.get(Number(id))?.some(([gp, gc]) => gp === p && gc === c);
        if (!inGit) report.orphans.push(`VLAN index ${index}: VLAN ${id} of ${h.binding} is held for package ${p} in the ledger, no claim in these packages`);
      }
    }
  }
  for (const k of Object.keys(report) as (keyof VlanReport)[]) report[k].sort();
  return report;
}

/** The index records a rebuild writes: definitions from the VLANIndexes, holdings from the claims. */
export function rebuildVlans(keys: LedgerKeys, trees: readonly KubeObject[][]): { puts: Map<string, string>; packages: Map<string, Set<string>>; count: number } {
  const git = gitVlans(trees);
  const problems = verifyVlans(new Map(), trees).duplicates;
  if (problems.length) throw new Error(`refusing to rebuild: ${problems.join('; ')}`);
  const puts = new Map<string, string>();
  const packages = new Map<string, Set<string>>();
  let count = 0;
  for (const index of [...new Set([...git.held.keys(), ...git.definitions.keys()])].sort()) {
    const held: [number, { binding: string; holders: [string, string][] }][] = [];
    for (const [binding, ids] of git.held.get(index) ?? []) {
      for (const [id, holders] of ids) {
        held.push([id, { binding, holders: holders.sort((a, b) => (a.join('\0') < b.join('\0') ? -1 : 1)) }]);
        for (const [p] of holders) (packages.get(p) ?? packages.set(p, new Set()).get(p)!).add(index);
        count++;
      }
    }
    held.sort((a, b) => a[0] - b[0]);
    const d = git.definitions.get(index);
    const rec: VlanIndexRecord = {
      definition: d?.def ?? null,
      package: d?.package ?? '',
      // The order IDs were handed out in is not in Git: resume after the highest one.
      cursor: held.length ? held[held.length - 1][0] : null,
      held: Object.fromEntries(held.map(([id, h]) => [String(id), h])),
    };
    puts.set(keys.vlan(index), JSON.stringify(rec));
  }
  return { puts, packages, count };
}
