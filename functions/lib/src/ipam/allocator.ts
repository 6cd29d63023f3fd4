/**
 * The in-memory address space of one network instance: the default `AddressSpace`.
 *
 * Each pool keeps one IntervalSet of taken addresses (gateway, exclusions and holdings), so both
 * "is it free" and "next free address after the cursor" are binary searches whatever the size
 * of the pool. Same calls in the same order give the same results: nothing here depends on
 * time, randomness or hash order.
 *
 * Holdings are rows of parallel arrays, not one object each, and each pool finds its holders by
 * the address's offset in the pool (a small integer for any realistic pool): with a million
 * holdings this keeps the heap small and the garbage collector and hash lookups cheap.
 */
import {
  blockSize,
  FAMILY_BITS,
  formatAddress,
  formatAddressAt,
  formatCidr,
  IpFamily,
  ipv6Words,
  Ipv6Words,
  networkOf,
  parseAddress,
  parseAddressWithLength,
} from './address';
import { nextFreeAlignedBlock } from './aligned-blocks';
import { nextFitIn, nextFitOffset } from './next-fit';
import { BlockHolding, BlockHoldings } from './block-holdings';
import { IntervalSet } from './interval-set';
import { HoldingTable, PoolHolders } from './holdings';
import { OwnerTable } from './owner-table';
import type { AddressSpace, Allocation, AllocationRequest, BlockAllocation, CursorState, PoolUsage } from './address-space';
import { Pool, PoolSpec } from './pool';
import { fail, IpamError, ok, Outcome } from './result';

/** Offsets up to here are numbers: exact, and one more still is. */
const MAX_OFFSET = Number.MAX_SAFE_INTEGER;
const MAX_OFFSET_BIG = BigInt(MAX_OFFSET);

/**
 * Offsets from the network address below 2^53 (every IPv4 pool; an IPv6 pool while addresses
 * come from its first 2^53) are numbers on the allocation path: the next free address, the
 * holding, the taken set and the printed address are all worked out without a bigint.
 */
class PoolState {
  /** Position in `InMemoryAddressSpace.states` plus one: what the holding table records. */
  readonly ref: number;
  /** Gateway, exclusions and held addresses, within [firstUsable, lastUsable]; origin: the network address. */
  readonly taken: IntervalSet;
  /** Owner id by offset of the held address in the pool. */
  readonly holders: PoolHolders;
  /** firstUsable and lastUsable as offsets; lastUsable is Infinity when it lies past 2^53 - 1. */
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** The network address as `formatAddressAt` takes it. */
  readonly networkAt: number | Ipv6Words;
  /**
   * Offset of the last address handed out by allocate (the next search starts after it): -1
   * when there is none, NaN when it lies past 2^53 - 1 (then `farCursor` holds it).
   */
  cursorOffset = -1;
  private farCursor = 0n;

  constructor(
    readonly pool: Pool,
    ref: number,
    table: HoldingTable,
  ) {
    this.ref = ref;
    this.taken = pool.reservedAddresses();
    if (this.taken.originValue !== pool.network) throw new Error(`${pool.describe()}: taken addresses must count from the network address`);
    this.holders = new PoolHolders(table);
    this.firstOffset = Number(pool.firstUsable - pool.network);
    const last = pool.lastUsable - pool.network;
    this.lastOffset = last <= MAX_OFFSET_BIG ? Number(last) : Infinity;
    this.networkAt = pool.family === 'ipv4' ? Number(pool.network) : ipv6Words(pool.network);
  }

  /** Last address handed out by allocate; the next search starts after it. */
  get cursor(): bigint | undefined {
    const c = this.cursorOffset;
    if (c === -1) return undefined;
    return Number.isNaN(c) ? this.farCursor : this.pool.network + BigInt(c);
  }

  set cursor(value: bigint | undefined) {
    if (value === undefined) {
      this.cursorOffset = -1;
      return;
    }
    const d = value - this.pool.network;
    if (d >= 0n && d <= MAX_OFFSET_BIG) {
      this.cursorOffset = Number(d);
    } else {
      this.cursorOffset = NaN;
      this.farCursor = value;
    }
  }
}

