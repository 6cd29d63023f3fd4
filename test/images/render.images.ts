/**
 * Image tests (`npm run test:images`; not part of the default jest run).
 *
 * Porch can only run `image:` functions, while development and CI render with `exec:` entries.
 * These tests build the four images (scripts/images.mjs), then prove the two paths are the same
 * program: the example packages rendered through podman (docker if images.mjs picked it), run the
 * way kpt runs containers (`--user nobody --network none`), must come out byte-identical to the
 * same packages rendered with the bundles as `exec:` entries. Timing the two ways is a benchmark
 * (`npm run bench:images`), not a test.
 *
 * Env:
 *   IMAGES_TEST_PACKAGES       package tree to render (default: the repository's root Kptfile over packages/)
 *   IMAGES_TEST_FUNCTIONS_DIR  prebuilt <name>/dist/<name>.js bundles to package instead of
 *                              running `npm run build` (passed to images.mjs --functions-dir)
 *   IMAGES_TEST_KEEP=1         keep the rendered trees (the temp dir) for inspection
 */
import { spawn, spawnSync, SpawnSyncReturns } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, sep } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const PACKAGES = process.env.IMAGES_TEST_PACKAGES;

interface BuiltImage {
  name: string;
  image: string;
  bundle: string;
  size: number;
  baseSize: number;
}
interface Summary {
  engine: string;
  base: string;
  version: string;
  images: BuiltImage[];
}

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

function run(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; input?: string; cwd?: string } = {}): Run {
  const t0 = process.hrtime.bigint();
  const r: SpawnSyncReturns<string> = spawnSync(cmd, args, {
    cwd: opts.cwd ?? ROOT,
    env: { ...process.env, ...opts.env },
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, ms };
}

function runAsync(cmd: string, args: string[], input: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    child.stdin.end(input);
  });
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out.sort();
}

