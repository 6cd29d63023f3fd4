// `npm run bench:pipeline`: what the four functions cost inside a real `kpt fn render --allow-exec`.
// For N Interfaces it generates an unrendered package tree (cluster packages with a WorkloadCluster,
// one package per NF holding its Deployment and Interfaces, shared and dual-stack networks) and times
// renders of fresh copies of it, alternating:
//   pipeline  the four functions;
//   floor     four pass-through node scripts: kpt's own work plus four node start-ups;
//   replay    four scripts that print what the real functions printed for this tree (recorded
//             once through `tee`): kpt's work for the pipeline's growing item count, with functions
//             that cost nothing. pipeline - replay is what the functions themselves add.
// Each function is also timed alone (node on the recorded input, no kpt).
//
// Env: BENCH_SIZES=100,1000,10000  BENCH_REPS=5  BENCH_REPS_LARGE=2 (runs for N >= 10000)
//      BENCH_KEEP=1 keeps the temp dir: trees and recorded inputs (<fn>.in.yaml, for node --cpu-prof);
//      with BENCH_REPS=0 (or BENCH_REPS_LARGE=0) a size is only generated and recorded.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { generate, kptfile } from './bench-tree.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const FUNCTIONS = ['interface-fn', 'ipam-fn', 'nad-fn', 'deployment-annotate-fn'];
const SIZES = (process.env.BENCH_SIZES ?? '100,1000,10000').split(',').map(Number);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const REPS_LARGE = Number(process.env.BENCH_REPS_LARGE ?? 2);
const KEEP = process.env.BENCH_KEEP === '1';

const version = spawnSync('kpt', ['version'], { encoding: 'utf8' });
if (version.error || version.status !== 0) {
  process.stderr.write('bench:pipeline: kpt is not on PATH (`kpt version` failed); install kpt 1.0.0-beta.x (Debian package google-cloud-cli-kpt)\n');
  process.exit(1);
}
for (const fn of FUNCTIONS) {
  if (!existsSync(join(ROOT, 'functions', fn, 'dist', `${fn}.js`))) {
    process.stderr.write(`bench:pipeline: functions/${fn}/dist/${fn}.js is missing: run \`npm run build\`\n`);
    process.exit(1);
  }
}

const work = mkdtempSync(join(tmpdir(), 'netpipe-bench-'));
const cleanup = () => {
  if (!KEEP) rmSync(work, { recursive: true, force: true });
};
process.on('exit', cleanup);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(130));

// The bundles are copied, so a rebuild while the benchmark runs does not change what is timed.
const bin = join(work, 'bin');
const floorBin = join(work, 'floor');
mkdirSync(floorBin, { recursive: true });
for (const fn of FUNCTIONS) {
  mkdirSync(join(bin, fn), { recursive: true });
  cpSync(join(ROOT, 'functions', fn, 'dist', `${fn}.js`), join(bin, fn, `${fn}.js`));
  chmodSync(join(bin, fn, `${fn}.js`), 0o755);
  const pass = join(floorBin, `${fn}.js`);
  writeFileSync(pass, '#!/usr/bin/env node\nprocess.stdin.pipe(process.stdout);\n');
  chmodSync(pass, 0o755);
}

// The repository's pipeline (its functionConfigs included) with the exec paths swapped.
const repoMutators = (yaml.load(readFileSync(join(ROOT, 'Kptfile'), 'utf8')).pipeline?.mutators ?? []).filter((m) => m.exec);

function pipelineKptfile(execOf) {
  return kptfile(
    'bench',
    repoMutators.map((m) => ({ ...m, exec: execOf(m.exec.split('/').pop().replace(/\.js$/, '')) })),
  );
}

const script = (path, text) => {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
};

/**
 * Renders a fresh copy of `unrendered` with the given exec for each function. Every run uses the
 * same path, so the package paths kpt records (absolute) match what the replay prints.
 */
function render(unrendered, n, execOf, check) {
  const copy = join(work, `run-${n}`);
  rmSync(copy, { recursive: true, force: true });
  cpSync(unrendered, copy, { recursive: true });
  writeFileSync(join(copy, 'Kptfile'), pipelineKptfile(execOf));
  const t0 = process.hrtime.bigint();
  const r = spawnSync('kpt', ['fn', 'render', '--allow-exec', '.'], { cwd: copy, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error || r.status !== 0) {
    process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
    throw new Error(`kpt fn render failed: ${r.error?.message ?? `exit ${r.status}`}`);
  }
  const perFn = {};
  for (const m of `${r.stdout}${r.stderr}`.matchAll(/\[PASS\] "([^"]+)" in ([\d.]+)(ms|s)/g)) {
    perFn[m[1].split('/').pop().replace(/\.js$/, '')] = Number(m[2]) * (m[3] === 's' ? 1000 : 1);
  }
  check?.(copy);
  rmSync(copy, { recursive: true, force: true });
  return { ms, perFn };
}

