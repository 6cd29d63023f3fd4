/**
 * Aligned block allocation (pool claims, carved subnets) through the public API: blocks of one
 * or mixed lengths handed out next-fit while random holders are released, so the pool stays at
 * about the occupancy it reached and keeps fragmenting. Part of `npm run bench:ipam`.
 */
import { createAddressSpace } from '../functions/lib/src/ipam';

interface BlockCase {
  readonly name: string;
  readonly pool: string;
  readonly lengths: readonly number[];
  /** Blocks held before timing starts (allocated the same way, untimed). */
  readonly held: number;
  readonly allocations: number;
}

const CASES: readonly BlockCase[] = [
  { name: 'ipv4 /8 -> /24', pool: '10.0.0.0/8', lengths: [24], held: 32_768, allocations: 50_000 },
  { name: 'ipv4 /8 -> /22../28', pool: '10.0.0.0/8', lengths: [22, 24, 26, 28], held: 20_000, allocations: 50_000 },
  { name: 'ipv6 /32 -> /64', pool: '2001:db8::/32', lengths: [64], held: 100_000, allocations: 50_000 },
];

function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function runBlockCases(only?: string): void {
  console.log(`${'block case'.padEnd(22)}${'blocks/s'.padStart(12)}${'ms'.padStart(10)}${'held'.padStart(10)}`);
  CASES.forEach((c, i) => {
    if (only && !c.name.includes(only) && only !== 'block') return;
    const rand = random(2000 + i);
    const space = createAddressSpace('bench-blocks');
    const added = space.addPool({ prefix: c.pool, gateway: null });
    if (!added.ok) throw new Error(added.error.message);
    const pools = [added.value.id];
    const holders: string[] = [];
    let next = 0;
    const take = (): void => {
      const owner = `b${next++}`;
      const r = space.allocateBlock(owner, pools, c.lengths[Math.floor(rand() * c.lengths.length)]!);
      if (!r.ok) throw new Error(`${c.name}: ${r.error.message}`);
      holders.push(owner);
    };
    for (let k = 0; k < c.held; k++) take();
    let elapsed = 0n;
    for (let done = 0; done < c.allocations; done += 1000) {
      const t0 = process.hrtime.bigint();
      for (let k = 0; k < 1000; k++) take();
      elapsed += process.hrtime.bigint() - t0;
      for (let k = 0; k < 1000; k++) {
        const j = Math.floor(rand() * holders.length);
        const owner = holders[j]!;
        holders[j] = holders[holders.length - 1]!;
        holders.pop();
        if (space.releaseBlock(owner).length !== 1) throw new Error(`${c.name}: ${owner} held no block`);
      }
    }
    const ms = Number(elapsed) / 1e6;
    console.log(`${c.name.padEnd(22)}${String(Math.round(c.allocations / (ms / 1000))).padStart(12)}${ms.toFixed(1).padStart(10)}${String(space.blocks().length).padStart(10)}`);
  });
}
