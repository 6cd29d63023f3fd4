import { createAddressSpace, createPool, IpamError, Pool, PoolSpec, Outcome } from '../../src/ipam';
import type { AddressSpace } from '../../src/ipam';

export function unwrap<T>(r: Outcome<T>): T {
  if (!r.ok) throw new Error(`expected success, got ${r.error.code}: ${r.error.message}`);
  return r.value;
}

export function errorOf<T>(r: Outcome<T>): IpamError {
  if (r.ok) throw new Error(`expected an error, got ${JSON.stringify(r.value, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
  return r.error;
}

export function pool(prefix: string, extra: Omit<PoolSpec, 'prefix'> = {}): Pool {
  return unwrap(createPool({ prefix, ...extra }));
}

export function spaceWith(...pools: (string | PoolSpec)[]): AddressSpace {
  const space = createAddressSpace('test-net');
  for (const p of pools) unwrap(space.addPool(typeof p === 'string' ? { prefix: p } : p));
  return space;
}

/** Allocates `n` addresses for owners `<prefix>0..n-1` and returns the addresses. */
export function allocateN(space: AddressSpace, poolIds: string[], n: number, prefix = 'o'): string[] {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(unwrap(space.allocate(`${prefix}${i}`, poolIds)).address);
  return out;
}
