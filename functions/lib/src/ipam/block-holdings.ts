/**
 * Who holds which aligned block (a prefix handed out whole, e.g. a UE pool) in an address space.
 *
 * Blocks are kept apart from the address rows: one entry per owner and family, and per pool a map
 * from block start to block. Because a block of length L starts at the address with its last
 * (bits - L) bits cleared, the block containing an address is found by one lookup per block
 * length in use in the pool (a handful), so adding, removing and finding cost the same with a
 * hundred blocks or a million.
 */
import type { IpFamily } from './address';

export interface BlockHolding {
  readonly owner: string;
  readonly family: IpFamily;
  readonly poolId: string;
  /** First and last address of the block. */
  readonly lo: bigint;
  readonly hi: bigint;
  readonly length: number;
}

interface PoolBlocks {
  readonly byStart: Map<bigint, BlockHolding>;
  /** How many blocks of each length the pool holds. */
  readonly lengths: Map<number, number>;
}

export class BlockHoldings {
  private readonly byOwner: Record<IpFamily, Map<string, BlockHolding>> = { ipv4: new Map(), ipv6: new Map() };
  private readonly byPool = new Map<string, PoolBlocks>();

  of(owner: string, family: IpFamily): BlockHolding | undefined {
    return this.byOwner[family].get(owner);
  }

  add(block: BlockHolding): void {
    this.byOwner[block.family].set(block.owner, block);
    let pool = this.byPool.get(block.poolId);
    if (!pool) this.byPool.set(block.poolId, (pool = { byStart: new Map(), lengths: new Map() }));
    pool.byStart.set(block.lo, block);
    pool.lengths.set(block.length, (pool.lengths.get(block.length) ?? 0) + 1);
  }

  remove(block: BlockHolding): void {
    this.byOwner[block.family].delete(block.owner);
    const pool = this.byPool.get(block.poolId);
    if (!pool || pool.byStart.get(block.lo) !== block) return;
    pool.byStart.delete(block.lo);
    const n = (pool.lengths.get(block.length) ?? 1) - 1;
    if (n === 0) pool.lengths.delete(block.length);
    else pool.lengths.set(block.length, n);
  }

  /** The block of pool `poolId` that contains `value`, if any. */
  containing(poolId: string, value: bigint): BlockHolding | undefined {
    const pool = this.byPool.get(poolId);
    if (!pool) return undefined;
    const bits = poolId.includes(':') ? 128n : 32n;
    for (const length of pool.lengths.keys()) {
      const size = 1n << (bits - BigInt(length));
      const b = pool.byStart.get(value - (value & (size - 1n)));
      if (b !== undefined && b.length === length) return b;
    }
    return undefined;
  }

  count(poolId: string): number {
    return this.byPool.get(poolId)?.byStart.size ?? 0;
  }

  /** Every block of the pool, in address order. */
  inPool(poolId: string): BlockHolding[] {
    const pool = this.byPool.get(poolId);
    if (!pool) return [];
    return [...pool.byStart.values()].sort((a, b) => (a.lo < b.lo ? -1 : a.lo > b.lo ? 1 : 0));
  }
}
