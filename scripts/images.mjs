#!/usr/bin/env node
// Builds one container image per KRM function from functions/Dockerfile:
// checks the container engine, builds the registry-free node base if needed,
// bundles the functions (npm run build) and tags
// localhost/netpipe/<name>:<package.json version> and :latest.
//
//   node scripts/images.mjs [--no-build] [--force-base] [--json] [--functions-dir DIR] [name...]
//
//   --no-build          use the bundles already in <functions-dir>/<name>/dist
//   --force-base        rebuild the local node base image
//   --json              print a JSON summary on stdout (the table goes to stderr)
//   --functions-dir DIR build context holding <name>/dist/<name>.js (default functions/);
//                       implies --no-build, since npm run build writes to functions/
//
// Env: CONTAINER_ENGINE=podman|docker picks the engine; BASE_IMAGE=<ref> uses
// that base (say node:20-slim from a registry) instead of the local one;
// IMAGE_REPO (default localhost/netpipe).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const DOCKERFILE = join(root, 'functions', 'Dockerfile');

class UsageError extends Error {}

function fail(message) {
  process.stderr.write(`images: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const opts = { build: true, forceBase: false, json: false, functionsDir: join(root, 'functions'), names: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-build') opts.build = false;
    else if (a === '--force-base') opts.forceBase = true;
    else if (a === '--json') opts.json = true;
    else if (a === '--functions-dir') {
      if (!argv[i + 1]) throw new UsageError('--functions-dir needs a directory');
      opts.functionsDir = resolve(argv[++i]);
      opts.build = false;
    } else if (a.startsWith('-')) throw new UsageError(`unknown option ${a}`);
    else opts.names.push(a);
  }
  return opts;
}

// The list lives in scripts/build.mjs; importing that module would run the
// build, so read the literal instead of keeping a second copy in sync.
function functionNames() {
  const src = readFileSync(join(root, 'scripts', 'build.mjs'), 'utf8');
  const m = /export const FUNCTIONS\s*=\s*\[([^\]]*)\]/.exec(src);
  if (!m) fail('cannot find `export const FUNCTIONS = [...]` in scripts/build.mjs');
  return [...m[1].matchAll(/['"]([^'"]+)['"]/g)].map((x) => x[1]);
}

function run(cmd, args, { capture = false, env, allowFail = false } = {}) {
  const res = spawnSync(cmd, args, {
    cwd: root,
    env: { ...process.env, ...env },
    encoding: 'utf8',
    // Progress of child tools goes to stderr so --json output stays parseable.
    stdio: capture ? ['ignore', 'pipe', 'pipe'] : ['ignore', 2, 2],
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.error) {
    if (allowFail) return { ok: false, stdout: '', stderr: String(res.error.message) };
    fail(`cannot run ${cmd}: ${res.error.message}`);
  }
  const out = { ok: res.status === 0, stdout: res.stdout ?? '', stderr: res.stderr ?? '' };
  if (!out.ok && !allowFail) {
    if (capture) process.stderr.write(out.stderr);
    fail(`${cmd} ${args.join(' ')} exited with ${res.status ?? res.signal}`);
  }
  return out;
}

function onPath(cmd) {
  return run('sh', ['-c', `command -v ${cmd}`], { capture: true, allowFail: true }).ok;
}

// podman first: it needs no daemon and is what kpt is told to use here
// (KPT_FN_RUNTIME=podman). docker only when podman is absent and a docker
// daemon answers; otherwise setup-podman.sh installs and configures podman.
function pickEngine() {
  const forced = process.env.CONTAINER_ENGINE;
  if (forced && forced !== 'podman' && forced !== 'docker') fail(`CONTAINER_ENGINE must be podman or docker, not ${forced}`);
  if (forced === 'docker') {
    if (!run('docker', ['info'], { capture: true, allowFail: true }).ok) {
      fail('CONTAINER_ENGINE=docker but `docker info` fails (is the daemon running?)');
    }
    return 'docker';
  }
  if (!forced && !onPath('podman') && run('docker', ['info'], { capture: true, allowFail: true }).ok) return 'docker';
  run('bash', [join(root, 'scripts', 'setup-podman.sh')]);
  return 'podman';
}

function imageId(engine, ref) {
  const r = run(engine, ['image', 'inspect', '--format', '{{.Id}}', ref], { capture: true, allowFail: true });
  return r.ok ? r.stdout.trim() : undefined;
}

function imageSize(engine, ref) {
  const r = run(engine, ['image', 'inspect', '--format', '{{.Size}}', ref], { capture: true });
  return Number(r.stdout.trim());
}

// A rebuild moves the tags to a new image and leaves the old one untagged;
// remove it unless something else still refers to it.
function dropIfUntagged(engine, id) {
  const r = run(engine, ['image', 'inspect', '--format', '{{len .RepoTags}}', id], { capture: true, allowFail: true });
  if (r.ok && r.stdout.trim() === '0') run(engine, ['rmi', id], { capture: true, allowFail: true });
}

const mb = (n) => `${(n / 1e6).toFixed(1)} MB`;
const kb = (n) => (n < 1e6 ? `${(n / 1e3).toFixed(1)} kB` : mb(n));

function printTable(rows) {
  const header = ['function', 'image', 'size', 'on top of base'];
  const body = rows.map((r) => [r.name, r.image, mb(r.size), kb(r.size - r.baseSize)]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells) => cells.map((c, i) => (i >= 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ');
  process.stderr.write(`${line(header)}\n${line(widths.map((w) => '-'.repeat(w)))}\n`);
  for (const b of body) process.stderr.write(`${line(b)}\n`);
}

function main() {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) fail(e.message);
    throw e;
  }
  const all = functionNames();
  const unknown = opts.names.filter((n) => !all.includes(n));
  if (unknown.length) fail(`unknown function(s): ${unknown.join(', ')} (known: ${all.join(', ')})`);
  const names = opts.names.length ? opts.names : all;
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  const repo = process.env.IMAGE_REPO ?? 'localhost/netpipe';

  const engine = pickEngine();

  let base = process.env.BASE_IMAGE;
  if (!base) {
    const args = [join(root, 'scripts', 'base-image.sh')];
    if (opts.forceBase) args.push('--force');
    base = run('bash', args, { capture: true, env: { CONTAINER_ENGINE: engine } }).stdout.trim().split('\n').pop();
  }

  if (opts.build) run('npm', ['run', '--silent', 'build', '--', ...names]);

  const missing = names.filter((n) => !existsSync(join(opts.functionsDir, n, 'dist', `${n}.js`)));
  if (missing.length) {
    const rel = relative(root, opts.functionsDir) || '.';
    fail(
      `no bundle for ${missing.join(', ')}: expected ${rel}/<name>/dist/<name>.js` +
        (opts.build ? ' (does functions/<name>/src/main.ts exist?)' : ' (run npm run build, or drop --no-build)'),
    );
  }

  const rows = [];
  for (const name of names) {
    const image = `${repo}/${name}:${version}`;
    const latest = `${repo}/${name}:latest`;
    const before = imageId(engine, image);
    const args = ['build', '--quiet', '-f', DOCKERFILE];
    // --layers=false: the multi-stage build would otherwise keep an untagged
    // image per stage and instruction; these builds take under a second.
    if (engine === 'podman') args.push('--layers=false');
    args.push(
      '--build-arg', `FN=${name}`,
      '--build-arg', `VERSION=${version}`,
      '--build-arg', `BASE_IMAGE=${base}`,
      '-t', image,
      '-t', latest,
      opts.functionsDir,
    );
    run(engine, args, { capture: true });
    const after = imageId(engine, image);
    if (before && before !== after) dropIfUntagged(engine, before);
    rows.push({
      name,
      image,
      tags: [image, latest],
      id: after,
      bundle: join(opts.functionsDir, name, 'dist', `${name}.js`),
      size: imageSize(engine, image),
      baseSize: imageSize(engine, base),
    });
  }

  process.stderr.write(`images: built with ${engine} on ${base}\n`);
  printTable(rows);
  if (opts.json) process.stdout.write(`${JSON.stringify({ engine, base, version, images: rows }, null, 2)}\n`);
}

main();
