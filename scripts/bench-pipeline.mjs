// `npm run bench:pipeline`: what the pipeline costs inside a real `kpt fn render --allow-exec`, in its
// four-step form and as netpipe-fn (one step). For N Interfaces it generates an unrendered package
// tree (scripts/bench-tree.mjs) and times renders of fresh copies of it, alternating:
//   four-step   the four functions;
//   one-step    netpipe-fn with the four configMaps merged;
//   floor       four pass-through node scripts on the unrendered tree (kpt's work for the
//               unrendered items plus four node start-ups: a floor no four-pass pipeline can meet);
//   fair floor  four scripts that print what the real functions printed for this tree (recorded
//               once through `tee`): kpt's work for the pipeline's growing item count, with
//               functions that cost nothing;
//   one-step replay  one script printing netpipe-fn's recorded output: the same for one pass.
// Each function is also timed alone (node on its recorded input, no kpt), beside `node -e 0`.
// The one-step render's files are compared with the four-step render's at every size: the
// benchmark stops if they differ.
//
// Env: BENCH_SIZES=100,1000,10000  BENCH_REPS=5  BENCH_REPS_LARGE=2 (runs for N >= 10000)
//      BENCH_KEEP=1 keeps the temp dir: trees and recorded inputs (<fn>.in.yaml, for node --cpu-prof);
//      with BENCH_REPS=0 (or BENCH_REPS_LARGE=0) a size is only generated and recorded.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { expectedClaims, generate, kptfile } from './bench-tree.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const FUNCTIONS = ['interface-fn', 'ipam-fn', 'nad-fn', 'deployment-annotate-fn'];
const ONE = 'netpipe-fn';
const SIZES = (process.env.BENCH_SIZES ?? '100,1000,10000').split(',').map(Number);
const REPS = Number(process.env.BENCH_REPS ?? 5);
const REPS_LARGE = Number(process.env.BENCH_REPS_LARGE ?? 2);
const KEEP = process.env.BENCH_KEEP === '1';

const version = spawnSync('kpt', ['version'], { encoding: 'utf8' });
if (version.error || version.status !== 0) {
  process.stderr.write('bench:pipeline: kpt is not on PATH (`kpt version` failed); install kpt 1.0.0-beta.x (Debian package google-cloud-cli-kpt)\n');
  process.exit(1);
}
for (const fn of [...FUNCTIONS, ONE]) {
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
for (const fn of [...FUNCTIONS, ONE]) {
  mkdirSync(join(bin, fn), { recursive: true });
  cpSync(join(ROOT, 'functions', fn, 'dist', `${fn}.js`), join(bin, fn, `${fn}.js`));
  chmodSync(join(bin, fn, `${fn}.js`), 0o755);
}
for (const fn of FUNCTIONS) {
  const pass = join(floorBin, `${fn}.js`);
  writeFileSync(pass, '#!/usr/bin/env node\nprocess.stdin.pipe(process.stdout);\n');
  chmodSync(pass, 0o755);
}

// The repository's pipeline (its functionConfigs included) with the exec paths swapped.
const repoMutators = (yaml.load(readFileSync(join(ROOT, 'Kptfile'), 'utf8')).pipeline?.mutators ?? []).filter((m) => m.exec);
const mergedConfig = Object.assign({}, ...repoMutators.map((m) => m.configMap ?? {}));

function fourStepKptfile(execOf) {
  return kptfile(
    'bench',
    repoMutators.map((m) => ({ ...m, exec: execOf(m.exec.split('/').pop().replace(/\.js$/, '')) })),
  );
}

function oneStepKptfile(exec) {
  return kptfile('bench', [{ exec, ...(Object.keys(mergedConfig).length ? { configMap: mergedConfig } : {}) }]);
}

const script = (path, text) => {
  writeFileSync(path, text);
  chmodSync(path, 0o755);
};

/**
 * Renders a fresh copy of `unrendered` with the given root Kptfile. Every run uses the same path,
 * so the package paths kpt records (absolute) match what the replays print.
 */
function render(unrendered, n, kptfileText, check) {
  const copy = join(work, `run-${n}`);
  rmSync(copy, { recursive: true, force: true });
  cpSync(unrendered, copy, { recursive: true });
  writeFileSync(join(copy, 'Kptfile'), kptfileText);
  const t0 = process.hrtime.bigint();
  const r = spawnSync('kpt', ['fn', 'render', '--allow-exec', '.'], { cwd: copy, encoding: 'utf8', maxBuffer: 1 << 30 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error || r.status !== 0) {
    process.stderr.write(`${r.stdout ?? ''}${r.stderr ?? ''}`);
    throw new Error(`kpt fn render failed: ${r.error?.message ?? `exit ${r.status}`}`);
  }
  check?.(copy);
  rmSync(copy, { recursive: true, force: true });
  return ms;
}

/** Every file under `dir` (relative path -> bytes), the root Kptfile left out (its pipeline differs). */
function treeOf(dir) {
  const out = new Map();
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (relative(dir, p) !== 'Kptfile') out.set(relative(dir, p), readFileSync(p));
    }
  };
  walk(dir);
  return out;
}

