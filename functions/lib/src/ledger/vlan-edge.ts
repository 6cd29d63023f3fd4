/**
 * VLAN IDs in the shared ledger: the same edge shape as addresses (snapshot -> pure step -> one
 * guarded transaction), with ONE key per VLAN index (`<prefix>/v1/vlan/<index>`, see keys.ts).
 *
 * The step (ipam-fn's allocateVlans) sees an index only as a `VlanSpace` seeded with what the
 * ledger holds, plus the published definition; this module never does I/O. When the step names an
 * index the snapshot has not loaded, it notes the key and the edge loads it and runs the step again.
 */
import { API } from '../api/types';
import { readFunctionConfig } from '../function-config';
import { clusterOfClaim } from '../claim-binding';
import { isKind, isObject, KubeObject, nameOf, packagePathOf, scalarText } from '../kube/object';
import { createVlanSpace, VlanSpace, VlanRangeSpec } from '../ipam';
import { fail, ok, Outcome as Result } from '../ipam/result';
import { vlanBinding } from '../vlans';
import type { VLANClaim } from '../api/types';
import {
  LedgerKeys,
  PackageRecord,
  vlanDefinitionDifference,
  vlanDefinitionOf,
  VlanDefinition,
  VlanHolding,
  VlanIndexRecord,
  vlanRangeOf,
} from './keys';

/** What the VLAN step needs from the edge. */
export interface VlanLedgerHooks {
  /** The range published for an index, if any (used when the render defines none itself). */
  published(index: string): VlanRangeSpec | undefined;
  /**
   * The render defines `index` (a VLANIndex, or the `vlanRange` of its config): published when
   * the ledger has no definition yet; a different published definition is an error message.
   */
  define(index: string, range: VlanRangeSpec): string | undefined;
  /** The index's ID space, seeded with every ID the ledger holds in it. */
  space(index: string, range: VlanRangeSpec): Result<VlanSpace>;
}

/** One VLANClaim the render contains, as the ledger sees it. */
export interface VlanFact {
  readonly index: string;
  readonly binding: string;
  readonly pkg: string;
  readonly cluster: string;
}

/** The subset of the edge's snapshot the VLAN side reads. */
export interface SnapshotView {
  readonly kv: ReadonlyMap<string, unknown>;
  /** The decoded VLAN index record of `key` (see records.ts), undefined when absent. */
  record(kind: 'vlan', key: string): VlanIndexRecord | undefined;
}

const isVlanClaimLike = (o: KubeObject): o is VLANClaim =>
  isKind(o, API.vlanClaim.apiVersion, API.vlanClaim.kind) && isObject(o.spec) && isObject(o.spec.vlanIndex);

/**
 * The VLANClaims of a render, and the VLAN indexes it defines. A VLANClaim carries no cluster; it
 * belongs to the cluster of its package (the WorkloadCluster of the package or an ancestor, else
 * its IPClaims' cluster): what scopes releases, as for addresses.
 */
export function vlanFacts(
  items: readonly KubeObject[],
  fc: KubeObject | undefined,
  packageOf: (o: KubeObject) => string,
): { claims: VlanFact[]; defined: string[] } {
  const clusterOfPath = new Map<string, string>();
  for (const o of items) {
    if (o.kind === API.workloadCluster.kind && isObject(o.spec)) {
      const c = scalarText(o.spec.clusterName);
      if (c) clusterOfPath.set(packagePathOf(o), c);
    }
  }
  for (const o of items) {
    if (!isKind(o, API.ipClaim.apiVersion, API.ipClaim.kind)) continue;
    const c = clusterOfClaim(o as never);
    if (c && !clusterOfPath.has(packagePathOf(o))) clusterOfPath.set(packagePathOf(o), c);
  }
  const clusterOf = (path: string): string => {
    for (let p = path; ; ) {
      const c = clusterOfPath.get(p);
      if (c !== undefined) return c;
      const slash = p.lastIndexOf('/');
      if (slash === -1) return p === '' || p === '.' ? '' : (clusterOfPath.get('') ?? clusterOfPath.get('.') ?? '');
      p = p.slice(0, slash);
    }
  };
  const claims: VlanFact[] = [];
  for (const o of items) {
    if (!isVlanClaimLike(o)) continue;
    const index = scalarText((o.spec.vlanIndex as Record<string, unknown>).name);
    if (!index) continue;
    claims.push({ index, binding: vlanBinding(o), pkg: packageOf(o), cluster: clusterOf(packagePathOf(o)) });
  }
  const defined = new Set<string>();
  const isIndex = (o: unknown): o is KubeObject => isObject(o) && isKind(o as KubeObject, API.vlanIndex.apiVersion, API.vlanIndex.kind);
  for (const o of items) if (isIndex(o)) defined.add(nameOf(o));
  for (const o of readFunctionConfig(fc).vlanIndexes) defined.add(nameOf(o));
  return { claims, defined: [...defined].sort() };
}