const FAMILIES: readonly IpFamily[] = ['ipv4', 'ipv6'];

/** The owner id holding `value` of the pool, or -1. */
function holderId(state: PoolState, value: bigint): number {
  return state.holders.find(value - state.pool.network);
}

function heldIn(state: PoolState): number {
  return state.holders.size;
}

function allocationOf(owner: string, value: bigint, state: PoolState): Allocation {
  return allocationWithAddress(owner, formatAddress(state.pool.family, value), state);
}

function allocationWithAddress(owner: string, address: string, state: PoolState): Allocation {
  const pool = state.pool;
  return {
    owner,
    family: pool.family,
    address,
    prefix: `${address}/${pool.prefixLength}`,
    gateway: pool.gatewayAddress,
    poolId: pool.id,
  };
}

function sameDefinition(a: Pool, b: Pool): boolean {
  return a.gateway === b.gateway && a.exclusions.join(',') === b.exclusions.join(',');
}

export class InMemoryAddressSpace implements AddressSpace {
  readonly name: string;
  private readonly byId = new Map<string, PoolState>();
  /** Pools sorted by family, then network address. */
  private ordered: PoolState[] = [];
  /** Every pool, in the order added; a holding names its pool by position + 1. */
  private readonly states: PoolState[] = [];
  private readonly owners = new OwnerTable();
  private readonly tables: Record<IpFamily, HoldingTable> = { ipv4: new HoldingTable(), ipv6: new HoldingTable() };
  private readonly blockHoldings = new BlockHoldings(
    this.owners,
    (poolId) => this.byId.get(poolId)?.pool,
    (id) => this.forgetIfIdle(id),
  );

  /** What the last `allocateIn` handed out: the owner's id, or -1 (see there). */
  private freshId = -1;
  /** The last single pool id resolved and what it resolved to (pools are never removed). */
  private resolvedId: string | undefined;
  private resolvedOne: Outcome<readonly PoolState[]> | undefined;

  constructor(name = 'default') {
    this.name = name;
  }

  addPool(input: Pool | PoolSpec): Outcome<Pool> {
    let pool: Pool;
    if (input instanceof Pool) {
      pool = input;
    } else {
      const created = Pool.create(input);
      if (!created.ok) return created;
      pool = created.value;
    }
    // The pools are sorted and disjoint: the first one that does not end before the new one is
    // the only candidate for the first overlap, and where the new one goes.
    const at = this.firstNotBefore(pool);
    const next = this.ordered[at];
    if (next !== undefined && next.pool.family === pool.family && next.pool.network <= pool.lastAddress) {
      const other = next.pool;
      if (other.id === pool.id && sameDefinition(other, pool)) return ok(other);
      const detail =
        other.id === pool.id
          ? 'is defined twice with different gateways or exclusions; keep one definition'
          : 'overlaps it; the pools of one network instance must not overlap - remove or split one of them';
      return fail({
        code: 'pool-overlap',
        message: `${pool.describe()} and ${other.describe()} in network instance "${this.name}": ${pool.id} ${detail}`,
        pools: [other.id, pool.id],
      });
    }
    const state = new PoolState(pool, this.states.length + 1, this.tables[pool.family]);
    this.states.push(state);
    this.byId.set(pool.id, state);
    this.ordered.splice(at, 0, state);
    return ok(pool);
  }