/**
 * Records each function's input and output through `tee` (four-step and one-step), writes the
 * replay scripts, and checks that both forms render the same files.
 */
function record(tree, n) {
  const dir = join(work, `recorded-${n}`);
  mkdirSync(dir, { recursive: true });
  const q = (f) => `'${join(dir, f)}'`;
  for (const fn of [...FUNCTIONS, ONE]) {
    script(join(dir, `${fn}.tee.sh`), `#!/bin/bash\nset -o pipefail\ntee ${q(`${fn}.in.yaml`)} | '${join(bin, fn, `${fn}.js`)}' | tee ${q(`${fn}.out.yaml`)}\n`);
    script(join(dir, `${fn}.replay.sh`), `#!/bin/sh\ncat > /dev/null\nexec cat ${q(`${fn}.out.yaml`)}\n`);
  }
  let four;
  render(tree, n, fourStepKptfile((fn) => join(dir, `${fn}.tee.sh`)), (copy) => {
    const claims = countFiles(copy, /^ipclaim-.*\.yaml$/);
    if (claims !== expectedClaims(n)) throw new Error(`N=${n}: expected ${expectedClaims(n)} IPClaims, the render made ${claims}`);
    four = treeOf(copy);
  });
  render(tree, n, oneStepKptfile(join(dir, `${ONE}.tee.sh`)), (copy) => {
    const one = treeOf(copy);
    const differ = [...new Set([...four.keys(), ...one.keys()])].filter((f) => !four.get(f)?.equals(one.get(f) ?? Buffer.alloc(0)));
    if (differ.length > 0) throw new Error(`N=${n}: netpipe-fn and the four functions rendered different files: ${differ.slice(0, 5).join(', ')}`);
  });
  return dir;
}

