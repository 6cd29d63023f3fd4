/**
 * Who holds which aligned block (a prefix handed out whole, e.g. a UE pool) in an address space.
 *
 * Blocks are kept like addresses (holdings.ts): per family a table by owner id, with the block's
 * first address as an offset in its pool and its prefix length, and per pool an index from that
 * offset to the owner id - no object per block, the owner's name stored once in the space's
 * owner table. Because a block of length L starts at the address with its last (bits - L) bits
 * cleared, the block containing an address is found by one lookup per block length in use in
 * the pool (a handful), so adding, removing and finding cost the same with a hundred blocks or
 * a million.
 */
import { blockSize, IpFamily } from './address';
import { HoldingTable, PoolHolders } from './holdings';
import type { OwnerTable } from './owner-table';
import type { Pool } from './pool';

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
  readonly pool: Pool;
  /** Position in `BlockHoldings.pools` plus one: what the table records. */
  readonly ref: number;
  readonly starts: PoolHolders;
  /** How many blocks of each length the pool holds. */
  readonly lengths: Map<number, number>;
}

export class BlockHoldings {
  private readonly tables: Record<IpFamily, HoldingTable> = { ipv4: new HoldingTable(), ipv6: new HoldingTable() };
  private readonly pools: PoolBlocks[] = [];
  private readonly byPool = new Map<string, PoolBlocks>();

  /**
   * `poolOf` finds a pool of the space by id; `idle` is told when an owner stops holding a block,
   * so the space can forget the owner's name once it holds nothing at all.
   */
  constructor(
    private readonly owners: OwnerTable,
    private readonly poolOf: (poolId: string) => Pool | undefined,
    private readonly idle: (id: number) => void,
  ) {}

  holds(id: number, family: IpFamily): boolean {
    return this.tables[family].holds(id);
  }

  of(owner: string, family: IpFamily): BlockHolding | undefined {
    const id = this.owners.idOf(owner);
    return this.tables[family].holds(id) ? this.holding(family, id, owner) : undefined;
  }

  add(block: BlockHolding): void {
    const p = this.poolBlocks(block.poolId);
    if (p === undefined) return;
    let id = this.owners.idOf(block.owner);
    if (id === -1) id = this.owners.add(block.owner);
    const table = this.tables[block.family];
    const offset = block.lo - p.pool.network;
    table.set(id, p.ref, offset);
    table.setLength(id, block.length);
    p.starts.add(id, offset);
    p.lengths.set(block.length, (p.lengths.get(block.length) ?? 0) + 1);
  }

  remove(block: BlockHolding): void {
    const p = this.byPool.get(block.poolId);
    const id = this.owners.idOf(block.owner);
    const table = this.tables[block.family];
    if (p === undefined || !table.holds(id) || table.pool[id] !== p.ref) return;
    p.starts.delete(id, block.lo - p.pool.network);
    const n = (p.lengths.get(block.length) ?? 1) - 1;
    if (n === 0) p.lengths.delete(block.length);
    else p.lengths.set(block.length, n);
    table.clear(id);
    this.idle(id);
  }

  /** The block of pool `poolId` that contains `value`, if any. */
  containing(poolId: string, value: bigint): BlockHolding | undefined {
    const p = this.byPool.get(poolId);
    if (p === undefined) return undefined;
    const { family, network } = p.pool;
    const table = this.tables[family];
    for (const length of p.lengths.keys()) {
      const size = blockSize(family, length);
      const id = p.starts.find(value - (value & (size - 1n)) - network);
      if (id !== -1 && table.length(id) === length) return this.holding(family, id);
    }
    return undefined;
  }

  count(poolId: string): number {
    return this.byPool.get(poolId)?.starts.size ?? 0;
  }

  /** Every block of the pool, in address order. */
  inPool(poolId: string): BlockHolding[] {
    const p = this.byPool.get(poolId);
    return p === undefined ? [] : p.starts.inOrder().map((id) => this.holding(p.pool.family, id));
  }

  private holding(family: IpFamily, id: number, owner = this.owners.name(id)): BlockHolding {
    const table = this.tables[family];
    const { pool } = this.pools[table.pool[id]! - 1]!;
    const lo = pool.network + table.offsetOf(id);
    const length = table.length(id);
    return { owner, family, poolId: pool.id, lo, hi: lo + blockSize(family, length) - 1n, length };
  }

  private poolBlocks(poolId: string): PoolBlocks | undefined {
    let p = this.byPool.get(poolId);
    if (p !== undefined) return p;
    const pool = this.poolOf(poolId);
    if (pool === undefined) return undefined;
    p = { pool, ref: this.pools.length + 1, starts: new PoolHolders(this.tables[pool.family]), lengths: new Map() };
    this.pools.push(p);
    this.byPool.set(poolId, p);
    return p;
  }
}