  /** Position in `ordered` of the first pool that does not lie wholly before `pool`. */
  private firstNotBefore(pool: Pool): number {
    const ordered = this.ordered;
    let lo = 0;
    let hi = ordered.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const p = ordered[mid]!.pool;
      const before = p.family !== pool.family ? p.family === 'ipv4' : p.lastAddress < pool.network;
      if (before) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  pools(): readonly Pool[] {
    return this.ordered.map((s) => s.pool);
  }

  reserve(owner: string, address: string, poolIds?: readonly string[]): Outcome<Allocation> {
    const slash = address.indexOf('/');
    const parsed = slash === -1 ? parseAddress(address) : parseAddressWithLength(address);
    if (!parsed.ok) {
      return fail({ ...parsed.error, code: 'invalid-address', message: `"${owner}": ${parsed.error.message}`, owners: [owner] });
    }
    const { family, value } = parsed.value;

    let state: PoolState | undefined;
    let candidates: readonly PoolState[] | undefined;
    if (poolIds === undefined) {
      state = this.poolContaining(family, value);
    } else {
      const resolved = this.resolve(poolIds, owner);
      if (!resolved.ok) return resolved;
      candidates = resolved.value;
      state = candidates.find((s) => s.pool.family === family && s.pool.contains(value));
    }
    if (state === undefined) {
      const text = formatAddress(family, value);
      const elsewhere = this.poolContaining(family, value);
      const allowed = (candidates ?? this.ordered).map((s) => s.pool.id).join(', ') || 'none';
      const why = elsewhere
        ? `it belongs to ${elsewhere.pool.describe()}, which "${owner}" does not select (allowed: ${allowed})`
        : candidates !== undefined
          ? `it is outside the pools "${owner}" may use (${allowed})`
          : `it is outside every pool of network instance "${this.name}" (${allowed})`;
      return fail({
        code: 'outside-pools',
        message: `${text} held by "${owner}" is no longer valid: ${why}. Restore the pool, or clear the address from "${owner}" so it is allocated afresh`,
        owners: [owner],
        address: text,
        pools: (candidates ?? this.ordered).map((s) => s.pool.id),
      });
    }
    const pool = state.pool;
    // A recorded prefix length that differs from the pool's is a pool widened or shrunk in place:
    // the address stays valid while it is inside and usable, and comes back with the pool's length.
    const reason = pool.reservedReason(value);
    if (reason !== undefined) {
      const text = formatAddress(family, value);
      return fail({
        code: 'reserved-address',
        message: `${text} cannot be held by "${owner}": it is ${reason} of ${pool.describe()}; choose another address`,
        owners: [owner],
        address: text,
        pools: [pool.id],
      });
    }
    const table = this.tables[family];
    const h = this.owners.hash(owner);
    const id = this.owners.find(owner, h);
    const holder = holderId(state, value);
    if (holder !== -1) {
      if (holder === id) return ok(allocationOf(owner, value, state));
      const text = formatAddress(family, value);
      return fail({
        code: 'address-conflict',
        message: `${text} in ${pool.describe()} is held by "${this.owners.name(holder)}" and also claimed by "${owner}" (a duplicate, e.g. after a Git merge); remove the address from one of the two claims so it gets a new one`,
        owners: [this.owners.name(holder), owner],
        address: text,
        pools: [pool.id],
      });
    }
    const block = this.blockHoldings.containing(pool.id, value);
    if (block !== undefined) return fail(blockConflict(owner, formatAddress(family, value), block));
    if (table.holds(id)) {
      const text = formatAddress(family, value);
      const held = formatAddress(family, this.valueOf(table, id));
      return fail({
        code: 'owner-conflict',
        message: `"${owner}" already holds ${held} and cannot also hold ${text}: an owner holds one ${family} address; release ${held} first`,
        owners: [owner],
        address: text,
        pools: [pool.id],
      });
    }
    this.hold(id, owner, h, value, state);
    return ok(allocationOf(owner, value, state));
  }

  allocate(owner: string, poolIds: readonly string[]): Outcome<Allocation> {
    const resolved = this.resolve(poolIds, owner);
    if (!resolved.ok) return resolved;
    return this.allocateIn(owner, resolved.value);
  }

  allocateMany(requests: readonly AllocationRequest[]): Outcome<readonly Allocation[]> {
    const plans: { owner: string; states: readonly PoolState[] }[] = [];
    const seen = new Set<string>();
    for (const request of requests) {
      const resolved = this.resolve(request.poolIds, request.owner);
      if (!resolved.ok) return resolved;
      const family = resolved.value[0]!.pool.family;
      const key = `${family}\u0000${request.owner}`;
      if (seen.has(key)) {
        return fail({
          code: 'duplicate-request',
          message: `"${request.owner}" asks twice for an ${family} address in one request; an owner holds one address per family`,
          owners: [request.owner],
        });
      }
      seen.add(key);
      plans.push({ owner: request.owner, states: resolved.value });
    }
    const cursors = new Map<PoolState, bigint | undefined>();
    for (const plan of plans) for (const s of plan.states) cursors.set(s, s.cursor);
    const fresh: { family: IpFamily; id: number }[] = [];
    const out: Allocation[] = [];
    for (const plan of plans) {
      const r = this.allocateIn(plan.owner, plan.states);
      if (!r.ok) {
        for (const h of fresh) this.unhold(h.family, h.id);
        for (const [s, cursor] of cursors) s.cursor = cursor;
        const owners = [...new Set(plans.map((p) => p.owner))];
        return fail({
          ...r.error,
          message: `nothing was allocated for ${owners.map((o) => `"${o}"`).join(', ')} (all families or none): ${r.error.message}`,
          owners,
        });
      }
      if (this.freshId !== -1) fresh.push({ family: r.value.family, id: this.freshId });
      out.push(r.value);
    }
    return ok(out);
  }

  release(owner: string, family?: IpFamily): readonly Allocation[] {
    const freed: Allocation[] = [];
    const id = this.owners.idOf(owner);
    for (const f of FAMILIES) {
      if (family !== undefined && f !== family) continue;
      const table = this.tables[f];
      if (!table.holds(id)) continue;
      const state = this.states[table.pool[id]! - 1]!;
      freed.push(allocationOf(owner, this.valueOf(table, id), state));
      this.unhold(f, id);
    }
    return freed;
  }

  holderOf(address: string): string | undefined {
    const slash = address.indexOf('/');
    const parsed = parseAddress(slash === -1 ? address : address.slice(0, slash));
    if (!parsed.ok) return undefined;
    const { family, value } = parsed.value;
    const state = this.poolContaining(family, value);
    const id = state === undefined ? -1 : holderId(state, value);
    return id === -1 ? undefined : this.owners.name(id);
  }

  allocationsOf(owner: string): readonly Allocation[] {
    const out: Allocation[] = [];
    const id = this.owners.idOf(owner);
    for (const f of FAMILIES) {
      const table = this.tables[f];
      if (table.holds(id)) out.push(allocationOf(owner, this.valueOf(table, id), this.states[table.pool[id]! - 1]!));
    }
    return out;
  }

  allocations(): readonly Allocation[] {
    const out: Allocation[] = [];
    for (const s of this.ordered) {
      const table = this.tables[s.pool.family];
      for (const id of s.holders.inOrder()) out.push(allocationOf(this.owners.name(id), this.valueOf(table, id), s));
    }
    return out;
  }

  usage(poolId: string): PoolUsage | undefined {
    const s = this.lookup(poolId);
    if (s === undefined) return undefined;
    return {
      poolId: s.pool.id,
      usable: s.pool.usableSize,
      held: heldIn(s),
      cursor: s.cursor === undefined ? undefined : formatAddress(s.pool.family, s.cursor),
    };
  }

  exportState(): CursorState {
    const state: Record<string, string> = {};
    for (const s of this.ordered) {
      if (s.cursor !== undefined) state[s.pool.id] = formatAddress(s.pool.family, s.cursor);
    }
    return state;
  }

  importState(state: CursorState): Outcome<{ readonly ignored: readonly string[] }> {
    const ignored: string[] = [];
    const updates: [PoolState, bigint][] = [];
    for (const [key, value] of Object.entries(state)) {
      const s = this.lookup(key);
      if (s === undefined) {
        ignored.push(key);
        continue;
      }
      const parsed = typeof value === 'string' ? parseAddress(value) : undefined;
      if (parsed === undefined || !parsed.ok || parsed.value.family !== s.pool.family || !s.pool.contains(parsed.value.value)) {
        return fail({
          code: 'invalid-state',
          message: `saved cursor ${JSON.stringify(key)}: ${JSON.stringify(value)} is not an address of ${s.pool.describe()}; correct or delete the entry`,
          pools: [s.pool.id],
        });
      }
      updates.push([s, parsed.value.value]);
    }
    for (const [s, cursor] of updates) s.cursor = cursor;
    return ok({ ignored });
  }

  allocateBlock(owner: string, poolIds: readonly string[], length: number): Outcome<BlockAllocation> {
    const resolved = this.resolve(poolIds, owner);
    if (!resolved.ok) return resolved;
    const states = resolved.value;
    const family = states[0]!.pool.family;
    const bits = FAMILY_BITS[family];
    if (!Number.isInteger(length) || length < 0 || length > bits) {
      return fail({ code: 'invalid-block', message: `"${owner}" asks for a /${length} block; an ${family} prefix length is 0 to ${bits}`, owners: [owner] });
    }
    const held = this.heldBlockFor(owner, family, states, length);
    if (held !== undefined) return held;
    const fitting = states.filter((s) => s.pool.prefixLength <= length);
    if (fitting.length === 0) {
      return fail({
        code: 'invalid-block',
        message: `"${owner}" asks for a /${length} block, larger than every pool it may use (${states.map((s) => s.pool.id).join(', ')}); ask for a longer prefix length or add a larger pool`,
        owners: [owner],
        pools: states.map((s) => s.pool.id),
      });
    }
    const size = blockSize(family, length);
    for (const s of fitting) {
      const lo = nextFreeAlignedBlock(s.taken, s.pool.network, s.pool.lastAddress, size, s.cursor);
      if (lo === undefined) continue;
      s.cursor = lo + size - 1n;
      return ok(blockAllocationOf(this.holdBlock(owner, s, lo, length)));
    }
    const pools = fitting.map((s) => `${s.pool.describe()}: ${this.blockHoldings.count(s.pool.id)} blocks and ${heldIn(s)} addresses held (${s.pool.describeReserved()})`);
    const detail = `${pools.join('; ')}. Add or widen a pool, ask for a smaller block, or remove claims that are no longer needed`;
    return fail({
      code: 'exhausted',
      message: `no free /${length} block for "${owner}" in network instance "${this.name}" - ${detail}`,
      owners: [owner],
      pools: fitting.map((s) => s.pool.id),
      detail,
    });
  }

  reserveBlock(owner: string, prefix: string, poolIds?: readonly string[]): Outcome<BlockAllocation> {
    const parsed = parseAddressWithLength(prefix);
    if (!parsed.ok) {
      return fail({ code: 'invalid-block', message: `"${owner}": ${parsed.error.message}`, owners: [owner] });
    }
    const { family, value, length } = parsed.value;
    const lo = networkOf(family, value, length);
    if (lo !== value) {
      return fail({
        code: 'host-bits-set',
        message: `"${owner}" records ${prefix}, which is not a block: its host bits are set (the block would be ${formatCidr(family, lo, length)}); correct it or clear it so a block is allocated afresh`,
        owners: [owner],
      });
    }
    const hi = lo + blockSize(family, length) - 1n;
    let candidates: readonly PoolState[] = this.ordered;
    if (poolIds !== undefined) {
      const resolved = this.resolve(poolIds, owner);
      if (!resolved.ok) return resolved;
      candidates = resolved.value;
    }
    const state = candidates.find((s) => s.pool.family === family && s.pool.network <= lo && hi <= s.pool.lastAddress);
    const text = formatCidr(family, lo, length);
    if (state === undefined) {
      const allowed = candidates.map((s) => s.pool.id).join(', ') || 'none';
      return fail({
        code: 'outside-pools',
        message: `${text} held by "${owner}" is no longer valid: it is not inside the pools it may use (${allowed}) of network instance "${this.name}". Restore the pool, or clear the prefix from "${owner}" so a block is allocated afresh`,
        owners: [owner],
        address: text,
        pools: candidates.map((s) => s.pool.id),
      });
    }
    const held = this.heldBlockFor(owner, family, [state], length);
    if (held !== undefined) {
      if (held.ok && held.value.prefix === text) return held;
      if (!held.ok) return held;
      return fail({
        code: 'owner-conflict',
        message: `"${owner}" already holds ${held.value.prefix} and cannot also hold ${text}: an owner holds one ${family} block; release ${held.value.prefix} first`,
        owners: [owner],
        pools: [state.pool.id],
      });
    }
    const first = state.taken.intervalAtOrAfter(lo);
    if (first !== undefined && first.lo <= hi) {
      const at = first.lo > lo ? first.lo : lo;
      const block = this.blockHoldings.containing(state.pool.id, at);
      if (block !== undefined) return fail(blockConflict(owner, text, block));
      const id = holderId(state, at);
      const address = formatAddress(family, at);
      if (id !== -1) {
        const holder = this.owners.name(id);
        return fail({
          code: 'address-conflict',
          message: `${text} claimed by "${owner}" contains ${address}, held by "${holder}"; remove the prefix from "${owner}" so it gets a free block`,
          owners: [holder, owner],
          address,
          pools: [state.pool.id],
        });
      }
      return fail({
        code: 'reserved-address',
        message: `${text} cannot be held by "${owner}": it contains ${address}, ${state.pool.reservedReason(at) ?? 'a reserved address'} of ${state.pool.describe()}; choose another block`,
        owners: [owner],
        address,
        pools: [state.pool.id],
      });
    }
    return ok(blockAllocationOf(this.holdBlock(owner, state, lo, length)));
  }

  releaseBlock(owner: string, family?: IpFamily): readonly BlockAllocation[] {
    const freed: BlockAllocation[] = [];
    for (const f of FAMILIES) {
      if (family !== undefined && f !== family) continue;
      const block = this.blockHoldings.of(owner, f);
      if (block === undefined) continue;
      this.blockHoldings.remove(block);
      this.byId.get(block.poolId)?.taken.delete(block.lo, block.hi);
      freed.push(blockAllocationOf(block));
    }
    return freed;
  }

  blocksOf(owner: string): readonly BlockAllocation[] {
    const out: BlockAllocation[] = [];
    for (const f of FAMILIES) {
      const block = this.blockHoldings.of(owner, f);
      if (block !== undefined) out.push(blockAllocationOf(block));
    }
    return out;
  }

  blocks(): readonly BlockAllocation[] {
    return this.ordered.flatMap((s) => this.blockHoldings.inPool(s.pool.id).map(blockAllocationOf));
  }

  /**
   * What `owner` already holds when it asks for a block: its block if that one fits the request,
   * a conflict if it holds another block or an address of the family, else undefined.
   */
  private heldBlockFor(owner: string, family: IpFamily, states: readonly PoolState[], length: number): Outcome<BlockAllocation> | undefined {
    const mine = this.blockHoldings.of(owner, family);
    if (mine !== undefined) {
      const allocation = blockAllocationOf(mine);
      if (mine.length === length && states.some((s) => s.pool.id === mine.poolId)) return ok(allocation);
      return fail({
        code: 'owner-conflict',
        message: `"${owner}" already holds ${allocation.prefix}, which is not a /${length} of the pools it now selects (${states.map((s) => s.pool.id).join(', ')}); release it first`,
        owners: [owner],
        address: allocation.prefix,
        pools: [mine.poolId],
      });
    }
    const table = this.tables[family];
    const id = this.owners.idOf(owner);
    if (table.holds(id)) {
      const address = formatAddress(family, this.valueOf(table, id));
      return fail({
        code: 'owner-conflict',
        message: `"${owner}" holds the address ${address} and cannot also hold a block of the same family; release it first`,
        owners: [owner],
        address,
      });
    }
    return undefined;
  }

  private holdBlock(owner: string, state: PoolState, lo: bigint, length: number): BlockHolding {
    const block: BlockHolding = { owner, family: state.pool.family, poolId: state.pool.id, lo, hi: lo + blockSize(state.pool.family, length) - 1n, length };
    state.taken.add(block.lo, block.hi);
    this.blockHoldings.add(block);
    return block;
  }

  private lookup(poolId: string): PoolState | undefined {
    const direct = this.byId.get(poolId);
    if (direct !== undefined) return direct;
    const parsed = parseAddressWithLength(poolId);
    if (!parsed.ok) return undefined;
    const { family, value, length } = parsed.value;
    return this.byId.get(`${formatAddress(family, value)}/${length}`);
  }

  /** The pool holding `value`, by binary search over the sorted, disjoint pools. */
  private poolContaining(family: IpFamily, value: bigint): PoolState | undefined {
    const ordered = this.ordered;
    let lo = 0;
    let hi = ordered.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const p = ordered[mid]!.pool;
      const before = p.family !== family ? p.family === 'ipv6' : value < p.network;
      if (before) hi = mid - 1;
      else if (p.family !== family || value > p.lastAddress) lo = mid + 1;
      else return ordered[mid];
    }
    return undefined;
  }

