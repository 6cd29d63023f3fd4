/**
 * Writing a render's ledger changes in transactions etcd accepts. etcd refuses a transaction with
 * more than `--max-txn-ops` compares or operations (default 128; see etcd's checkTxnRequest), and
 * users do not choose the etcd their platform runs, so no transaction here exceeds TXN_BUDGET.
 *
 * A commit that fits is ONE transaction guarded by the revision of every key read (as always).
 * A larger one is written in two phases:
 *
 * 1. Reservations, in batches: the owner records of a batch's claim identities together with the
 *    chunk (or pool-prefix) records that hold their addresses and the records of their packages,
 *    each batch guarded by the revision of every key it writes and of the network instances' pool
 *    definitions. A slot of a chunk names its claim identity and package, so an address a batch
 *    reserved can be taken by no other render (every write of a chunk compares its revision), and
 *    the package record lists it, so the next render of the same package adopts it (the claim is
 *    still there) or releases it (it is not).
 * 2. Publication: everything else (affinity, carving, VLAN indexes, the final records), guarded
 *    by the revisions the batches left and by every other key the render read.
 *
 * A lost race or a kill between batches leaves only reservations; the render starts again from a
 * fresh snapshot and finds them as its own.
 */
import { Compare, EtcdClient, TxnOp } from './etcd';
import type { LedgerKeys, PackageRecord } from './keys';
import { decodeAny, LedgerRecordError } from './records';

/** Compares and operations per transaction: below etcd's default `--max-txn-ops` of 128. */
export const TXN_BUDGET = 100;

type Slots = Readonly<Record<string, readonly [string, string]>>;

/** What the commit reads back from the snapshot: values and revisions of keys as read. */
export interface ReadView {
  /** The value read (undefined: not read; null: read, absent). */
  value(key: string): string | null | undefined;
  /** The mod revision read (null: read, absent). */
  revision(key: string): string | null | undefined;
}

export interface CommitPlan {
  readonly keys: LedgerKeys;
  readonly ops: readonly TxnOp[];
  /** Every key read: all of them are compared when the commit is one transaction. */
  readonly guarded: readonly string[];
  /** Owner key -> its claim identity (an owner op of phase 1). */
  readonly owners: ReadonlyMap<string, string>;
  /** Owner key -> the package record key of its package. */
  readonly ownerPackage: ReadonlyMap<string, string>;
  /** Keys of slot records (chunks, pool prefixes). */
  readonly slotKeys: ReadonlySet<string>;
  /** Keys of package records. */
  readonly packageKeys: ReadonlySet<string>;
  /** Keys written before any reservation (pool definitions, carved subnets). */
  readonly firstKeys: ReadonlySet<string>;
  /** Keys compared by every batch (the pool definitions of the render's network instances). */
  readonly alwaysGuard: readonly string[];
  /** Keys that are not guarded across batches when the commit is split (owners and chunks only read). */
  readonly unguardedWhenSplit: (key: string) => boolean;
}

const keyOf = (op: TxnOp): string => ('put' in op ? op.put : 'del' in op ? op.del : op.range);

/** Commits the plan; false when another render changed what it read (start again). */
export async function commit(client: EtcdClient, view: ReadView, plan: CommitPlan, budget = TXN_BUDGET): Promise<boolean> {
  const keys = new Set([...plan.guarded, ...plan.ops.map(keyOf)]);
  if (keys.size <= budget && plan.ops.length <= budget) {
    const compares: Compare[] = [...keys].map((k) => guardOf(k, view.revision(k) ?? null));
    return (await client.txn(compares, plan.ops)).succeeded;
  }
  return new SplitCommit(client, view, plan, budget).run();
}

function guardOf(key: string, revision: string | null): Compare {
  return revision === null ? { key, absent: true } : { key, modRevision: revision };
}

class SplitCommit {
  /** Revision and value of keys as this commit left them (null: absent). */
  private readonly written = new Map<string, { revision: string | null; value: string | null }>();
  /** Claim identities whose owner op is committed. */
  private readonly committed = new Set<string>();
  private readonly finalOf = new Map<string, TxnOp>();

  constructor(
    private readonly client: EtcdClient,
    private readonly view: ReadView,
    private readonly plan: CommitPlan,
    private readonly budget: number,
  ) {
    for (const op of plan.ops) this.finalOf.set(keyOf(op), op);
  }

