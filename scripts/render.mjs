// Renders the repository's packages in place with the real kpt (`kpt fn render --allow-exec`), then
// prints what the pipeline bound with `netpipe show`: every pool with its usage and every address
// with its cluster, workload and interface. Usage: node scripts/render.mjs [root]   (default: the repository root)
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..'));

function die(message, code = 1) {
  process.stderr.write(`render: ${message}\n`);
  process.exit(code);
}

// ---- kpt ------------------------------------------------------------------------------------

const version = spawnSync('kpt', ['version'], { encoding: 'utf8' });
if (version.error || version.status !== 0) {
  const why = version.error?.code === 'ENOENT' ? 'kpt is not on PATH' : `\`kpt version\` failed: ${(version.stderr || version.error?.message || '').trim()}`;
  die(`${why}. Install kpt 1.0.0-beta.x (on Debian: package google-cloud-cli-kpt) and run again; nothing was rendered.`);
}
if (!existsSync(join(root, 'Kptfile'))) die(`${root} has no Kptfile: nothing to render`);

const rootKptfile = yaml.load(readFileSync(join(root, 'Kptfile'), 'utf8')) ?? {};
const execs = [...(rootKptfile.pipeline?.mutators ?? []), ...(rootKptfile.pipeline?.validators ?? [])]
  .map((f) => f.exec)
  .filter((p) => typeof p === 'string');
const missing = execs.filter((p) => !existsSync(resolve(root, p)));
if (missing.length > 0) die(`function bundle(s) missing: ${missing.join(', ')}. Run \`npm run build\` (\`npm run render\` does it first).`);

// kpt resolves `exec:` paths against its working directory, so it must run from the root.
const started = process.hrtime.bigint();
const kpt = spawnSync('kpt', ['fn', 'render', '--allow-exec', '.'], { cwd: root, encoding: 'utf8', maxBuffer: 256 << 20 });
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
if (kpt.error) die(`cannot run kpt: ${kpt.error.message}`);
const kptOutput = `${kpt.stdout}${kpt.stderr}`;
if (kpt.status !== 0) {
  process.stderr.write(kptOutput);
  die(`kpt fn render failed (exit ${kpt.status}); kpt wrote nothing. Fix what the results above name and run again.`, kpt.status || 1);
}
// kpt's per-package and [RUNNING] lines say nothing a summary needs; results and timings stay.
const kept = kptOutput.split('\n').filter((l) => l.trim() !== '' && !/^Package ".*":\s*$/.test(l) && !/^\[RUNNING\]/.test(l));
process.stdout.write(`${kept.join('\n')}\n`);
process.stdout.write(`${version.stdout.trim().replace(/^(?!kpt)/, 'kpt ')}: rendered ${relative(process.cwd(), root) || '.'} in ${seconds.toFixed(1)} s\n\n`);

// ---- what the render bound: `netpipe show` of the rendered tree -------------------------------------

const cli = join(dirname(fileURLToPath(import.meta.url)), '..', 'cli', 'dist', 'netpipe.js');
if (!existsSync(cli)) die(`${cli} is missing: run \`npm run build\` (\`npm run render\` does it first) to see the summary`);
// From the root, so packages are named as the render names them (packages/core01/upf).
const show = spawnSync(process.execPath, [cli, 'show', '.'], { cwd: root, encoding: 'utf8', maxBuffer: 256 << 20 });
process.stdout.write(show.stdout);
process.stderr.write(show.stderr);
process.exitCode = show.status ?? 1;