  private resolve(poolIds: readonly string[], owner: string): Outcome<readonly PoolState[]> {
    // Claims of one pool come one after another: the same single id resolves as last time.
    if (poolIds.length === 1 && this.resolvedOne !== undefined && poolIds[0] === this.resolvedId) return this.resolvedOne;
    if (poolIds.length === 0) {
      return fail({
        code: 'no-pools',
        message: `no pool of network instance "${this.name}" matches "${owner}"; add a prefix whose labels match its selector`,
        owners: [owner],
      });
    }
    const states: PoolState[] = [];
    for (const id of poolIds) {
      const s = this.lookup(id);
      if (s === undefined) {
        const known = this.ordered.map((p) => p.pool.id).join(', ') || 'none';
        return fail({
          code: 'unknown-pool',
          message: `"${owner}" asks for pool ${id}, which network instance "${this.name}" does not have (it has: ${known})`,
          owners: [owner],
          pools: [id],
        });
      }
      if (!states.includes(s)) states.push(s);
    }
    const family = states[0]!.pool.family;
    const other = states.find((s) => s.pool.family !== family);
    if (other !== undefined) {
      return fail({
        code: 'family-mismatch',
        message: `"${owner}" asks for one address from pools of both families (${states[0]!.pool.id}, ${other.pool.id}); request each family separately`,
        owners: [owner],
        pools: states.map((s) => s.pool.id),
      });
    }
    const resolved = ok(states);
    if (poolIds.length === 1) {
      this.resolvedId = poolIds[0];
      this.resolvedOne = resolved;
    }
    return resolved;
  }

