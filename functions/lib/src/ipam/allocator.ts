/**
 * The in-memory address space of one network instance: the default `AddressLedger`.
 *
 * Each pool keeps one IntervalSet of taken addresses (gateway, exclusions and holdings), so both
 * "is it free" and "next free address after the cursor" are binary searches whatever the size
 * of the pool. Same calls in the same order give the same results: nothing here depends on
 * time, randomness or hash order.
 */
import { formatAddress, IpFamily, parseAddress, parseAddressWithLength } from './address';
import { IntervalSet } from './interval-set';
import type { AddressLedger, Allocation, AllocationRequest, CursorState, PoolUsage } from './ledger';
import { Pool, PoolSpec } from './pool';
import { fail, IpamError, ok, Result } from './result';

interface PoolState {
  readonly pool: Pool;
  /** Gateway, exclusions and held addresses, within [firstUsable, lastUsable]. */
  readonly taken: IntervalSet;
  held: number;
  /** Last address handed out by allocate; the next search starts after it. */
  cursor: bigint | undefined;
}

interface Holding {
  readonly allocation: Allocation;
  readonly value: bigint;
  readonly state: PoolState;
}

type OwnerSlots = { ipv4?: Holding; ipv6?: Holding };

const FAMILIES: readonly IpFamily[] = ['ipv4', 'ipv6'];

function comparePools(a: Pool, b: Pool): number {
  if (a.family !== b.family) return a.family === 'ipv4' ? -1 : 1;
  return a.network < b.network ? -1 : a.network > b.network ? 1 : 0;
}

function sameDefinition(a: Pool, b: Pool): boolean {
  return a.gateway === b.gateway && a.exclusions.join(',') === b.exclusions.join(',');
}

export class InMemoryAddressSpace implements AddressLedger {
  readonly name: string;
  private readonly byId = new Map<string, PoolState>();
  /** Pools sorted by family, then network address. */
  private ordered: PoolState[] = [];
  private readonly byAddress: Record<IpFamily, Map<bigint, Holding>> = { ipv4: new Map(), ipv6: new Map() };
  private readonly byOwner = new Map<string, OwnerSlots>();

  constructor(name = 'default') {
    this.name = name;
  }

