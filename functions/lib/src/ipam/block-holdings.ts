/**
 * Who holds which aligned block (a prefix handed out whole, e.g. a UE pool) in an address space.
 *
 * Blocks are few next to addresses (one per pool claim or per carved subnet), so they are kept
 * apart from the address rows: one entry per owner and family, and per pool a list sorted by
 * start, searched by bisection when an address or block turns out to be taken by some block.
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

export class BlockHoldings {
  private readonly byOwner: Record<IpFamily, Map<string, BlockHolding>> = { ipv4: new Map(), ipv6: new Map() };
  /** Per pool id, the blocks sorted by `lo` (blocks never overlap). */
  private readonly byPool = new Map<string, BlockHolding[]>();

  of(owner: string, family: IpFamily): BlockHolding | undefined {
    return this.byOwner[family].get(owner);
  }

  add(block: BlockHolding): void {
    this.byOwner[block.family].set(block.owner, block);
    const list = this.byPool.get(block.poolId) ?? [];
    list.splice(this.indexAfter(list, block.lo), 0, block);
    this.byPool.set(block.poolId, list);
  }

  remove(block: BlockHolding): void {
    this.byOwner[block.family].delete(block.owner);
    const list = this.byPool.get(block.poolId);
    if (!list) return;
    const i = this.indexAfter(list, block.lo) - 1;
    if (list[i] === block) list.splice(i, 1);
  }

  /** The block of pool `poolId` that contains `value`, if any. */
  containing(poolId: string, value: bigint): BlockHolding | undefined {
    const list = this.byPool.get(poolId);
    if (!list) return undefined;
    const i = this.indexAfter(list, value) - 1;
    const b = i >= 0 ? list[i] : undefined;
    return b !== undefined && b.hi >= value ? b : undefined;
  }

  /** Every block of the pool, in address order. */
  inPool(poolId: string): readonly BlockHolding[] {
    return this.byPool.get(poolId) ?? [];
  }

  /** Index of the first block whose `lo` is above `value`. */
  private indexAfter(list: readonly BlockHolding[], value: bigint): number {
    let a = 0;
    let b = list.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      if (list[m]!.lo <= value) a = m + 1;
      else b = m;
    }
    return a;
  }
}
