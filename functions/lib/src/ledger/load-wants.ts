/**
 * Loading what the ipam step asked for and the snapshot lacked (a `Want` of `LedgerSpace`): the
 * chunks and pool-prefix records it named, and fresh chunks carved for a cluster - or, once every
 * chunk of a pool is carved, the whole pool for borrowing. The edge then runs the step again.
 */
import type { Pool } from '../ipam/pool';
import { chunkCount, chunkSize } from './chunks';
import { indexOfText, LedgerKeys } from './keys';
import type { Snapshot } from './snapshot';
import type { Want } from './space';

/** Borrowing loads every chunk of a pool; beyond this many chunks missing ones are not offered. */
const MAX_VIRTUAL_CHUNKS = 4096n;

export async function loadWants(snap: Snapshot, keys: LedgerKeys, wants: readonly Want[], pools: ReadonlyMap<string, Pool[]>): Promise<void> {
  const chunkKeys = wants.filter((w): w is Extract<Want, { kind: 'chunk' }> => w.kind === 'chunk').map((w) => keys.chunk(w.ni, w.poolId, w.index));
  const prefixKeys = wants.filter((w): w is Extract<Want, { kind: 'prefixes' }> => w.kind === 'prefixes').map((w) => keys.prefixPool(w.ni, w.poolId));
  await snap.fetch([...chunkKeys, ...prefixKeys]);
  // Claims waiting for a new chunk, per pool and cluster: a large package gets the chunks it
  // needs in one round instead of one chunk per round.
  const waiting = new Map<string, number>();
  for (const w of wants) if (w.kind === 'carve') waiting.set(`${w.ni}|${w.poolId}|${w.cluster}`, (waiting.get(`${w.ni}|${w.poolId}|${w.cluster}`) ?? 0) + 1);
  const seen = new Set<string>();
  for (const w of wants) {
    if (w.kind !== 'carve') continue;
    const id = `${w.ni}|${w.poolId}|${w.cluster}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const pool = pools.get(w.ni)?.find((p) => p.id === w.poolId);
    if (!pool) continue;
    const count = chunkCount(pool);
    const size = chunkSize(pool);
    const needed = Math.ceil((waiting.get(id) ?? 1) / size);
    const nextKey = `${w.ni}|${w.poolId}`;
    let next = snap.carveNext.get(nextKey) ?? indexOfText(snap.record('carve', keys.carve(w.ni))?.[w.poolId] ?? '0');
    let carved = 0;
    // Skip chunks that exist although never carved (adopted addresses, a rebuilt ledger).
    for (let tries = 0; next < count && tries < 256 + needed && carved < needed; tries++) {
      const batch: bigint[] = [];
      for (let i = next; i < count && batch.length < needed - carved; i++) batch.push(i);
      await snap.fetch(batch.map((i) => keys.chunk(w.ni, w.poolId, i)));
      for (const index of batch) {
        next = index + 1n;
        if (snap.kv.get(keys.chunk(w.ni, w.poolId, index))) continue;
        const byPool = snap.carved.get(w.ni) ?? new Map<string, bigint[]>();
        snap.carved.set(w.ni, byPool);
        const list = byPool.get(`${w.poolId}|${w.cluster}`) ?? [];
        list.push(index);
        byPool.set(`${w.poolId}|${w.cluster}`, list);
        carved++;
      }
      tries += batch.length - 1;
    }
    snap.carveNext.set(nextKey, next);
    if (carved > 0) continue;
    if (next < count) continue; // skipped 256 existing chunks; the next round continues
    // Every chunk carved: borrow from any chunk with room, freed addresses included.
    await snap.fetchPrefix(keys.chunkPrefix(w.ni, w.poolId));
    if (count <= MAX_VIRTUAL_CHUNKS) {
      const missing: string[] = [];
      for (let i = 0n; i < count; i++) {
        const key = keys.chunk(w.ni, w.poolId, i);
        if (!snap.kv.has(key)) missing.push(key);
      }
      for (const k of missing) snap.kv.set(k, null);
    }
    const set = snap.borrow.get(w.ni) ?? new Set<string>();
    set.add(w.poolId);
    snap.borrow.set(w.ni, set);
  }
}