  /** Sets `freshId` to the owner's id when the address was handed out by this call, else -1. */
  private allocateIn(owner: string, states: readonly PoolState[]): Outcome<Allocation> {
    this.freshId = -1;
    const family = states[0]!.pool.family;
    const table = this.tables[family];
    // Hashed once: the lookup's hash serves the insert of a new owner.
    const h = this.owners.hash(owner);
    const id = this.owners.find(owner, h);
    if (table.holds(id)) {
      const state = this.states[table.pool[id]! - 1]!;
      const allocation = allocationOf(owner, this.valueOf(table, id), state);
      if (states.includes(state)) return ok(allocation);
      return fail({
        code: 'owner-conflict',
        message: `"${owner}" already holds ${allocation.address} from ${state.pool.describe()}, which is not among the pools it now selects (${states.map((s) => s.pool.id).join(', ')}); release it first`,
        owners: [owner],
        address: allocation.address,
        pools: [state.pool.id],
      });
    }
    for (const s of states) {
      const offset = nextFitOffset(s.taken, s.firstOffset, s.lastOffset, s.cursorOffset);
      if (offset >= 0) {
        s.cursorOffset = offset;
        this.freshId = this.holdOffset(id, owner, h, offset, s);
        return ok(allocationAt(owner, offset, s));
      }
      if (offset === -1) continue;
      // Past the numbers' window: the same search in bigints.
      const value = nextFitIn(s.taken, s.pool.firstUsable, s.pool.lastUsable, s.cursor);
      if (value !== undefined) {
        s.cursor = value;
        this.freshId = this.hold(id, owner, h, value, s);
        return ok(allocationOf(owner, value, s));
      }
    }
    return fail(exhausted(owner, states, this.name));
  }