  addPool(input: Pool | PoolSpec): Result<Pool> {
    let pool: Pool;
    if (input instanceof Pool) {
      pool = input;
    } else {
      const created = Pool.create(input);
      if (!created.ok) return created;
      pool = created.value;
    }
    for (const s of this.ordered) {
      const other = s.pool;
      if (other.family !== pool.family || other.lastAddress < pool.network || pool.lastAddress < other.network) continue;
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
    const state: PoolState = { pool, taken: pool.reservedAddresses(), held: 0, cursor: undefined };
    this.byId.set(pool.id, state);
    this.ordered.push(state);
    this.ordered.sort((a, b) => comparePools(a.pool, b.pool));
    return ok(pool);
  }

  pools(): readonly Pool[] {
    return this.ordered.map((s) => s.pool);
  }

  reserve(owner: string, address: string, poolIds?: readonly string[]): Result<Allocation> {
    const slash = address.indexOf('/');
    const parsed = slash === -1 ? parseAddress(address) : parseAddressWithLength(address);
    if (!parsed.ok) {
      return fail({ ...parsed.error, code: 'invalid-address', message: `"${owner}": ${parsed.error.message}`, owners: [owner] });
    }
    const { family, value } = parsed.value;
    const text = formatAddress(family, value);

    let candidates: readonly PoolState[] = this.ordered;
    if (poolIds !== undefined) {
      const resolved = this.resolve(poolIds, owner);
      if (!resolved.ok) return resolved;
      candidates = resolved.value;
    }
    const state = candidates.find((s) => s.pool.family === family && s.pool.contains(value));
    if (!state) {
      const elsewhere = this.ordered.find((s) => s.pool.family === family && s.pool.contains(value));
      const allowed = candidates.map((s) => s.pool.id).join(', ') || 'none';
      const why = elsewhere
        ? `it belongs to ${elsewhere.pool.describe()}, which "${owner}" does not select (allowed: ${allowed})`
        : poolIds !== undefined
          ? `it is outside the pools "${owner}" may use (${allowed})`
          : `it is outside every pool of network instance "${this.name}" (${allowed})`;
      return fail({
        code: 'outside-pools',
        message: `${text} held by "${owner}" is no longer valid: ${why}. Restore the pool, or clear the address from "${owner}" so it is allocated afresh`,
        owners: [owner],
        address: text,
        pools: candidates.map((s) => s.pool.id),
      });
    }
    const pool = state.pool;
    if ('length' in parsed.value && parsed.value.length !== pool.prefixLength) {
      return fail({
        code: 'prefix-length-mismatch',
        message: `"${owner}" records ${address} but ${pool.describe()} is a /${pool.prefixLength}; the subnet changed since the address was allocated - fix the pool or clear the address from "${owner}"`,
        owners: [owner],
        address: text,
        pools: [pool.id],
      });
    }
    const reason = pool.reservedReason(value);
    if (reason !== undefined) {
      return fail({
        code: 'reserved-address',
        message: `${text} cannot be held by "${owner}": it is ${reason} of ${pool.describe()}; choose another address`,
        owners: [owner],
        address: text,
        pools: [pool.id],
      });
    }
    const holder = this.byAddress[family].get(value);
    if (holder !== undefined) {
      if (holder.allocation.owner === owner) return ok(holder.allocation);
      return fail({
        code: 'address-conflict',
        message: `${text} in ${pool.describe()} is held by "${holder.allocation.owner}" and also claimed by "${owner}" (a duplicate, e.g. after a Git merge); remove the address from one of the two claims so it gets a new one`,
        owners: [holder.allocation.owner, owner],
        address: text,
        pools: [pool.id],
      });
    }
    const mine = this.byOwner.get(owner)?.[family];
    if (mine !== undefined) {
      return fail({
        code: 'owner-conflict',
        message: `"${owner}" already holds ${mine.allocation.address} and cannot also hold ${text}: an owner holds one ${family} address; release ${mine.allocation.address} first`,
        owners: [owner],
        address: text,
        pools: [pool.id],
      });
    }
    return ok(this.hold(owner, value, state).allocation);
  }

  allocate(owner: string, poolIds: readonly string[]): Result<Allocation> {
    const resolved = this.resolve(poolIds, owner);
    if (!resolved.ok) return resolved;
    const r = this.allocateIn(owner, resolved.value);
    return r.ok ? ok(r.value.holding.allocation) : r;
  }

  allocateMany(requests: readonly AllocationRequest[]): Result<readonly Allocation[]> {
    const plans: { owner: string; states: readonly PoolState[] }[] = [];
    const seen = new Set<string>();
    for (const request of requests) {
      const resolved = this.resolve(request.poolIds, request.owner);
      if (!resolved.ok) return resolved;
      const key = `${resolved.value[0]!.pool.family}\u0000${request.owner}`;
      if (seen.has(key)) {
        return fail({
          code: 'duplicate-request',
          message: `"${request.owner}" asks twice for an ${resolved.value[0]!.pool.family} address in one request; an owner holds one address per family`,
          owners: [request.owner],
        });
      }
      seen.add(key);
      plans.push({ owner: request.owner, states: resolved.value });
    }
    const cursors = new Map<PoolState, bigint | undefined>();
    for (const plan of plans) for (const s of plan.states) cursors.set(s, s.cursor);
    const fresh: Holding[] = [];
    const out: Allocation[] = [];
    for (const plan of plans) {
      const r = this.allocateIn(plan.owner, plan.states);
      if (!r.ok) {
        for (const h of fresh) this.unhold(h);
        for (const [s, cursor] of cursors) s.cursor = cursor;
        const owners = [...new Set(plans.map((p) => p.owner))];
        return fail({
          ...r.error,
          message: `nothing was allocated for ${owners.map((o) => `"${o}"`).join(', ')} (all families or none): ${r.error.message}`,
          owners,
        });
      }
      if (r.value.fresh) fresh.push(r.value.holding);
      out.push(r.value.holding.allocation);
    }
    return ok(out);
  }

  release(owner: string, family?: IpFamily): readonly Allocation[] {
    const slots = this.byOwner.get(owner);
    if (slots === undefined) return [];
    const freed: Allocation[] = [];
    for (const f of FAMILIES) {
      if (family !== undefined && f !== family) continue;
      const h = slots[f];
      if (h === undefined) continue;
      this.unhold(h);
      freed.push(h.allocation);
    }
    return freed;
  }

  holderOf(address: string): string | undefined {
    const slash = address.indexOf('/');
    const parsed = parseAddress(slash === -1 ? address : address.slice(0, slash));
    if (!parsed.ok) return undefined;
    return this.byAddress[parsed.value.family].get(parsed.value.value)?.allocation.owner;
  }

  allocationsOf(owner: string): readonly Allocation[] {
    const slots = this.byOwner.get(owner);
    if (slots === undefined) return [];
    const out: Allocation[] = [];
    for (const f of FAMILIES) {
      const h = slots[f];
      if (h !== undefined) out.push(h.allocation);
    }
    return out;
  }

  allocations(): readonly Allocation[] {
    const out: Allocation[] = [];
    for (const f of FAMILIES) {
      const holdings = [...this.byAddress[f].values()];
      holdings.sort((a, b) => (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
      for (const h of holdings) out.push(h.allocation);
    }
    return out;
  }

  usage(poolId: string): PoolUsage | undefined {
    const s = this.lookup(poolId);
    if (s === undefined) return undefined;
    return {
      poolId: s.pool.id,
      usable: s.pool.usableSize,
      held: s.held,
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

  importState(state: CursorState): Result<{ readonly ignored: readonly string[] }> {
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

  private lookup(poolId: string): PoolState | undefined {
    const direct = this.byId.get(poolId);
    if (direct !== undefined) return direct;
    const parsed = parseAddressWithLength(poolId);
    if (!parsed.ok) return undefined;
    const { family, value, length } = parsed.value;
    return this.byId.get(`${formatAddress(family, value)}/${length}`);
  }

  private resolve(poolIds: readonly string[], owner: string): Result<readonly PoolState[]> {
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
    return ok(states);
  }

  private allocateIn(owner: string, states: readonly PoolState[]): Result<{ holding: Holding; fresh: boolean }> {
    const family = states[0]!.pool.family;
    const mine = this.byOwner.get(owner)?.[family];
    if (mine !== undefined) {
      if (states.includes(mine.state)) return ok({ holding: mine, fresh: false });
      return fail({
        code: 'owner-conflict',
        message: `"${owner}" already holds ${mine.allocation.address} from ${mine.state.pool.describe()}, which is not among the pools it now selects (${states.map((s) => s.pool.id).join(', ')}); release it first`,
        owners: [owner],
        address: mine.allocation.address,
        pools: [mine.state.pool.id],
      });
    }
    for (const s of states) {
      const value = nextFree(s);
      if (value !== undefined) {
        s.cursor = value;
        return ok({ holding: this.hold(owner, value, s), fresh: true });
      }
    }
    return fail(exhausted(owner, states, this.name));
  }

  private hold(owner: string, value: bigint, state: PoolState): Holding {
    const pool = state.pool;
    const address = formatAddress(pool.family, value);
    const allocation: Allocation = {
      owner,
      family: pool.family,
      address,
      prefix: `${address}/${pool.prefixLength}`,
      gateway: pool.gatewayAddress,
      poolId: pool.id,
    };
    const holding: Holding = { allocation, value, state };
    this.byAddress[pool.family].set(value, holding);
    let slots = this.byOwner.get(owner);
    if (slots === undefined) {
      slots = {};
      this.byOwner.set(owner, slots);
    }
    slots[pool.family] = holding;
    state.taken.add(value);
    state.held++;
    return holding;
  }

  private unhold(h: Holding): void {
    const { family, owner } = h.allocation;
    this.byAddress[family].delete(h.value);
    const slots = this.byOwner.get(owner);
    if (slots !== undefined) {
      delete slots[family];
      if (slots.ipv4 === undefined && slots.ipv6 === undefined) this.byOwner.delete(owner);
    }
    h.state.taken.delete(h.value);
    h.state.held--;
  }
}

/**
 * Next-fit: the first free address after the cursor, wrapping around to the start of the pool
 * once. Two binary searches at most.
 */
function nextFree(s: PoolState): bigint | undefined {
  const { firstUsable: first, lastUsable: last } = s.pool;
  const c = s.cursor;
  const start = c === undefined || c < first || c >= last ? first : c + 1n;
  const v = s.taken.firstAbsentAtOrAfter(start);
  if (v <= last) return v;
  if (start > first) {
    const w = s.taken.firstAbsentAtOrAfter(first);
    if (w < start) return w;
  }
  return undefined;
}

function exhausted(owner: string, states: readonly PoolState[], space: string): IpamError {
  const pools = states.map(
    (s) => `${s.pool.describe()}: ${s.pool.usableSize} usable addresses, ${s.held} in use (${s.pool.describeReserved()})`,
  );
  return {
    code: 'exhausted',
    message: `no free address for "${owner}" in network instance "${space}" - ${pools.join('; ')}. Add or widen a prefix, drop exclusions, or remove claims that are no longer needed`,
    owners: [owner],
    pools: states.map((s) => s.pool.id),
  };
}

export function createAddressSpace(name?: string): AddressLedger {
  return new InMemoryAddressSpace(name);
}
