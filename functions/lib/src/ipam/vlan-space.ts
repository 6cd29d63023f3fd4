/**
 * The VLAN IDs of ONE VLAN index (Nephio's `VLANIndex`: usually one per cluster), who holds each,
 * and where next-fit allocation resumes.
 *
 * VLAN IDs are a small integer range, so they live on the same interval machinery as addresses:
 * the taken IDs are an IntervalSet (reserved ones seeded in), "first free after the cursor" is a
 * binary search, and freed IDs come back only after every never-used one. Like AddressSpace it is
 * synchronous on purpose, so a shared ledger can implement it over a loaded snapshot and commit the
 * changes in one guarded transaction.
 */
import { IntervalSet } from './interval-set';
import { nextFitIn } from './next-fit';
import { fail, ok, Outcome } from './result';

/** 802.1Q: 0 (priority tag) and 4095 are reserved by the standard; 1 is the default VLAN of nearly every switch. */
export const VLAN_MIN = 1;
export const VLAN_MAX = 4094;
export const RESERVED_VLANS: readonly number[] = [1];

export interface VlanRangeSpec {
  /** Lowest and highest ID of the index, inclusive; within 1-4094. */
  readonly min: number;
  readonly max: number;
  /** IDs never to hand out, beyond the reserved ones. */
  readonly exclude?: readonly { lo: number; hi: number }[];
}

export interface VlanSpace {
  /** The VLAN index; used in messages. */
  readonly name: string;
  readonly range: VlanRangeSpec;
  /** IDs that may be handed out (range minus reserved and excluded IDs). */
  readonly usable: number;
  /**
   * Records that `holder` holds `id` (a recorded or user-chosen ID). Fails, naming both, when
   * another holder has it; fails when it is outside the range, reserved or excluded. Re-reserving
   * what the holder already holds is a no-op. Does not move the cursor.
   */
  reserve(holder: string, id: number): Outcome<number>;
  /**
   * Hands `holder` an ID by next-fit: the first free ID after the cursor, wrapping around once, so
   * released IDs are reused last. A holder holds at most one ID: if it has one, that one is returned.
   */
  allocate(holder: string): Outcome<number>;
  /** Frees what `holder` holds; returns the ID, if any. */
  release(holder: string): number | undefined;
  holderOf(id: number): string | undefined;
  idOf(holder: string): number | undefined;
  /** How many IDs are held. */
  readonly held: number;
  /** The last ID handed out by `allocate`, if any. */
  exportCursor(): number | undefined;
  /** Restores a cursor saved by `exportCursor`; an ID outside the range fails and changes nothing. */
  importCursor(id: number): Outcome<void>;
}


export class InMemoryVlanSpace implements VlanSpace {
  readonly usable: number;
  private readonly taken = new IntervalSet();
  private readonly reserved = new IntervalSet();
  private readonly holders = new Map<number, string>();
  private readonly ids = new Map<string, number>();
  private cursor: number | undefined;

  private constructor(readonly name: string, readonly range: VlanRangeSpec) {
    for (const id of RESERVED_VLANS) if (id >= range.min && id <= range.max) this.reserved.add(BigInt(id));
    for (const e of range.exclude ?? []) {
      const lo = Math.max(e.lo, range.min);
      const hi = Math.min(e.hi, range.max);
      if (lo <= hi) this.reserved.add(BigInt(lo), BigInt(hi));
    }
    for (const r of this.reserved.intervals()) this.taken.add(r.lo, r.hi);
    this.usable = range.max - range.min + 1 - Number(this.reserved.size);
  }

