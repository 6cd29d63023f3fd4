/**
 * The contract of an address space: the addresses of ONE network instance, who holds each of
 * them, and where allocation resumes in each pool.
 *
 * It is synchronous on purpose. A shared ledger (e.g. on etcd) implements it by loading a
 * snapshot (pools, holdings, cursors) before the render, running the same rules against it, and
 * committing the changes in one transaction guarded by the snapshot's revision; a concurrent
 * writer makes the commit fail and the render retries. That keeps the rules in one place.
 */
import type { IpFamily } from './address';
import type { Pool, PoolSpec } from './pool';
import type { Outcome } from './result';

/** One address held by one owner. */
export interface Allocation {
  /** Who holds the address, e.g. an IPClaim name. */
  readonly owner: string;
  readonly family: IpFamily;
  /** Canonical address, e.g. `10.1.3.3` or `2001:db8::3`. */
  readonly address: string;
  /** `address/prefix-length-of-the-subnet`, e.g. `10.1.3.3/24` (what `status.prefix` records). */
  readonly prefix: string;
  /** The pool's gateway, if it has one. */
  readonly gateway: string | undefined;
  /** Id (canonical prefix) of the pool the address belongs to. */
  readonly poolId: string;
}

/**
 * One aligned block (a whole prefix, e.g. a UE pool) held by one owner. Blocks and addresses of
 * a network instance never overlap.
 */
export interface BlockAllocation {
  readonly owner: string;
  readonly family: IpFamily;
  /** The block in CIDR notation, e.g. `10.0.0.0/16` (what a pool claim's `status.prefix` records). */
  readonly prefix: string;
  /** Id (canonical prefix) of the pool the block was carved from. */
  readonly poolId: string;
}

/** Ask for one address for `owner` from the first of `poolIds` (all one family) that has room. */
export interface AllocationRequest {
  readonly owner: string;
  readonly poolIds: readonly string[];
}

/**
 * Where next-fit allocation resumes, per pool: pool id -> the last address handed out.
 * Plain JSON, so the caller can keep it in Git next to the claims.
 */
export type CursorState = Readonly<Record<string, string>>;

export interface PoolUsage {
  readonly poolId: string;
  /** Addresses that may be handed out (excludes network, broadcast, anycast, gateway, exclusions). */
  readonly usable: bigint;
  /** Addresses currently held. */
  readonly held: number;
  /** Last address handed out by `allocate`, if any. */
  readonly cursor: string | undefined;
}

export interface AddressSpace {
  /** The network instance this space belongs to; used in messages. */
  readonly name: string;

  /**
   * Adds a pool. A pool whose prefix overlaps one already present is refused (the error names
   * both); adding an identical pool again is a no-op.
   */
  addPool(pool: Pool | PoolSpec): Outcome<Pool>;
  pools(): readonly Pool[];

  /**
   * Records that `owner` holds `address` (an address from a claim's status, or one the user
   * chose). `address` may carry the subnet's prefix length (`10.1.3.3/24`). When `poolIds` is
   * given the address must lie in one of them. Fails, naming both owners, when another owner holds
   * it; fails when it is a reserved address or outside the pools. Re-reserving what the owner
   * already holds is a no-op. Does not move any cursor.
   */
  reserve(owner: string, address: string, poolIds?: readonly string[]): Outcome<Allocation>;

  /**
   * Hands `owner` an address of the pools' family by next-fit: in each pool, in the order given,
   * the search starts just after the pool's cursor and wraps around once, so released addresses
   * are reused last. An owner holds at most one address per family: if it already holds one in
   * these pools, that one is returned unchanged.
   */
  allocate(owner: string, poolIds: readonly string[]): Outcome<Allocation>;

  /**
   * All requests or none: used for one dual-stack interface (an IPv4 and an IPv6 request). On
   * failure every address and cursor is as it was before the call.
   */
  allocateMany(requests: readonly AllocationRequest[]): Outcome<readonly Allocation[]>;

  /** Frees what `owner` holds (only the given family, if set). Returns what was freed. */
  release(owner: string, family?: IpFamily): readonly Allocation[];

  /** The owner holding `address`, if any. */
  holderOf(address: string): string | undefined;
  allocationsOf(owner: string): readonly Allocation[];
  /** Every holding, IPv4 first, in address order. */
  allocations(): readonly Allocation[];
  usage(poolId: string): PoolUsage | undefined;

  /**
   * Hands `owner` an aligned block of `length` (a /16 of a /8 pool, say) by next-fit, like
   * `allocate`: in each pool, in the order given, the first free block starting after the pool's
   * cursor, wrapping around once. A block never overlaps an address or another block. An owner
   * holds at most one block per family: asking again for the same length returns it unchanged.
   */
  allocateBlock(owner: string, poolIds: readonly string[], length: number): Outcome<BlockAllocation>;

  /**
   * Records that `owner` holds the block `prefix` (CIDR, host bits zero), e.g. read back from a
   * pool claim's status. Fails, naming the holder, when any part of it is held or reserved.
   */
  reserveBlock(owner: string, prefix: string, poolIds?: readonly string[]): Outcome<BlockAllocation>;

  /** Frees the blocks `owner` holds (only the given family, if set). */
  releaseBlock(owner: string, family?: IpFamily): readonly BlockAllocation[];
  blocksOf(owner: string): readonly BlockAllocation[];
  /** Every block, IPv4 first, in address order. */
  blocks(): readonly BlockAllocation[];

  /** The cursor of every pool that has one, in pool order. */
  exportState(): CursorState;
  /**
   * Restores cursors saved by `exportState`. Entries for pools not in this space are returned in
   * `ignored` (a removed pool); malformed entries fail the whole import and change nothing.
   */
  importState(state: CursorState): Outcome<{ readonly ignored: readonly string[] }>;
}