/** The hooks for one run of the step over one snapshot. */
export class VlanEdge implements VlanLedgerHooks {
  /** Keys the step needed that the snapshot lacks. */
  readonly wants: string[] = [];
  readonly definitions = new Map<string, VlanDefinition>();
  readonly spaces = new Map<string, VlanSpace>();

  constructor(
    private readonly snap: SnapshotView,
    private readonly keys: LedgerKeys,
    private readonly ledgerName: string,
  ) {}

  private record(index: string): VlanIndexRecord | undefined | 'missing' {
    const key = this.keys.vlan(index);
    if (!this.snap.kv.has(key)) {
      this.wants.push(key);
      return 'missing';
    }
    return this.snap.record('vlan', key);
  }

  published(index: string): VlanRangeSpec | undefined {
    const rec = this.record(index);
    return rec && rec !== 'missing' && rec.definition ? vlanRangeOf(rec.definition) : undefined;
  }

  define(index: string, range: VlanRangeSpec): string | undefined {
    const rec = this.record(index);
    if (rec === 'missing') return undefined;
    const mine = vlanDefinitionOf(range);
    const published = rec?.definition;
    if (published) {
      const diff = vlanDefinitionDifference(published, mine);
      if (diff) {
        return (
          `VLAN index ${index} differs from the definition published in ${this.ledgerName} by package ${rec?.package || '?'}: ${diff}. ` +
          `Every render using a VLAN index must allocate from one definition: make this one equal to the published one, or change the package that publishes it and re-render it first`
        );
      }
      return undefined;
    }
    this.definitions.set(index, mine);
    return undefined;
  }

  space(index: string, range: VlanRangeSpec): Result<VlanSpace> {
    const known = this.spaces.get(index);
    if (known) return ok(known);
    const rec = this.record(index);
    if (rec === 'missing') return fail({ code: 'ledger-pending', message: `waiting for the ledger: VLAN index ${index}` });
    const diff = this.define(index, range);
    if (diff) return fail({ code: 'invalid-state', message: diff });
    const created = createVlanSpace(index, range);
    if (!created.ok) return created;
    const inner = created.value;
    for (const [id, h] of Object.entries(rec?.held ?? {})) {
      // The definition is the published one, so every held ID fits; a hand-edited key is reported.
      const r = inner.reserve(h.binding, Number(id));
      if (!r.ok) return fail({ code: 'invalid-state', message: `VLAN index ${index} in ${this.ledgerName}: ${r.error.message}; run netpipe ledger verify` });
    }
    if (rec?.cursor !== null && rec?.cursor !== undefined) inner.importCursor(rec.cursor);
    const space = new HeldVlanSpace(inner, rec?.held ?? {}, this.ledgerName);
    this.spaces.set(index, space);
    return ok(space);
  }
}

/** The in-memory space, with messages that say which package holds an ID in the ledger. */
class HeldVlanSpace implements VlanSpace {
  constructor(
    private readonly inner: VlanSpace,
    private readonly ledgerHeld: Readonly<Record<string, VlanHolding>>,
    private readonly ledgerName: string,
  ) {}
  get name(): string {
    return this.inner.name;
  }
  get range(): VlanRangeSpec {
    return this.inner.range;
  }
  get usable(): number {
    return this.inner.usable;
  }
  get held(): number {
    return this.inner.held;
  }
  reserve(holder: string, id: number): Result<number> {
    const r = this.inner.reserve(holder, id);
    if (r.ok) return r;
    const other = (r.error.owners ?? []).find((o) => o !== holder);
    const h = other === undefined ? undefined : Object.values(this.ledgerHeld).find((x) => x.binding === other);
    if (!h && r.error.code !== 'owner-conflict') return r;
    const ledgerId = this.inner.idOf(holder);
    const where = h ? ` The shared ledger (${this.ledgerName}) records VLAN ${id} for "${other}" of package ${h.holders.map((x) => x[0]).join(', ') || '?'}.` : '';
    const own = r.error.code === 'owner-conflict' && ledgerId !== undefined ? ` The shared ledger (${this.ledgerName}) records VLAN ${ledgerId} for "${holder}", the claim records ${id}: restore ${ledgerId} in the claim, or release the binding (netpipe ledger release) if the claim is right.` : '';
    return fail({ ...r.error, message: `${r.error.message}.${where}${own}` });
  }
  allocate(holder: string): Result<number> {
    const r = this.inner.allocate(holder);
    return r.ok ? r : fail({ ...r.error, message: `${r.error.message} (shared ledger ${this.ledgerName}; netpipe ledger status lists the holders)` });
  }
  release(holder: string): number | undefined {
    return this.inner.release(holder);
  }
  holderOf(id: number): string | undefined {
    return this.inner.holderOf(id);
  }
  idOf(holder: string): number | undefined {
    return this.inner.idOf(holder);
  }
  exportCursor(): number | undefined {
    return this.inner.exportCursor();
  }
  importCursor(id: number): Result<void> {
    return this.inner.importCursor(id);
  }
}