/** Package roots: directories with a Kptfile and no Kptfile in any directory above them. */
function rootPackages(tree: string): string[] {
  const kptDirs = filesUnder(tree)
    .filter((f) => f === 'Kptfile' || f.endsWith(`${sep}Kptfile`))
    .map((f) => dirname(f));
  return kptDirs.filter((d) => !kptDirs.some((o) => o !== d && (o === '.' || d.startsWith(o + sep)))).sort();
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** The function a pipeline entry refers to, whatever registry, tag or path it was written with. */
function functionOf(ref: string, names: string[]): string | undefined {
  return [...names]
    .sort((a, b) => b.length - a.length)
    .find((n) => new RegExp(`(^|[^a-z0-9-])${escapeRe(n)}([^a-z0-9-]|$)`).test(ref));
}

const ENTRY = /^(\s*(?:-\s+)?)(image|exec):(\s*)(["']?)([^"'\s#]+)\4(\s*(?:#.*)?)$/;

/**
 * Points every pipeline entry of ours at the image or at the bundle. Line-based, so everything
 * else in the Kptfile keeps its bytes. Bundles get absolute paths: kpt 1.0.0-beta.56 resolves a
 * relative `exec:` against its working directory, not the Kptfile's.
 */
function rewriteKptfile(text: string, mode: 'image' | 'exec', images: BuiltImage[]): { text: string; count: number } {
  const names = images.map((i) => i.name);
  let count = 0;
  const lines = text.split('\n').map((line) => {
    const m = ENTRY.exec(line);
    if (!m) return line;
    const name = functionOf(m[5], names);
    if (!name) return line;
    const img = images.find((i) => i.name === name)!;
    count++;
    return `${m[1]}${mode}:${m[3]}${m[4]}${mode === 'image' ? img.image : img.bundle}${m[4]}${m[6]}`;
  });
  return { text: lines.join('\n'), count };
}

function rewriteTree(tree: string, mode: 'image' | 'exec', images: BuiltImage[]): number {
  let count = 0;
  for (const f of filesUnder(tree).filter((p) => p === 'Kptfile' || p.endsWith(`${sep}Kptfile`))) {
    const path = join(tree, f);
    const r = rewriteKptfile(readFileSync(path, 'utf8'), mode, images);
    if (r.count) writeFileSync(path, r.text);
    count += r.count;
  }
  return count;
}

/**
 * The tree to render: a given one, or what `npm run render` renders - the root Kptfile (with its
 * pipeline and function configs) over packages/ - without the files the pipeline generates, so
 * both renders allocate from scratch and have something to compare.
 */
function copyTree(to: string): void {
  if (PACKAGES) {
    cpSync(PACKAGES, to, { recursive: true });
    return;
  }
  cpSync(join(ROOT, 'packages'), join(to, 'packages'), { recursive: true });
  for (const f of ['Kptfile', '.krmignore']) cpSync(join(ROOT, f), join(to, f));
  for (const f of filesUnder(to)) {
    const name = basename(f);
    const generated =
      name.startsWith('ipclaim-') ||
      name.startsWith('ipam-cursor-') ||
      (name.startsWith('nad-') && readFileSync(join(to, f), 'utf8').includes('netpipe.dev/interface:'));
    if (generated) rmSync(join(to, f));
  }
}

/**
 * A rendered Kptfile with each of our pipeline entries reduced to the function's name, so the two
 * trees compare byte for byte everywhere else. Only the entry's value is ignored, quotes included:
 * a function that re-serializes the Kptfile may quote a long bundle path and not a short image name.
 */
function canonicalKptfile(text: string, images: BuiltImage[]): string {
  const names = images.map((i) => i.name);
  return text
    .split('\n')
    .map((line) => {
      const m = ENTRY.exec(line);
      const name = m && functionOf(m[5], names);
      return m && name ? `${m[1]}fn: ${name}${m[6]}` : line;
    })
    .join('\n');
}

/** What kpt 1.0.0-beta.56 runs for an `image:` function (seen by wrapping podman). */
const KPT_RUN = [
  'run', '--rm', '-i', '--network', 'none', '--user', 'nobody', '--security-opt=no-new-privileges', '--pull', 'never',
];

/** Same exit status and stdout; the function's name makes a failure say which one. */
function expectSameRun(fn: string, got: Run, want: Run): void {
  expect({ fn, status: got.status, stdout: got.stdout }).toEqual({ fn, status: want.status, stdout: want.stdout });
}

describe('function images', () => {
  let summary: Summary;
  let engine = 'podman';
  let kptEnv: NodeJS.ProcessEnv = {};
  let work: string;
  let imageTree: string;
  let execTree: string;
  let roots: string[] = [];
  const renders: Array<{ pkg: string; image: Run; exec: Run }> = [];
  const before = new Map<string, Buffer>();

  beforeAll(() => {
    const args = [join(ROOT, 'scripts', 'images.mjs'), '--json'];
    if (process.env.IMAGES_TEST_FUNCTIONS_DIR) args.push('--functions-dir', process.env.IMAGES_TEST_FUNCTIONS_DIR);
    const built = run(process.execPath, args);
    if (built.status !== 0) throw new Error(`scripts/images.mjs failed:\n${built.stderr}`);
    process.stderr.write(built.stderr);
    summary = JSON.parse(built.stdout) as Summary;
    engine = summary.engine;
    kptEnv = { KPT_FN_RUNTIME: engine };

    if (PACKAGES && !existsSync(PACKAGES)) throw new Error(`no package tree at ${PACKAGES} (IMAGES_TEST_PACKAGES)`);
    work = mkdtempSync(join(tmpdir(), 'netpipe-images-'));
    imageTree = join(work, 'image');
    execTree = join(work, 'exec');
    copyTree(imageTree);
    copyTree(execTree);
    const nImage = rewriteTree(imageTree, 'image', summary.images);
    const nExec = rewriteTree(execTree, 'exec', summary.images);
    if (nImage === 0 || nImage !== nExec) throw new Error(`could not point the pipelines under ${PACKAGES ?? ROOT} at the functions`);
    roots = rootPackages(imageTree);
    for (const f of filesUnder(execTree)) before.set(f, readFileSync(join(execTree, f)));

    for (const pkg of roots) {
      const image = run('kpt', ['fn', 'render', join(imageTree, pkg), '--image-pull-policy', 'never'], {
        env: kptEnv,
        cwd: work,
      });
      const exec = run('kpt', ['fn', 'render', join(execTree, pkg), '--allow-exec'], { cwd: work });
      renders.push({ pkg, image, exec });
    }
  });

  afterAll(() => {
    if (work && !process.env.IMAGES_TEST_KEEP) rmSync(work, { recursive: true, force: true });
  });

  it('each image is configured the way Porch needs', () => {
    for (const i of summary.images) {
      const r = run(engine, ['image', 'inspect', '--format', '{{json .Config}}', i.image]);
      expect(r.status).toBe(0);
      const config = JSON.parse(r.stdout) as { Entrypoint?: string[]; Cmd?: string[] | null; User?: string };
      // Porch runs the entrypoint and ignores CMD, so the entrypoint has to be the whole command.
      expect(config.Entrypoint).toEqual(['/usr/local/bin/node', '/fn/main.js']);
      expect(config.Cmd ?? []).toEqual([]);
      expect(config.User).toBe('65534:65534');
    }
  });

  it('renders every example package the same with image: and exec: entries', () => {
    expect(roots.length).toBeGreaterThan(0);
    for (const { pkg, image, exec } of renders) {
      if (image.status !== exec.status) {
        throw new Error(`package ${pkg}: image render exited ${image.status}, exec render ${exec.status}\n` +
          `--- image render:\n${image.stderr}\n--- exec render:\n${exec.stderr}`);
      }
    }
    if (!renders.some((r) => r.exec.status === 0)) {
      const logs = renders.map((r) => `--- ${r.pkg}:\n${r.exec.stderr}`).join('\n');
      throw new Error(`no package rendered, so nothing was compared:\n${logs}`);
    }

    const imageFiles = filesUnder(imageTree);
    expect(imageFiles).toEqual(filesUnder(execTree));
    const differing: string[] = [];
    for (const f of imageFiles) {
      const a = readFileSync(join(imageTree, f));
      const b = readFileSync(join(execTree, f));
      const isKptfile = f === 'Kptfile' || f.endsWith(`${sep}Kptfile`);
      const same = isKptfile
        ? canonicalKptfile(a.toString('utf8'), summary.images) === canonicalKptfile(b.toString('utf8'), summary.images)
        : a.equals(b);
      if (!same) differing.push(f);
    }
    if (differing.length) {
      const d = run('diff', ['-u', join(imageTree, differing[0]), join(execTree, differing[0])]);
      throw new Error(`${differing.length} file(s) differ: ${differing.join(', ')}\n${d.stdout}`);
    }
    // The render must have changed something, or the comparison proved nothing.
    const changed = imageFiles.filter((f) => !before.get(f)?.equals(readFileSync(join(execTree, f))));
    expect(changed.length).toBeGreaterThan(0);
  });

  it('netpipe-fn as one image: entry renders what the four functions render', () => {
    const one = summary.images.find((i) => i.name === 'netpipe-fn');
    if (!one) throw new Error('scripts/images.mjs built no netpipe-fn image');
    const oneTree = join(work, 'one-step');
    copyTree(oneTree);
    const roots1 = rootPackages(oneTree);
    let replaced = 0;
    for (const pkg of roots1) {
      const kptfile = join(oneTree, pkg, 'Kptfile');
      const text = readFileSync(kptfile, 'utf8');
      const lines = text.split('\n');
      const at = lines.findIndex((l) => /^pipeline:\s*$/.test(l));
      if (at < 0) continue;
      const end = lines.findIndex((l, i) => i > at && l !== '' && !/^\s/.test(l));
      // The configMaps of the four entries, merged: what netpipe-fn's one functionConfig carries.
      const cms = lines.slice(at, end < 0 ? undefined : end).join('\n').match(/^ {4}configMap:\n(?: {6}.*\n?)*/gm) ?? [];
      const merged = cms.map((c) => c.split('\n').slice(1).filter(Boolean).join('\n')).filter(Boolean);
      const entry = ['pipeline:', '  mutators:', `  - image: ${one.image}`, ...(merged.length ? ['    configMap:', ...merged] : [])];
      lines.splice(at, (end < 0 ? lines.length : end) - at, ...entry, ...(end < 0 ? [''] : []));
      writeFileSync(kptfile, lines.join('\n'));
      replaced++;
    }
    expect(replaced).toBeGreaterThan(0);
    for (const pkg of roots1) {
      const r = run('kpt', ['fn', 'render', join(oneTree, pkg), '--image-pull-policy', 'never'], { env: kptEnv, cwd: work });
      const exec = renders.find((x) => x.pkg === pkg);
      expect({ pkg, status: r.status }).toEqual({ pkg, status: exec?.exec.status });
    }
    const differing = filesUnder(oneTree).filter((f) => {
      if (f === 'Kptfile' || roots1.some((p) => f === join(p, 'Kptfile'))) return false; // the pipeline differs by design
      return !readFileSync(join(oneTree, f)).equals(readFileSync(join(execTree, f)));
    });
    expect(differing).toEqual([]);
    expect(filesUnder(oneTree)).toEqual(filesUnder(execTree));
  });

  it('the image render from scratch gives the committed example output', () => {
    if (PACKAGES) return; // a tree of the caller's own has no committed output to compare with
    const committed = join(ROOT, 'packages');
    expect(filesUnder(join(imageTree, 'packages'))).toEqual(filesUnder(committed));
    for (const f of filesUnder(committed)) {
      expect({ f, text: readFileSync(join(imageTree, 'packages', f), 'utf8') }).toEqual({ f, text: readFileSync(join(committed, f), 'utf8') });
    }
  });

  /** A fully rendered package as a ResourceList: valid input for every function on its own. */
  function sampleInput(): string {
    const ok = renders.find((r) => r.exec.status === 0);
    const dir = join(execTree, ok ? ok.pkg : roots[0]);
    const r = run('kpt', ['fn', 'source', dir]);
    expect(r.status).toBe(0);
    return r.stdout;
  }

  it('each image, run as kpt runs it (--user nobody --network none), gives the output of its bundle', () => {
    const input = sampleInput();
    for (const i of summary.images) {
      expectSameRun(i.name, run(engine, [...KPT_RUN, i.image], { input }), run(i.bundle, [], { input }));
    }
  });

  it('concurrent runs of one image do not interfere (Porch may run several in one pod)', async () => {
    const input = sampleInput();
    for (const i of summary.images) {
      const expected = run(i.bundle, [], { input });
      const results = await Promise.all(Array.from({ length: 4 }, () => runAsync(engine, [...KPT_RUN, i.image], input)));
      for (const r of results) {
        expectSameRun(i.name, r, expected);
      }
    }
  });

  it('kpt fn eval gives the same output through image: and exec: (timing: npm run bench:images)', () => {
    const ok = renders.find((r) => r.exec.status === 0);
    const pkg = join(execTree, ok ? ok.pkg : roots[0]);
    for (const i of summary.images) {
      const evalArgs = ['fn', 'eval', pkg, '-o', 'stdout'];
      const viaImage = run('kpt', [...evalArgs, '--image', i.image, '--image-pull-policy', 'never'], { env: kptEnv, cwd: work });
      const viaExec = run('kpt', [...evalArgs, '--exec', i.bundle], { cwd: work });
      expect(viaExec.stdout.length).toBeGreaterThan(0);
      expectSameRun(i.name, viaImage, viaExec);
    }
  });
});
