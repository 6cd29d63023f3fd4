/**
 * Allocation throughput of the in-memory address space at several occupancies, through the
 * public API only. Run with `npm run bench:ipam`.
 *
 * Occupancy is loaded with `reserve` (timed separately): a window at the start of the pool is
 * taken in address order with a random share left free, which gives the fragments a pool gets
 * when addresses are allocated one after another and some are later released. For the IPv6 /64
 * the window holds 1,000,000 addresses in every case and the percentage is the density inside
 * it. Then allocations run in batches, and after each batch as many random holders are released
 * (untimed), so occupancy stays where it was and fragments keep changing. Each case prints
 * allocations per second of wall time and per second of CPU time (all threads of the process,
 * the garbage collector's included): on a machine shared with other jobs the second is the one
 * to compare between runs.
 *
 * Owners are shaped like the claim bindings ipam-fn uses (`<cluster>/<namespace>/<claim>`,
 * e.g. `edge00042/ran/du07-edge00042-n3-ipv6`: 100 claims per cluster), unique per holding.
 * Bytes per holding: live heap plus array buffers after a full GC with the space loaded, minus
 * the same just before loading, over the holdings. The benchmark keeps no owner string of its
 * own (it names holders by number and spells the name again to release one), so everything
 * counted - owner names included - is what the allocator keeps.
 */
import { createAddressSpace, formatAddress, parseAddressWithLength } from '../functions/lib/src/ipam';
import type { AddressSpace } from '../functions/lib/src/ipam';
import { runBlockCases } from './bench-blocks';

const TARGET = 200_000;
const ALLOCATIONS_PER_CASE = 200_000;
const IPV6_HELD = Number(process.env.IPV6_HELD ?? 1_000_000);

interface Case {
  readonly name: string;
  readonly prefix: string;
  readonly occupancy: number;
}

const CASES: readonly Case[] = [
  { name: 'ipv4 /16   0%', prefix: '10.20.0.0/16', occupancy: 0 },
  { name: 'ipv4 /16  50%', prefix: '10.20.0.0/16', occupancy: 0.5 },
  { name: 'ipv4 /16  90%', prefix: '10.20.0.0/16', occupancy: 0.9 },
  { name: 'ipv4 /16  99%', prefix: '10.20.0.0/16', occupancy: 0.99 },
  { name: 'ipv6 /64   0%', prefix: '2001:db8:20::/64', occupancy: 0 },
  { name: 'ipv6 /64  50%', prefix: '2001:db8:20::/64', occupancy: 0.5 },
  { name: 'ipv6 /64  90%', prefix: '2001:db8:20::/64', occupancy: 0.9 },
  { name: 'ipv6 /64  99%', prefix: '2001:db8:20::/64', occupancy: 0.99 },
];

/** Small seeded PRNG (mulberry32), so every run measures the same layout. */
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

let peakHeap = 0;
let peakLiveHeap = 0;
function sampleMemory(): void {
  peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
}

