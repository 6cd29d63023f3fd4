/**
 * Chunk geometry. The shared ledger cuts each network or loopback pool into chunks: aligned runs
 * of at most 64 addresses (Calico's IPAM blocks), each with one affine cluster, so concurrent
 * renders of different clusters write different keys. ("Block" is the allocator's word for an
 * aligned prefix a `kind: pool` claim holds; the etcd keys of chunks keep their `block/` segment
 * so ledgers written before stay readable.)
 *
 * Chunk `index` of a pool starts at `network + index * 2^chunkBits`; an address is named in its
 * chunk by its offset from that start. Every place that turns an address into (chunk, offset)
 * or back goes through here.
 */
import type { Pool } from '../ipam/pool';
import { FAMILY_BITS } from '../ipam/address';

/** Where an address lies in the ledger: its chunk and its offset in it. */
export interface ChunkPlace {
  readonly index: bigint;
  readonly offset: number;
}

/** log2 of a pool's chunk size: at most 64 addresses, and at least four chunks per pool. */
export function chunkBits(pool: Pool): number {
  const hostBits = FAMILY_BITS[pool.family] - pool.prefixLength;
  return Math.min(6, Math.max(0, hostBits - 2));
}

/** Addresses per chunk of the pool. */
export function chunkSize(pool: Pool): number {
  return 1 << chunkBits(pool);
}

export function chunkCount(pool: Pool): bigint {
  const hostBits = FAMILY_BITS[pool.family] - pool.prefixLength;
  return 1n << BigInt(hostBits - chunkBits(pool));
}

export function chunkIndexOf(pool: Pool, value: bigint): bigint {
  return (value - pool.network) >> BigInt(chunkBits(pool));
}

/** The first address of chunk `index`. */
export function chunkStart(pool: Pool, index: bigint): bigint {
  return pool.network + (index << BigInt(chunkBits(pool)));
}

/** The chunk and offset of an address of the pool. */
export function chunkPlaceOf(pool: Pool, value: bigint): ChunkPlace {
  const index = chunkIndexOf(pool, value);
  return { index, offset: Number(value - chunkStart(pool, index)) };
}

/** The address at `offset` in chunk `index`. */
export function chunkAddress(pool: Pool, index: bigint, offset: number): bigint {
  return chunkStart(pool, index) + BigInt(offset);
}