  static create(name: string, range: VlanRangeSpec): Outcome<InMemoryVlanSpace> {
    const { min, max } = range;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < VLAN_MIN || max > VLAN_MAX || min > max) {
      return fail({
        code: 'invalid-state',
        message: `VLAN index ${name}: range ${min}-${max} is not a range of VLAN IDs; use IDs from ${VLAN_MIN} to ${VLAN_MAX}, lowest first (0 and 4095 are reserved by 802.1Q)`,
      });
    }
    for (const e of range.exclude ?? []) {
      if (!Number.isInteger(e.lo) || !Number.isInteger(e.hi) || e.lo > e.hi || e.lo < VLAN_MIN || e.hi > VLAN_MAX) {
        return fail({
          code: 'invalid-state',
          message: `VLAN index ${name}: exclusion ${e.lo === e.hi ? e.lo : `${e.lo}-${e.hi}`} is not a VLAN ID or range of them (${VLAN_MIN}-${VLAN_MAX})`,
        });
      }
    }
    return ok(new InMemoryVlanSpace(name, range));
  }

  get held(): number {
    return this.holders.size;
  }

  reserve(holder: string, id: number): Outcome<number> {
    const current = this.ids.get(holder);
    if (current === id) return ok(id);
    if (!Number.isInteger(id) || id < this.range.min || id > this.range.max) {
      return fail({
        code: 'outside-pools',
        message: `VLAN ${id} of "${holder}" is outside VLAN index ${this.name} (${this.describeRange()}); the index was narrowed or the ID edited: widen the index or remove the recorded ID`,
        owners: [holder],
      });
    }
    if (this.reserved.has(BigInt(id))) {
      return fail({
        code: 'reserved-address',
        message: `VLAN ${id} of "${holder}" is reserved in VLAN index ${this.name} (${RESERVED_VLANS.includes(id) ? 'VLAN 1 is the default VLAN' : 'excluded by the index'}); choose another ID or remove the recorded one`,
        owners: [holder],
      });
    }
    const other = this.holders.get(id);
    if (other !== undefined) {
      return fail({
        code: 'address-conflict',
        message: `VLAN ${id} in VLAN index ${this.name} is held by both "${other}" and "${holder}" (e.g. after a Git merge); keep it on one and remove the other's recorded ID`,
        owners: [other, holder],
      });
    }
    if (current !== undefined) {
      return fail({
        code: 'owner-conflict',
        message: `"${holder}" records two VLAN IDs in VLAN index ${this.name} (${current} and ${id}); one bridge domain has one VLAN: keep one`,
        owners: [holder],
      });
    }
    this.hold(holder, id);
    return ok(id);
  }

  allocate(holder: string): Outcome<number> {
    const current = this.ids.get(holder);
    if (current !== undefined) return ok(current);
    const id = this.nextFree();
    if (id === undefined) {
      return fail({
        code: 'exhausted',
        message: `no free VLAN ID for "${holder}" in VLAN index ${this.name} - ${this.describeRange()}: ${this.usable} usable, ${this.held} in use. Widen the index, drop exclusions, or remove Interfaces that no longer need a VLAN`,
        owners: [holder],
      });
    }
    this.hold(holder, id);
    this.cursor = id;
    return ok(id);
  }

  release(holder: string): number | undefined {
    const id = this.ids.get(holder);
    if (id === undefined) return undefined;
    this.ids.delete(holder);
    this.holders.delete(id);
    this.taken.delete(BigInt(id));
    return id;
  }

  holderOf(id: number): string | undefined {
    return this.holders.get(id);
  }

  idOf(holder: string): number | undefined {
    return this.ids.get(holder);
  }

  exportCursor(): number | undefined {
    return this.cursor;
  }

  importCursor(id: number): Outcome<void> {
    if (!Number.isInteger(id) || id < this.range.min || id > this.range.max) {
      return fail({ code: 'invalid-state', message: `saved VLAN cursor ${id} is not an ID of VLAN index ${this.name} (${this.describeRange()})` });
    }
    this.cursor = id;
    return ok(undefined);
  }

  private hold(holder: string, id: number): void {
    this.ids.set(holder, id);
    this.holders.set(id, holder);
    this.taken.add(BigInt(id));
  }

  /** Next-fit: the first free ID after the cursor, wrapping to the start once. */
  private nextFree(): number | undefined {
    const id = nextFitIn(this.taken, BigInt(this.range.min), BigInt(this.range.max), this.cursor === undefined ? undefined : BigInt(this.cursor));
    return id === undefined ? undefined : Number(id);
  }

  private describeRange(): string {
    const ex = [...this.reserved.intervals()].map((r) => (r.lo === r.hi ? `${r.lo}` : `${r.lo}-${r.hi}`));
    return `IDs ${this.range.min}-${this.range.max}${ex.length > 0 ? `, reserved ${ex.join(', ')}` : ''}`;
  }
}

export function createVlanSpace(name: string, range: VlanRangeSpec): Outcome<VlanSpace> {
  return InMemoryVlanSpace.create(name, range);
}

/** `100`, `100-199`: a VLAN ID or an inclusive range of them, as written in config. */
export function parseVlanRange(text: string): { lo: number; hi: number } | undefined {
  const m = /^\s*(\d{1,4})\s*(?:-\s*(\d{1,4})\s*)?$/.exec(text);
  if (!m) return undefined;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return { lo, hi };
}