export interface VlanCommitInput {
  readonly snap: SnapshotView;
  readonly keys: LedgerKeys;
  readonly edge: VlanEdge;
  readonly claims: readonly VlanFact[];
  /** Indexes the render's packages held IDs in (from their package records). */
  readonly heldIndexes: readonly string[];
  readonly packages: readonly string[];
  /** Whether this render speaks for holdings of `cluster` (see edge.ts inScope). */
  readonly inScope: (cluster: string) => boolean;
  /** The package that publishes new definitions (messages only). */
  readonly definingPackage: string;
}

/**
 * The new record of every index the render touched, and per package the indexes it now holds IDs
 * in. Holdings of the render's packages whose bindings the render no longer contains are dropped;
 * an ID whose last holder went is free (the cursor keeps it for last).
 */
export function vlanCommit(c: VlanCommitInput): { puts: Map<string, VlanIndexRecord>; packageIndexes: Map<string, Set<string>>; touched: Set<string> } {
  const indexes = new Set<string>([...c.claims.map((f) => f.index), ...c.edge.definitions.keys(), ...c.heldIndexes]);
  const present = new Set(c.claims.map((f) => `${f.index}\u0000${f.binding}\u0000${f.pkg}`));
  const ours = new Set(c.packages);
  const puts = new Map<string, VlanIndexRecord>();
  const packageIndexes = new Map<string, Set<string>>();
  for (const index of [...indexes].sort()) {
    const key = c.keys.vlan(index);
    if (!c.snap.kv.has(key)) continue;
    const old = c.snap.record('vlan', key);
    const held = new Map<number, { binding: string; holders: Map<string, [string, string]> }>();
    const kept = withoutHolders(old?.held ?? {}, (h, [pkg, cluster]) => ours.has(pkg) && c.inScope(cluster) && !present.has(`${index}\u0000${h.binding}\u0000${pkg}`));
    for (const [id, h] of Object.entries(kept.held)) {
      held.set(Number(id), { binding: h.binding, holders: new Map(h.holders.map(([pkg, cluster]) => [`${pkg}\u0000${cluster}`, [pkg, cluster]])) });
    }
    const space = c.edge.spaces.get(index);
    for (const f of c.claims) {
      if (f.index !== index || !space) continue;
      const id = space.idOf(f.binding);
      if (id === undefined) continue;
      const h = held.get(id) ?? { binding: f.binding, holders: new Map() };
      h.holders.set(`${f.pkg}\u0000${f.cluster}`, [f.pkg, f.cluster]);
      held.set(id, h);
    }
    const out: Record<string, VlanHolding> = {};
    for (const [id, h] of [...held].sort((a, b) => a[0] - b[0])) {
      if (h.holders.size === 0) continue;
      out[String(id)] = { binding: h.binding, holders: [...h.holders.values()].sort((a, b) => (a.join('\u0000') < b.join('\u0000') ? -1 : 1)) };
      for (const [pkg] of h.holders.values()) if (ours.has(pkg)) (packageIndexes.get(pkg) ?? packageIndexes.set(pkg, new Set()).get(pkg)!).add(index);
    }
    const definition = c.edge.definitions.get(index) ?? old?.definition ?? null;
    const cursor = space?.exportCursor() ?? old?.cursor ?? null;
    const publisher = c.edge.definitions.has(index) ? c.definingPackage : (old?.package ?? '');
    if (!old && Object.keys(out).length === 0 && !c.edge.definitions.has(index)) continue;
    puts.set(key, { definition, package: publisher, cursor, held: out });
  }
  return { puts, packageIndexes, touched: indexes };
}

/** A holder of a VLAN ID that a release removed. */
export interface DroppedVlanHolder {
  readonly id: string;
  readonly binding: string;
  readonly holder: readonly [string, string];
}

/**
 * The IDs of an index record without the holders `drop` names: an ID whose last holder leaves is
 * free. The one rule for releasing VLAN IDs, of a render (its packages' claims that are gone) and
 * of `netpipe ledger release`.
 */
export function withoutHolders(
  held: Readonly<Record<string, VlanHolding>>,
  drop: (h: VlanHolding, holder: readonly [string, string]) => boolean,
): { held: Record<string, VlanHolding>; dropped: DroppedVlanHolder[] } {
  const out: Record<string, VlanHolding> = {};
  const dropped: DroppedVlanHolder[] = [];
  for (const [id, h] of Object.entries(held)) {
    const left = h.holders.filter((holder) => {
      if (!drop(h, holder)) return true;
      dropped.push({ id, binding: h.binding, holder });
      return false;
    });
    if (left.length > 0) out[id] = { ...h, holders: left };
  }
  return { held: out, dropped };
}

/** The VLAN indexes a package record lists. */
export function packageVlans(rec: PackageRecord | undefined): readonly string[] {
  return rec?.vlans ?? [];
}