/** Records each function's input and output through `tee`, and writes the replay scripts. */
function record(tree, n, expectedClaims) {
  const dir = join(work, `recorded-${n}`);
  mkdirSync(dir, { recursive: true });
  for (const fn of FUNCTIONS) {
    const q = (f) => `'${join(dir, f)}'`;
    script(join(dir, `${fn}.tee.sh`), `#!/bin/bash\nset -o pipefail\ntee ${q(`${fn}.in.yaml`)} | '${join(bin, fn, `${fn}.js`)}' | tee ${q(`${fn}.out.yaml`)}\n`);
    script(join(dir, `${fn}.replay.sh`), `#!/bin/sh\ncat > /dev/null\nexec cat ${q(`${fn}.out.yaml`)}\n`);
  }
  render(tree, n, (fn) => join(dir, `${fn}.tee.sh`), (copy) => {
    const claims = countFiles(copy, /^ipclaim-.*\.yaml$/);
    if (claims !== expectedClaims) throw new Error(`N=${n}: expected ${expectedClaims} IPClaims, the render made ${claims}`);
  });
  return dir;
}

/** A function alone: node on the input kpt gave it, output to a pipe; wall ms. */
function alone(fn, input) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(join(bin, fn, `${fn}.js`), [], { input, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${fn} alone failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function countFiles(dir, re) {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) n += countFiles(join(dir, e.name), re);
    else if (re.test(e.name)) n++;
  }
  return n;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const secs = (ms) => `${(ms / 1000).toFixed(2)} s`;

const rows = [];
for (const n of SIZES) {
  const tree = join(work, `tree-${n}`);
  const shape = generate(tree, n);
  const expectedClaims = Math.floor(n / 4) * 5 + [0, 1, 2, 3][n % 4];
  const reps = n >= 10000 ? REPS_LARGE : REPS;
  process.stderr.write(`N=${n}: ${shape.nfs} NF packages in ${shape.clusters} clusters; recording, then ${reps} runs of each `);
  const recorded = record(tree, n, expectedClaims);
  if (reps === 0) {
    process.stderr.write(`\nrecorded only: ${recorded}\n`);
    continue;
  }
  const times = { pipeline: [], floor: [], replay: [] };
  const perFn = {};
  const aloneMs = {};
  for (let i = 0; i < reps; i++) {
    // Alternating spreads any drift of the machine over all three.
    const p = render(tree, n, (fn) => join(bin, fn, `${fn}.js`));
    times.pipeline.push(p.ms);
    for (const [k, v] of Object.entries(p.perFn)) (perFn[k] ??= []).push(v);
    times.floor.push(render(tree, n, (fn) => join(floorBin, `${fn}.js`)).ms);
    times.replay.push(render(tree, n, (fn) => join(recorded, `${fn}.replay.sh`)).ms);
    for (const fn of FUNCTIONS) (aloneMs[fn] ??= []).push(alone(fn, readFileSync(join(recorded, `${fn}.in.yaml`))));
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  if (!KEEP) for (const f of readdirSync(recorded)) if (f.endsWith('.yaml')) rmSync(join(recorded, f));
  rows.push({
    n,
    shape,
    claims: expectedClaims,
    reps,
    pipeline: median(times.pipeline),
    floor: median(times.floor),
    replay: median(times.replay),
    perFn: Object.fromEntries(Object.entries(perFn).map(([k, v]) => [k, median(v)])),
    alone: Object.fromEntries(Object.entries(aloneMs).map(([k, v]) => [k, median(v)])),
  });
}

if (rows.length === 0) process.exit(0);
const print = (table) => {
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const row of table) process.stdout.write(`${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}\n`);
};
process.stdout.write('\nkpt fn render --allow-exec of a fresh copy of the unrendered tree, median wall time\n');
print([
  ['interfaces', 'IPClaims', 'packages', 'runs', 'pipeline', 'floor', 'ratio', 'replay', 'pipeline-replay'],
  ...rows.map((r) => [
    String(r.n),
    String(r.claims),
    String(r.shape.nfs + r.shape.clusters + 2),
    String(r.reps),
    secs(r.pipeline),
    secs(r.floor),
    (r.pipeline / r.floor).toFixed(2),
    secs(r.replay),
    secs(r.pipeline - r.replay),
  ]),
]);
process.stdout.write('\nper function, median: as kpt reports it [PASS ... in] / alone (node on the recorded input, no kpt)\n');
print([
  ['interfaces', ...FUNCTIONS, 'sum'],
  ...rows.map((r) => [
    String(r.n),
    ...FUNCTIONS.map((f) => `${secs(r.perFn[f] ?? 0)} / ${secs(r.alone[f])}`),
    `${secs(FUNCTIONS.reduce((a, f) => a + (r.perFn[f] ?? 0), 0))} / ${secs(FUNCTIONS.reduce((a, f) => a + r.alone[f], 0))}`,
  ]),
]);
process.stdout.write('\n');
const at1000 = rows.find((r) => r.n === 1000);
const at10000 = rows.find((r) => r.n === 10000);
if (at1000) {
  const ratio = at1000.pipeline / at1000.floor;
  process.stdout.write(`ratio at 1000 interfaces: ${ratio.toFixed(2)}\n`);
  process.stdout.write(`target ratio <= 1.5 at 1000: ${ratio <= 1.5 ? 'met' : 'MISSED'}\n`);
}
if (at10000) process.stdout.write(`target 10000 interfaces under 20 s: ${at10000.pipeline < 20000 ? 'met' : 'MISSED'} (${secs(at10000.pipeline)})\n`);
if (KEEP) process.stdout.write(`kept ${work}\n`);
