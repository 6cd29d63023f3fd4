// `npm run bench:images`: what running a function as a container image costs beside running its
// bundle as an `exec:` entry. Builds the images (scripts/images.mjs), then times `kpt fn eval` of
// the example packages (the rendered tree in packages/, under the repository's root Kptfile) with
// `--image` and with `--exec`, alternating, and prints the medians and the image sizes. It checks
// that both ways print the same output before timing anything.
//
// Env: BENCH_RUNS (default 5) runs per function and mode; CONTAINER_ENGINE as for images.mjs.
// (The image test suite checks that the two ways agree; timing lives here, not in a test.)
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Math.max(1, Number(process.env.BENCH_RUNS ?? 5));

function run(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms };
}

const built = run(process.execPath, [join(ROOT, 'scripts', 'images.mjs'), '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
if (built.status !== 0) {
  process.stderr.write('bench:images: scripts/images.mjs failed\n');
  process.exit(1);
}
const summary = JSON.parse(built.stdout);
const env = { ...process.env, KPT_FN_RUNTIME: summary.engine };

const work = mkdtempSync(join(tmpdir(), 'netpipe-bench-images-'));
process.on('exit', () => rmSync(work, { recursive: true, force: true }));
const pkg = join(work, 'tree');
cpSync(join(ROOT, 'packages'), join(pkg, 'packages'), { recursive: true });
cpSync(join(ROOT, 'Kptfile'), join(pkg, 'Kptfile'));

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
function table(header, rows) {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells) => cells.map((c, i) => (i ? c.padStart(w[i]) : c.padEnd(w[i]))).join('  ');
  return [line(header), line(w.map((n) => '-'.repeat(n))), ...rows.map(line)].join('\n');
}

const rows = [];
for (const i of summary.images) {
  const evalArgs = ['fn', 'eval', pkg, '-o', 'stdout'];
  const viaImage = [];
  const viaExec = [];
  for (let n = 0; n < RUNS; n++) {
    viaImage.push(run('kpt', [...evalArgs, '--image', i.image, '--image-pull-policy', 'never'], { env, cwd: work }));
    viaExec.push(run('kpt', [...evalArgs, '--exec', i.bundle], { cwd: work }));
  }
  const a = viaImage[0];
  const b = viaExec[0];
  if (a.status !== b.status || a.stdout !== b.stdout) {
    process.stderr.write(`bench:images: ${i.name} printed different output as an image (exit ${a.status}) and as exec (exit ${b.status})\n`);
    process.exit(1);
  }
  const img = median(viaImage.map((r) => r.ms));
  const ex = median(viaExec.map((r) => r.ms));
  const ms = (x) => `${x.toFixed(0)} ms`;
  rows.push([i.name, ms(img), ms(ex), ms(img - ex), `${(img / ex).toFixed(2)}x`]);
  process.stderr.write('.');
}
const sizes = summary.images.map((i) => [i.name, `${(i.size / 1e6).toFixed(1)} MB`, `${((i.size - i.baseSize) / 1e3).toFixed(1)} kB`]);
process.stdout.write(
  `\nkpt fn eval of the example packages, median of ${RUNS} runs, alternating:\n` +
    `${table(['function', summary.engine, 'exec', 'overhead', 'ratio'], rows)}\n\n` +
    `${table(['image', 'size', 'on top of base'], sizes)}\n`,
);