function must<T>(r: { ok: true; value: T } | { ok: false; error: { message: string } }): T {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

interface Loaded {
  space: AddressSpace;
  /** Holders by number: window index i for loaded ones, -1 - n for the n-th allocated one. */
  holders: number[];
  reserveMs: number;
  reserveCpuMs: number;
  /** Live bytes the loaded space occupies per holding (after a full GC), if the GC is exposed. */
  bytesPerHolding: number | undefined;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** A claim binding, unique per holder number; 100 claims per cluster. */
function ownerName(holder: number): string {
  if (holder >= 0) {
    const cluster = `edge${pad(Math.floor(holder / 100), 5)}`;
    return `${cluster}/ran/du${pad(holder % 100, 2)}-${cluster}-n3-ipv6`;
  }
  const n = -1 - holder;
  const cluster = `core${pad(Math.floor(n / 100), 5)}`;
  return `${cluster}/core/upf${pad(n % 100, 2)}-${cluster}-n6-ipv6`;
}

const gc = (globalThis as { gc?: () => void }).gc;

/** Live heap plus array buffers (typed arrays keep their contents outside the heap). */
function liveBytes(): number {
  gc!();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Reserves a window of `window` addresses from the first usable one, leaving `free` of them out. */
function load(c: Case, rand: () => number): Loaded {
  const space = createAddressSpace('bench');
  const pool = must(space.addPool({ prefix: c.prefix }));
  const family = pool.family;
  const usable = Number(pool.usableSize < 1n << 40n ? pool.usableSize : 1n << 40n);
  const held = family === 'ipv4' ? Math.round(usable * c.occupancy) : c.occupancy === 0 ? 0 : IPV6_HELD;
  const window = c.occupancy === 0 ? 0 : Math.min(usable, Math.round(held / c.occupancy));
  // Which addresses of the window stay free: a random (1 - occupancy) share of them.
  const left = new Uint8Array(window);
  for (let freed = 0; freed < window - held; ) {
    const i = Math.floor(rand() * window);
    if (left[i] === 0) {
      left[i] = 1;
      freed++;
    }
  }
  // The gateway takes the first usable address; the window starts after it.
  const first = (pool.gateway ?? pool.network) + 1n;
  const before = gc && held > 0 ? liveBytes() : 0;
  const start = process.hrtime.bigint();
  const cpu = process.cpuUsage();
  for (let i = 0; i < window; i++) {
    if (left[i] === 1) continue;
    must(space.reserve(ownerName(i), formatAddress(family, first + BigInt(i)), [pool.id]));
  }
  const reserveMs = Number(process.hrtime.bigint() - start) / 1e6;
  const reserveCpu = process.cpuUsage(cpu);
  const reserveCpuMs = (reserveCpu.user + reserveCpu.system) / 1000;
  sampleMemory();
  const bytesPerHolding = gc && held > 0 ? (liveBytes() - before) / held : undefined;
  const holders: number[] = [];
  for (let i = 0; i < window; i++) if (left[i] === 0) holders.push(i);
  return { space, holders, reserveMs, reserveCpuMs, bytesPerHolding };
}

/** Holes between holdings: consecutive holdings whose addresses are not adjacent. */
function holesOf(space: AddressSpace): number {
  let holes = 0;
  let previous: bigint | undefined;
  for (const a of space.allocations()) {
    const value = must(parseAddressWithLength(a.prefix)).value;
    if (previous !== undefined && value !== previous + 1n) holes++;
    previous = value;
  }
  return holes;
}

interface CaseResult {
  allocPerSec: number;
  ms: number;
  line: string;
  loadLine?: string;
  loaded: number;
  bytesPerHolding: number | undefined;
}

function runCase(c: Case, seed: number): CaseResult {
  const rand = random(seed);
  const { space, holders, reserveMs, reserveCpuMs, bytesPerHolding } = load(c, rand);
  const poolId = space.pools()[0]!.id;
  const usable = space.pools()[0]!.usableSize;
  const free = Number(usable > 1n << 40n ? 1n << 40n : usable) - holders.length;
  const batch = Math.max(1, Math.min(1000, Math.floor(free / 2)));
  const loaded = holders.length;
  // Loading leaves garbage behind; collecting it here keeps it from being billed to allocation,
  // and shows what the loaded space itself occupies.
  gc?.();
  peakLiveHeap = Math.max(peakLiveHeap, process.memoryUsage().heapUsed);
  const holes = loaded > 0 ? holesOf(space) : 0;
  const pools = [poolId];
  let allocated = 0;
  let elapsed = 0n;
  let cpuMicros = 0;
  let next = 0;
  while (allocated < ALLOCATIONS_PER_CASE) {
    const n = Math.min(batch, ALLOCATIONS_PER_CASE - allocated);
    const owners: string[] = new Array(n);
    for (let i = 0; i < n; i++) owners[i] = ownerName(-1 - next++);
    const t0 = process.hrtime.bigint();
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) {
      const r = space.allocate(owners[i]!, pools);
      if (!r.ok) throw new Error(`${c.name}: ${r.error.message}`);
    }
    elapsed += process.hrtime.bigint() - t0;
    const c1 = process.cpuUsage(c0);
    cpuMicros += c1.user + c1.system;
    allocated += n;
    for (let i = 0; i < n; i++) holders.push(-1 - (next - n + i));
    for (let i = 0; i < n; i++) {
      const k = Math.floor(rand() * holders.length);
      const owner = ownerName(holders[k]!);
      holders[k] = holders[holders.length - 1]!;
      holders.pop();
      if (space.release(owner).length !== 1) throw new Error(`${c.name}: release of ${owner} freed nothing`);
    }
  }
  sampleMemory();
  const held = space.usage(poolId)!.held;
  if (held !== holders.length) throw new Error(`${c.name}: ${held} held, expected ${holders.length}`);
  const ms = Number(elapsed) / 1e6;
  const allocPerSec = Math.round(allocated / (ms / 1000));
  const perCpuSecond = Math.round(allocated / (cpuMicros / 1e6));
  const line = `${c.name.padEnd(16)}${String(allocPerSec).padStart(14)}${String(perCpuSecond).padStart(14)}${ms.toFixed(1).padStart(10)}${String(held).padStart(10)}${String(holes).padStart(9)}`;
  const loadLine =
    loaded > 0
      ? `load ${c.name}: ${String(loaded).padStart(7)} reserve calls, ${Math.round(loaded / (reserveMs / 1000))} reserves/s, ${reserveMs.toFixed(0)} ms, ${Math.round(loaded / (reserveCpuMs / 1000))} per CPU-s`
      : undefined;
  return { allocPerSec, ms, line, loadLine, loaded, bytesPerHolding };
}

/** Pools added per case: a network instance with many pools (e.g. one per cluster and NF). */
const POOL_CASES: readonly number[] = [1_000, 16_000];

/**
 * `addPool` of n IPv4 /24s in a seeded random order. Prints a line shaped like an allocation
 * case's (adds per second of wall time, per CPU-second, ms, pools, 0).
 */
function runPoolCase(n: number, seed: number): string {
  const rand = random(seed);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const specs = order.map((i) => ({ prefix: `10.${i >>> 8}.${i & 255}.0/24` }));
  const space = createAddressSpace('bench-pools');
  gc?.();
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  for (const spec of specs) must(space.addPool(spec));
  const c1 = process.cpuUsage(c0);
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (space.pools().length !== n) throw new Error(`addPool ${n}: ${space.pools().length} pools`);
  const perSecond = Math.round(n / (ms / 1000));
  const perCpuSecond = Math.round(n / ((c1.user + c1.system) / 1e6));
  return `${`addPool ${n}`.padEnd(16)}${String(perSecond).padStart(14)}${String(perCpuSecond).padStart(14)}${ms.toFixed(1).padStart(10)}${String(n).padStart(10)}${'0'.padStart(9)}`;
}

function main(): void {
  console.log(`${'case'.padEnd(16)}${'allocations/s'.padStart(14)}${'per CPU-s'.padStart(14)}${'ms'.padStart(10)}${'held'.padStart(10)}${'holes'.padStart(9)}`);
  const loads: string[] = [];
  let min = Infinity;
  const memory: string[] = [];
  let worstBytes = 0;
  // An optional argument picks cases by name, e.g. `ipv6` or `/16  99`.
  const only = process.argv[2];
  CASES.forEach((c, i) => {
    if (only && !c.name.includes(only)) return;
    gc?.();
    const r = runCase(c, 1000 + i);
    console.log(r.line);
    if (r.loadLine) loads.push(r.loadLine);
    if (r.bytesPerHolding !== undefined && r.loaded >= IPV6_HELD) {
      memory.push(`bytes per holding, ${c.name.trim()}: ${r.bytesPerHolding.toFixed(1)}`);
      worstBytes = Math.max(worstBytes, r.bytesPerHolding);
    }
    min = Math.min(min, r.allocPerSec);
  });
  const poolCases = POOL_CASES.filter((n) => !only || `addPool ${n}`.includes(only));
  if (poolCases.length > 0) {
    console.log(`${'pool case'.padEnd(16)}${'pools/s'.padStart(14)}${'per CPU-s'.padStart(14)}${'ms'.padStart(10)}${'pools'.padStart(10)}`);
    poolCases.forEach((n, i) => console.log(runPoolCase(n, 3000 + i)));
  }
  for (const l of loads) console.log(l);
  for (const l of memory) console.log(l);
  if (memory.length > 0) console.log(`bytes per holding at ${IPV6_HELD}: ${Math.round(worstBytes)}`);
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  console.log(
    `peak memory: rss ${mib(process.resourceUsage().maxRSS * 1024)}, heapUsed ${mib(peakHeap)} (sampled), ` +
      `heapUsed after GC with the largest space loaded ${mib(peakLiveHeap)}`,
  );
  // `npm run bench:ipam block` runs the block cases alone: no address verdict then.
  if (min !== Infinity) {
    console.log(`target: ${TARGET} allocations/s per case: ${min >= TARGET ? 'met' : 'MISSED'}`);
    console.log(`min allocations/s: ${min}`);
  }
  runBlockCases(only);
}

main();