  async run(): Promise<boolean> {
    // Definitions (published pools, carved subnets) before any address reserved in them.
    const first = this.plan.ops.filter((op) => this.plan.firstKeys.has(keyOf(op)));
    const room = Math.max(1, this.budget - this.plan.alwaysGuard.length);
    for (let i = 0; i < first.length; i += room) if (!(await this.txn(first.slice(i, i + room), this.plan.alwaysGuard))) return false;

    const ownerOps = this.plan.ops.filter((op) => this.plan.owners.has(keyOf(op)));
    // Frees before takes: a slot released and handed out again in this render is never named by two owner records.
    ownerOps.sort((a, b) => Number('put' in a) - Number('put' in b));
    const homesOf = this.homesOfOwners();
    let owners: TxnOp[] = [];
    let homes = new Set<string>();
    let packages = new Set<string>();
    for (const op of ownerOps) {
      const k = keyOf(op);
      const pkg = this.plan.ownerPackage.get(k);
      const h = new Set([...homes, ...(homesOf.get(k) ?? [])]);
      const p = new Set(pkg ? [...packages, pkg] : packages);
      if (owners.length > 0 && owners.length + 1 + h.size + p.size + this.plan.alwaysGuard.length > this.budget) {
        if (!(await this.reserve(owners, homes, packages))) return false;
        owners = [];
        homes = new Set(homesOf.get(k) ?? []);
        packages = new Set(pkg ? [pkg] : []);
      } else {
        homes = h;
        packages = p;
      }
      owners.push(op);
    }
    if (owners.length > 0 && !(await this.reserve(owners, homes, packages))) return false;
    return this.publish();
  }

  /** Owner key -> the slot records whose slots it gains or loses. */
  private homesOfOwners(): Map<string, Set<string>> {
    const ownerKeyOf = new Map([...this.plan.owners].map(([key, owner]) => [owner, key]));
    const out = new Map<string, Set<string>>();
    for (const key of this.plan.slotKeys) {
      const op = this.finalOf.get(key);
      if (!op || !('put' in op)) continue;
      const before = this.slotsOf(key, this.view.value(key) ?? null);
      const after = this.slotsOf(key, op.value);
      for (const slot of new Set([...Object.keys(before), ...Object.keys(after)])) {
        const b = before[slot];
        const a = after[slot];
        if (b && a && b[0] === a[0] && b[1] === a[1]) continue;
        for (const owner of [b?.[0], a?.[0]]) {
          const ownerKey = owner === undefined ? undefined : ownerKeyOf.get(owner);
          if (ownerKey) (out.get(ownerKey) ?? out.set(ownerKey, new Set()).get(ownerKey)!).add(key);
        }
      }
    }
    return out;
  }

  private async reserve(owners: TxnOp[], homes: Set<string>, packages: Set<string>): Promise<boolean> {
    const nextCommitted = new Set([...this.committed, ...owners.map((op) => this.plan.owners.get(keyOf(op))!)]);
    const ops: TxnOp[] = [...owners];
    for (const key of [...homes].sort()) {
      const value = this.slotsAfter(key, nextCommitted);
      if (value !== this.current(key)) ops.push({ put: key, value });
    }
    for (const key of [...packages].sort()) {
      const value = this.packageAfter(key);
      if (value !== null && value !== this.current(key)) ops.push({ put: key, value });
    }
    const ok = await this.txn(ops, this.plan.alwaysGuard);
    if (ok) for (const o of nextCommitted) this.committed.add(o);
    return ok;
  }

  /**
   * A slot record with the slots of committed identities as the render leaves them and every
   * other slot as read, so it never names an identity whose owner record says otherwise.
   */
  private slotsAfter(key: string, committed: ReadonlySet<string>): string {
    const op = this.finalOf.get(key);
    if (!op || !('put' in op)) throw new LedgerRecordError(key, 'has no final record in this commit');
    const final = this.slotsOf(key, op.value);
    const before = this.slotsOf(key, this.view.value(key) ?? null);
    const held: Record<string, readonly [string, string]> = {};
    for (const slot of new Set([...Object.keys(final), ...Object.keys(before)])) {
      const a = final[slot];
      const b = before[slot];
      if (a && committed.has(a[0])) held[slot] = a;
      else if (b && !committed.has(b[0])) held[slot] = b;
    }
    // Everything but the slots as the final record has it (cluster, cursor).
    const record: unknown = JSON.parse(op.value);
    return JSON.stringify({ ...(typeof record === 'object' && record !== null ? record : {}), held: sortSlots(held, final) });
  }