/** A program alone: node on the input kpt gave it, output to a pipe; wall ms. */
function alone(file, input) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [file], { input, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`${file} alone failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function nodeStart() {
  const t0 = process.hrtime.bigint();
  spawnSync(process.execPath, ['-e', '0']);
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

const VARIANTS = ['four-step', 'one-step', 'floor', 'fair floor', 'one-step replay'];
const rows = [];
for (const n of SIZES) {
  const tree = join(work, `tree-${n}`);
  const shape = generate(tree, n);
  const reps = n >= 10000 ? REPS_LARGE : REPS;
  process.stderr.write(`N=${n}: ${shape.nfs} NF packages in ${shape.clusters} clusters; recording (four-step and one-step render the same files), then ${reps} runs of each `);
  const recorded = record(tree, n);
  if (reps === 0) {
    process.stderr.write(`\nrecorded only: ${recorded}\n`);
    continue;
  }
  const kptfiles = {
    'four-step': fourStepKptfile((fn) => join(bin, fn, `${fn}.js`)),
    'one-step': oneStepKptfile(join(bin, ONE, `${ONE}.js`)),
    floor: fourStepKptfile((fn) => join(floorBin, `${fn}.js`)),
    'fair floor': fourStepKptfile((fn) => join(recorded, `${fn}.replay.sh`)),
    'one-step replay': oneStepKptfile(join(recorded, `${ONE}.replay.sh`)),
  };
  const times = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  const aloneMs = {};
  const inputs = Object.fromEntries([...FUNCTIONS, ONE].map((fn) => [fn, readFileSync(join(recorded, `${fn}.in.yaml`))]));
  for (let i = 0; i < reps; i++) {
    // Alternating spreads any drift of the machine over all of them.
    for (const v of VARIANTS) times[v].push(render(tree, n, kptfiles[v]));
    (aloneMs.node ??= []).push(nodeStart());
    for (const fn of [...FUNCTIONS, ONE]) (aloneMs[fn] ??= []).push(alone(join(bin, fn, `${fn}.js`), inputs[fn]));
    process.stderr.write('.');
  }
  process.stderr.write('\n');
  if (!KEEP) for (const f of readdirSync(recorded)) if (f.endsWith('.yaml')) rmSync(join(recorded, f));
  rows.push({
    n,
    shape,
    claims: expectedClaims(n),
    reps,
    ...Object.fromEntries(VARIANTS.map((v) => [v, median(times[v])])),
    alone: Object.fromEntries(Object.entries(aloneMs).map(([k, v]) => [k, median(v)])),
  });
}

if (rows.length === 0) process.exit(0);
const print = (table) => {
  const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
  for (const row of table) process.stdout.write(`${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')}\n`);
};
const ratio = (a, b) => (a / b).toFixed(2);
process.stdout.write('\nkpt fn render --allow-exec of a fresh copy of the unrendered tree, median wall time\n');
print([
  ['interfaces', 'IPClaims', 'packages', 'runs', ...VARIANTS, 'four-step/fair', 'one/four', 'one/one-replay', 'four-step/floor'],
  ...rows.map((r) => [
    String(r.n),
    String(r.claims),
    String(r.shape.nfs + r.shape.clusters + 2),
    String(r.reps),
    ...VARIANTS.map((v) => secs(r[v])),
    ratio(r['four-step'], r['fair floor']),
    ratio(r['one-step'], r['four-step']),
    ratio(r['one-step'], r['one-step replay']),
    ratio(r['four-step'], r.floor),
  ]),
]);
process.stdout.write('\neach function alone (node on its recorded input, no kpt), median wall time, and minus `node -e 0` of the same run\n');
print([
  ['interfaces', 'node -e 0', ...FUNCTIONS, ONE],
  ...rows.map((r) => [String(r.n), secs(r.alone.node), ...[...FUNCTIONS, ONE].map((f) => `${secs(r.alone[f])} / ${secs(r.alone[f] - r.alone.node)}`)]),
]);
process.stdout.write('\n');
for (const r of rows) process.stdout.write(`pipeline vs fair floor at ${r.n} interfaces: ${ratio(r['four-step'], r['fair floor'])}\n`);
for (const r of rows) process.stdout.write(`one-step vs four-step at ${r.n} interfaces: ${ratio(r['one-step'], r['four-step'])}\n`);
for (const r of rows) process.stdout.write(`one-step vs its replay floor at ${r.n} interfaces: ${ratio(r['one-step'], r['one-step replay'])}\n`);
const at1000 = rows.find((r) => r.n === 1000);
if (at1000) {
  const verdict = (x, limit) => `${x.toFixed(2)} (target <= ${limit}: ${x <= limit ? 'met' : 'MISSED'})`;
  process.stdout.write(`targets at 1000: four-step vs fair floor ${verdict(at1000['four-step'] / at1000['fair floor'], 1.1)}; ` +
    `one-step vs four-step ${verdict(at1000['one-step'] / at1000['four-step'], 0.4)}; ` +
    `one-step vs its replay floor ${verdict(at1000['one-step'] / at1000['one-step replay'], 1.15)}\n`);
}
if (KEEP) process.stdout.write(`kept ${work}\n`);
