/**
 * The hooks through which the ipam step sees the ledger beside its address spaces: VLAN indexes,
 * carved subnets, published aggregates and what other packages' claims hold (for get claims).
 * Each hook answers from the snapshot or notes what it lacks (`wants`); it never does I/O.
 */
import type { AddressSpace } from '../ipam/address-space';
import type { NetworkPrefix } from '../networks';
import { byKey } from '../order';
import type { PoolSource } from '../pools';
import type { LedgerKeys, SubnetsRecord } from './keys';
import type { Snapshot } from './snapshot';
import type { VlanLedgerHooks } from './vlan-edge';

/** What the ipam step needs from the edge. */
export interface IpamLedgerHooks {
  /** The address space of a network instance, backed by the ledger snapshot. */
  space(ni: string): AddressSpace;
  /** Pools published in the ledger that this render does not define itself. */
  readonly extraPools: readonly PoolSource[];
  /** VLAN indexes, kept in the ledger too. */
  readonly vlans: VlanLedgerHooks;
  /** Per-cluster subnets carved out of Network aggregates. */
  readonly subnets: SubnetLedgerHooks;
  /**
   * What the claims of other packages hold on a network instance, for `nephio.org/action: get`
   * claims; undefined while it is being loaded - the step then runs again.
   */
  holdings(ni: string): readonly LedgerHolding[] | undefined;
}

/** An address a claim of another package holds, as the ledger records it. */
export interface LedgerHolding {
  readonly binding: string;
  readonly package: string;
  /** `address/length`, as `status.prefix` records it. */
  readonly prefix: string;
  readonly gateway?: string;
  /** The labels of the claim's allocation (see allocation-labels.ts). */
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * Reads a network instance's owner records whole (a range read, not guarded: a lookup reserves
 * nothing, so a holding that changes after it was read changes nothing this render commits).
 * Claims of this render are left out: the step matches those itself.
 */
export class HoldingsEdge {
  readonly wants: string[] = [];
  /** Per network instance, read once per round: every get claim of it asks again. */
  private readonly read = new Map<string, readonly LedgerHolding[]>();
  constructor(
    private readonly snap: Snapshot,
    private readonly keys: LedgerKeys,
    private readonly present: ReadonlySet<string>,
  ) {}
  holdings(ni: string): readonly LedgerHolding[] | undefined {
    const prefix = this.keys.ownerPrefix(ni);
    if (!this.snap.prefixesRead.has(prefix)) {
      this.wants.push(prefix);
      return undefined;
    }
    const known = this.read.get(ni);
    if (known) return known;
    const out: LedgerHolding[] = [];
    for (const [key, kv] of [...this.snap.kv].filter(([k, kv]) => kv && k.startsWith(prefix)).sort(byKey(([k]) => k))) {
      const parsed = this.keys.parse(key);
      if (!kv || parsed?.kind !== 'owner' || this.present.has(`${ni}|${parsed.binding}`)) continue;
      const rec = this.snap.record('owner', key);
      // Records written before owners carried labels cannot be looked up until their package renders again.
      if (!rec?.labels) continue;
      out.push({ binding: parsed.binding, package: rec.package, prefix: rec.prefix, ...(rec.gateway !== undefined ? { gateway: rec.gateway } : {}), labels: rec.labels });
    }
    this.read.set(ni, out);
    return out;
  }
}

export interface SubnetLedgerHooks {
  /**
   * The carving the ledger records for a routing table (empty when none yet); undefined while
   * it is being loaded - the step then runs again.
   */
  carved(ni: string): SubnetsRecord | undefined;
  /** The carving of a routing table after this render, recorded by the commit. */
  record(ni: string, rec: SubnetsRecord): void;
  /**
   * Network aggregates published in the ledger (by the package that holds the Networks) that this
   * render does not define itself: an NF package without a copy of the Network carves from these.
   */
  readonly published: readonly PublishedAggregate[];
}

export interface PublishedAggregate {
  readonly aggregate: NetworkPrefix;
  /** The package that published it (messages only). */
  readonly package: string;
}

export class SubnetEdge implements SubnetLedgerHooks {
  readonly wants: string[] = [];
  readonly records = new Map<string, SubnetsRecord>();
  constructor(
    private readonly snap: Snapshot,
    private readonly keys: LedgerKeys,
    readonly published: readonly PublishedAggregate[],
  ) {}
  carved(ni: string): SubnetsRecord | undefined {
    const key = this.keys.subnets(ni);
    if (!this.snap.kv.has(key)) {
      this.wants.push(key);
      return undefined;
    }
    return this.snap.record('subnets', key) ?? { cursors: {}, carved: {} };
  }
  record(ni: string, rec: SubnetsRecord): void {
    this.records.set(ni, rec);
  }
}
