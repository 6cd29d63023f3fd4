/**
 * Slot records: a chunk of a pool (offset -> holder) and a pool-kind prefix's record (prefix ->
 * holder). Where an address sits, how a holding leaves its slot and how a chunk is written back
 * live here only: the ledger space (a release during the step), the commit (holdings a render
 * releases) and `netpipe ledger release` use the same functions.
 */
import { parseAddress } from '../ipam/address';
import type { Pool } from '../ipam/pool';
import { chunkPlaceOf } from './chunks';
import type { ChunkRecord, LedgerKeys, PrefixPoolRecord } from './keys';

/** A chunk as one attempt sees it: read from the snapshot, or a copy the render changed. */
export interface ChunkState {
  readonly key: string;
  readonly poolId: string;
  readonly index: bigint;
  /** Whether the key exists in etcd (a fresh chunk is created by the commit). */
  readonly exists: boolean;
  cluster: string;
  cursor: number | null;
  /** Offset -> [claim identity, package]. */
  held: Map<number, readonly [string, string]>;
}

export function cloneChunk(b: ChunkState): ChunkState {
  return { ...b, held: new Map(b.held) };
}

/** Where an address sits: its chunk (key, pool, index) and its offset in the chunk. */
export interface ChunkPlace {
  readonly key: string;
  readonly pool: Pool;
  readonly index: bigint;
  readonly offset: number;
}

/** The chunk holding `address` of pool `poolId`; undefined when the pool is unknown or the address bad. */
export function chunkOfAddress(pools: readonly Pool[], poolId: string, address: string, keys: LedgerKeys, ni: string): ChunkPlace | undefined {
  const pool = pools.find((p) => p.id === poolId);
  const parsed = parseAddress(address);
  if (!pool || !parsed.ok) return undefined;
  const { index, offset } = chunkPlaceOf(pool, parsed.value.value);
  return { key: keys.chunk(ni, pool.id, index), pool, index, offset };
}

/** A chunk without `owner`'s address at `offset`; the chunk itself when the slot is not `owner`'s. */
export function withoutSlot(b: ChunkState, offset: number, owner: string): ChunkState {
  if (b.held.get(offset)?.[0] !== owner) return b;
  const copy = { ...b, held: new Map(b.held) };
  copy.held.delete(offset);
  return copy;
}

/** A pool-prefix record without `owner`'s `prefix`; the record itself when the prefix is not `owner`'s. */
export function withoutPrefix(rec: PrefixPoolRecord, prefix: string, owner: string): PrefixPoolRecord {
  if (rec.held[prefix]?.[0] !== owner) return rec;
  const held = { ...rec.held };
  delete held[prefix];
  return { ...rec, held };
}

/**
 * A chunk as the ledger records it, or undefined when it goes: a chunk nothing was ever
 * allocated from that holds nothing more (records.ts refuses such a record).
 */
export function chunkRecordOf(b: Pick<ChunkState, 'cluster' | 'cursor' | 'held'>): ChunkRecord | undefined {
  const held: Record<string, readonly [string, string]> = {};
  for (const [o, h] of [...b.held].sort((x, y) => x[0] - y[0])) held[String(o)] = h;
  if (b.cursor === null && Object.keys(held).length === 0) return undefined;
  return { cluster: b.cluster, cursor: b.cursor, held };
}