  /** The slots of a chunk or pool-prefix record (decoded: the text was read from etcd or made here). */
  private slotsOf(key: string, text: string | null): Slots {
    if (text === null) return {};
    const parsed = this.plan.keys.parse(key);
    if (!parsed) throw new LedgerRecordError(key, 'is not a key of the ledger layout');
    const d = decodeAny(parsed, text);
    if (d.kind === 'chunk' || d.kind === 'prefixPool') return d.record.held;
    throw new LedgerRecordError(key, `holds a ${d.kind} record, not slots`);
  }

  private holdingsOf(key: string, text: string | null): PackageRecord | undefined {
    if (text === null) return undefined;
    const parsed = this.plan.keys.parse(key);
    if (!parsed) throw new LedgerRecordError(key, 'is not a key of the ledger layout');
    const d = decodeAny(parsed, text);
    if (d.kind === 'package') return d.record;
    throw new LedgerRecordError(key, `holds a ${d.kind} record, not a package's`);
  }

  /** A package record listing what it held before and what the render gives it: releases find both. */
  private packageAfter(key: string): string | null {
    const op = this.finalOf.get(key);
    const before = this.holdingsOf(key, this.view.value(key) ?? null);
    const after = op && 'put' in op ? this.holdingsOf(key, op.value) : undefined;
    if (!after) return null;
    const all = new Map<string, { ni: string; owner: string }>();
    for (const h of [...(before?.holdings ?? []), ...after.holdings]) all.set(`${h.ni}|${h.owner}`, { ni: h.ni, owner: h.owner });
    const holdings = [...all].sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0)).map(([, h]) => h);
    const vlans = [...new Set([...(before?.vlans ?? []), ...(after.vlans ?? [])])].sort();
    return JSON.stringify(vlans.length > 0 ? { holdings, vlans } : { holdings });
  }

  private async publish(): Promise<boolean> {
    const ops: TxnOp[] = [];
    for (const op of this.plan.ops) {
      const k = keyOf(op);
      if (this.plan.owners.has(k) || this.plan.firstKeys.has(k)) continue;
      const value = 'put' in op ? op.value : null;
      if (this.current(k) === value) continue;
      ops.push(op);
    }
    const written = new Set(ops.map(keyOf));
    const guards = this.plan.guarded.filter((k) => !written.has(k) && !this.written.has(k) && !this.plan.unguardedWhenSplit(k));
    // Usually one transaction. A render touching more records than fit publishes them in parts,
    // each record whole and guarded; reads that fit in no part are checked just before.
    const parts: { ops: TxnOp[]; guards: string[] }[] = [];
    for (let i = 0; i === 0 || i < ops.length; i += this.budget) {
      const part = ops.slice(i, i + this.budget);
      parts.push({ ops: part, guards: guards.splice(0, this.budget - part.length) });
    }
    while (guards.length > 0) if (!(await this.txn([], guards.splice(0, this.budget)))) return false;
    for (const p of parts) if ((p.ops.length > 0 || p.guards.length > 0) && !(await this.txn(p.ops, p.guards))) return false;
    return true;
  }

  /** The value of a key as this commit leaves it so far. */
  private current(key: string): string | null {
    const w = this.written.get(key);
    return w ? w.value : (this.view.value(key) ?? null);
  }

  private revision(key: string): string | null {
    const w = this.written.get(key);
    return w ? w.revision : (this.view.revision(key) ?? null);
  }

  private async txn(ops: readonly TxnOp[], guards: readonly string[]): Promise<boolean> {
    const keys = new Set([...guards, ...ops.map(keyOf)]);
    const compares = [...keys].map((k) => guardOf(k, this.revision(k)));
    const r = await this.client.txn(compares, ops);
    if (!r.succeeded) return false;
    for (const op of ops) {
      if ('range' in op) continue;
      this.written.set(keyOf(op), 'put' in op ? { revision: r.revision, value: op.value } : { revision: null, value: null });
    }
    return true;
  }
}

/** Slots in the order the final record lists them, then the others as read. */
function sortSlots(held: Record<string, readonly [string, string]>, order: Slots): Record<string, readonly [string, string]> {
  const out: Record<string, readonly [string, string]> = {};
  for (const k of Object.keys(order)) if (k in held) out[k] = held[k];
  for (const k of Object.keys(held)) if (!(k in out)) out[k] = held[k];
  return out;
}