  /** Records the holding; `id` is the owner's id, or -1 when it has none yet. Returns the id. */
  private hold(id: number, owner: string, h: number, value: bigint, state: PoolState): number {
    const offset = value - state.pool.network;
    if (offset <= MAX_OFFSET_BIG) return this.holdOffset(id, owner, h, Number(offset), state);
    if (id === -1) id = this.owners.add(owner, h);
    const table = this.tables[state.pool.family];
    table.set(id, state.ref, offset);
    state.holders.add(id, offset);
    state.taken.add(value);
    return id;
  }

  /** `hold` of the address `offset` (below 2^53) past the network address; `h`: the owner's hash. */
  private holdOffset(id: number, owner: string, h: number, offset: number, state: PoolState): number {
    if (id === -1) id = this.owners.add(owner, h);
    this.tables[state.pool.family].setNumber(id, state.ref, offset);
    state.holders.addNumber(id, offset);
    state.taken.addOffset(offset);
    return id;
  }

  private unhold(family: IpFamily, id: number): void {
    const table = this.tables[family];
    const state = this.states[table.pool[id]! - 1]!;
    const near = table.offsetNumber(id);
    if (Number.isNaN(near)) {
      const offset = table.offsetOf(id);
      state.holders.delete(id, offset);
      state.taken.delete(state.pool.network + offset);
    } else {
      state.holders.deleteNumber(id, near);
      state.taken.deleteOffset(near);
    }
    table.clear(id);
    this.forgetIfIdle(id);
  }

