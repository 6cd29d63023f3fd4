/**
 * `npm run bench:ipam:compare -- <git-ref> [--rounds N] [--cases a,b,...]`: the allocator of
 * this tree against the allocator of <git-ref>, side by side, with the same benchmark.
 *
 * The library source of <git-ref> (functions/lib/src) is extracted into .bench/baseline-<sha>/,
 * today's scripts/bench-ipam.ts and bench-blocks.ts are copied beside it and bundled there, so
 * both builds run the same cases, owners and seeds through the public API and only the
 * allocator differs. Each case runs in a fresh process per build, the two builds alternating
 * (before, after; then after, before; ...) so both see the same machine load. It prints, per
 * case, the operations (allocations; pools added for the addPool cases) per CPU-second of each
 * run and the ratio of CPU per operation, after over before, of each adjacent pair, then the
 * median: below 1 means faster than the baseline. Loading a case's occupancy through `reserve`
 * is compared the same way. Bytes per holding are printed by the IPv6 cases with 1M holdings.
 * On a shared machine compare only numbers from one run of this script.
 *
 * IPV6_HELD (as for bench:ipam) is passed on.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ALL_CASES = [
  'ipv4 /16   0%',
  'ipv4 /16  50%',
  'ipv4 /16  90%',
  'ipv4 /16  99%',
  'ipv6 /64   0%',
  'ipv6 /64  50%',
  'ipv6 /64  90%',
  'ipv6 /64  99%',
  'addPool 1000',
  'addPool 16000',
];

function usage(message) {
  console.error(`${message}\nusage: npm run bench:ipam:compare -- <git-ref> [--rounds N] [--cases 'ipv4 /16   0%,ipv6 /64   0%']`);
  process.exit(2);
}

function parseArgs(argv) {
  const out = { ref: undefined, rounds: 3, cases: ALL_CASES };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rounds') out.rounds = Number(argv[++i]);
    else if (a === '--cases') out.cases = argv[++i].split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--baseline') out.ref = argv[++i];
    else if (!a.startsWith('--') && out.ref === undefined) out.ref = a;
    else usage(`unknown argument ${a}`);
  }
  if (out.ref === undefined) usage('no baseline git ref given');
  if (!Number.isInteger(out.rounds) || out.rounds < 1) usage('--rounds takes a positive integer');
  // A case is picked by substring in the benchmark; insist on full names so each run is one case.
  for (const c of out.cases) {
    const full = ALL_CASES.filter((n) => n.includes(c));
    if (full.length !== 1) usage(`case "${c}" must name exactly one of: ${ALL_CASES.join(' | ')}`);
  }
  out.cases = out.cases.map((c) => ALL_CASES.find((n) => n.includes(c)));
  return out;
}

function bundle(entry, outfile) {
  buildSync({ entryPoints: [entry], bundle: true, platform: 'node', target: 'node20', outfile, logLevel: 'warning' });
}

/** Builds the benchmark against <ref>'s library; returns the bundle's path. */
function buildBaseline(ref) {
  const sha = execFileSync('git', ['rev-parse', '--short=12', `${ref}^{commit}`], { cwd: root, encoding: 'utf8' }).trim();
  const dir = join(root, '.bench', `baseline-${sha}`);
  if (!existsSync(join(dir, 'functions', 'lib', 'src'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const tar = execFileSync('git', ['archive', '--format=tar', sha, 'functions/lib/src'], { cwd: root, maxBuffer: 1 << 30 });
    execFileSync('tar', ['-x', '-C', dir], { input: tar });
  }
  mkdirSync(join(dir, 'scripts'), { recursive: true });
  for (const f of ['bench-ipam.ts', 'bench-blocks.ts']) copyFileSync(join(root, 'scripts', f), join(dir, 'scripts', f));
  const out = join(dir, 'bench-ipam.js');
  bundle(join(dir, 'scripts', 'bench-ipam.ts'), out);
  return { sha, bundle: out };
}

/** Runs one case of one build; returns its per-CPU-second rate and what else it printed. */
function runCase(bundlePath, name) {
  const r = spawnSync(process.execPath, ['--expose-gc', bundlePath, name], { encoding: 'utf8', env: process.env, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${bundlePath} ${name} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  const line = r.stdout.split('\n').find((l) => l.startsWith(name));
  if (line === undefined) throw new Error(`${bundlePath} printed no line for ${name}:\n${r.stdout}`);
  const cols = line.slice(name.length).trim().split(/\s+/).map(Number);
  const bytes = /bytes per holding at \d+: (\d+)/.exec(r.stdout);
  const load = /ms, (\d+) per CPU-s/.exec(r.stdout);
  return { perSecond: cols[0], perCpuSecond: cols[1], held: cols[3], holes: cols[4], bytes: bytes ? Number(bytes[1]) : undefined, load: load ? Number(load[1]) : undefined };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  const after = join(root, '.bench', 'bench-ipam.js');
  bundle(join(root, 'scripts', 'bench-ipam.ts'), after);
  const base = buildBaseline(args.ref);
  console.log(`baseline ${args.ref} (${base.sha}) against this tree, ${args.rounds} alternations per case`);
  const results = [];
  for (const name of args.cases) {
    const pairs = [];
    for (let round = 0; round < args.rounds; round++) {
      // Alternate which build goes first, so a trend in the machine's load favours neither.
      const order = round % 2 === 0 ? ['before', 'after'] : ['after', 'before'];
      const pair = {};
      for (const which of order) pair[which] = runCase(which === 'before' ? base.bundle : after, name);
      if (pair.before.held !== pair.after.held || pair.before.holes !== pair.after.holes) {
        throw new Error(`${name}: the builds ended in different states (held ${pair.before.held}/${pair.after.held}, holes ${pair.before.holes}/${pair.after.holes})`);
      }
      pair.ratio = pair.before.perCpuSecond / pair.after.perCpuSecond;
      pair.loadRatio = pair.before.load === undefined ? undefined : pair.before.load / pair.after.load;
      pairs.push(pair);
      const load = pair.loadRatio === undefined ? '' : `; loading: ${pair.before.load} and ${pair.after.load} reserves per CPU-s, ratio ${pair.loadRatio.toFixed(2)}`;
      console.log(`  ${name} round ${round + 1}: per CPU-s before ${pair.before.perCpuSecond}, after ${pair.after.perCpuSecond}, CPU per operation after/before ${pair.ratio.toFixed(2)}${load}`);
    }
    const r = {
      name,
      before: median(pairs.map((p) => p.before.perCpuSecond)),
      after: median(pairs.map((p) => p.after.perCpuSecond)),
      ratio: median(pairs.map((p) => p.ratio)),
      ratios: pairs.map((p) => p.ratio),
      loadRatio: pairs[0].loadRatio === undefined ? undefined : median(pairs.map((p) => p.loadRatio)),
      bytesBefore: pairs[0].before.bytes,
      bytesAfter: median(pairs.map((p) => p.after.bytes ?? 0)),
    };
    results.push(r);
    console.log(`${name}: CPU per operation after/before ${r.ratio.toFixed(2)} (pairs ${r.ratios.map((x) => x.toFixed(2)).join(', ')})`);
  }
  console.log('');
  console.log('Per CPU-second: allocations (addPool: pools added); ratio: CPU per operation after / before, median of the pairs.');
  console.log('| case | before | after | after / before | pairs | loading (reserve), after / before | bytes per holding, before / after |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of results) {
    const bytes = r.bytesBefore === undefined ? '' : `${r.bytesBefore} / ${r.bytesAfter}`;
    const load = r.loadRatio === undefined ? '' : r.loadRatio.toFixed(2);
    console.log(`| ${r.name.replace(/\s+/g, ' ')} | ${Math.round(r.before)} | ${Math.round(r.after)} | ${r.ratio.toFixed(2)} | ${r.ratios.map((x) => x.toFixed(2)).join(', ')} | ${load} | ${bytes} |`);
  }
  const worst = results.reduce((w, r) => (r.ratio > w.ratio ? r : w));
  console.log(`worst CPU per operation after/before: ${worst.ratio.toFixed(2)} (${worst.name.trim()}; ${worst.ratio <= 1 ? 'no slower' : 'SLOWER'} than ${args.ref})`);
}

main();