  /** Drops the owner's name once it holds nothing of either family. */
  private forgetIfIdle(id: number): void {
    if (!FAMILIES.some((f) => this.tables[f].holds(id) || this.blockHoldings.holds(id, f))) this.owners.remove(id);
  }

  private valueOf(table: HoldingTable, id: number): bigint {
    return this.states[table.pool[id]! - 1]!.pool.network + table.offsetOf(id);
  }
}

/** `allocationOf` the address `offset` (below 2^53) past the pool's network address. */
function allocationAt(owner: string, offset: number, state: PoolState): Allocation {
  return allocationWithAddress(owner, formatAddressAt(state.pool.family, state.networkAt, offset), state);
}

function exhausted(owner: string, states: readonly PoolState[], space: string): IpamError {
  const pools = states.map(
    (s) => `${s.pool.describe()}: ${s.pool.usableSize} usable addresses, ${heldIn(s)} in use (${s.pool.describeReserved()})`,
  );
  const detail = `${pools.join('; ')}. Add or widen a prefix, drop exclusions, or remove claims that are no longer needed`;
  return {
    code: 'exhausted',
    message: `no free address for "${owner}" in network instance "${space}" - ${detail}`,
    owners: [owner],
    pools: states.map((s) => s.pool.id),
    detail,
  };
}

function blockAllocationOf(block: BlockHolding): BlockAllocation {
  return { owner: block.owner, family: block.family, prefix: formatCidr(block.family, block.lo, block.length), poolId: block.poolId };
}

function blockConflict(owner: string, what: string, block: BlockHolding): IpamError {
  const held = formatCidr(block.family, block.lo, block.length);
  return {
    code: 'address-conflict',
    message: `${what} claimed by "${owner}" overlaps ${held}, held by "${block.owner}" (a duplicate, e.g. after a Git merge); remove it from "${owner}" so it gets a free one`,
    owners: [block.owner, owner],
    address: held,
    pools: [block.poolId],
  };
}

export function createAddressSpace(name?: string): AddressSpace {
  return new InMemoryAddressSpace(name);
}
