/**
 * Shared pieces of the kpt end-to-end tests: each test renders a scratch copy of the repository's
 * render root (Kptfile, .krmignore, packages/ and the built bundles at the paths the Kptfile's
 * `exec:` entries name) with the real `kpt fn render --allow-exec`, so what is tested is exactly
 * what `npm run render` does to packages/.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { load, loadAll } from 'js-yaml';

export const ROOT = join(__dirname, '..', '..');
export const PACKAGES = join(ROOT, 'packages');

type Doc = Record<string, any>;

/** The `exec:` paths of the root Kptfile's pipeline, relative to the root (and to kpt's cwd). */
export function execPaths(): string[] {
  const kptfile = load(readFileSync(join(ROOT, 'Kptfile'), 'utf8')) as Doc;
  const entries: Doc[] = [...(kptfile.pipeline?.mutators ?? []), ...(kptfile.pipeline?.validators ?? [])];
  return entries.map((e) => e.exec).filter((p): p is string => typeof p === 'string');
}

/** Fails fast, with what to do, when kpt or a bundle is missing. */
export function checkPrerequisites(): void {
  const kpt = spawnSync('kpt', ['version'], { encoding: 'utf8' });
  if (kpt.error || kpt.status !== 0) {
    throw new Error('kpt is not on PATH (`kpt version` failed): these tests need kpt 1.0.0-beta.x (Debian package google-cloud-cli-kpt)');
  }
  const missing = execPaths().filter((p) => !existsSync(join(ROOT, p)));
  if (missing.length > 0) {
    throw new Error(`missing function bundles ${missing.join(', ')}: run \`npm run build\` first (\`npm test\` does)`);
  }
}

export interface RenderOutcome {
  status: number | null;
  /** stdout and stderr together: kpt prints results and function stderr on stderr. */
  output: string;
}

const made: string[] = [];

/** Removes every scratch directory made so far (call from afterAll). */
export function cleanupWorkspaces(): void {
  while (made.length > 0) rmSync(made.pop()!, { recursive: true, force: true });
}

export class Workspace {
  readonly dir: string;

  constructor() {
    this.dir = mkdtempSync(join(tmpdir(), 'netpipe-e2e-kpt-'));
    made.push(this.dir);
    for (const f of ['Kptfile', '.krmignore']) cpSync(join(ROOT, f), join(this.dir, f));
    cpSync(PACKAGES, join(this.dir, 'packages'), { recursive: true });
    for (const p of execPaths()) {
      mkdirSync(dirname(join(this.dir, p)), { recursive: true });
      cpSync(join(ROOT, p), join(this.dir, p));
    }
  }

  /**
   * `kpt fn render --allow-exec` of the whole tree. kpt resolves `exec:` paths against its working
   * directory (not the Kptfile's), hence cwd is the root.
   */
  render(): RenderOutcome {
    const r = spawnSync('kpt', ['fn', 'render', '--allow-exec', '.'], { cwd: this.dir, encoding: 'utf8', maxBuffer: 64 << 20 });
    if (r.error) throw r.error;
    return { status: r.status, output: `${r.stdout}${r.stderr}` };
  }

  /** `render` as its own process, so independent workspaces render side by side. */
  renderAsync(): Promise<RenderOutcome> {
    return new Promise((resolve, reject) => {
      const p = spawn('kpt', ['fn', 'render', '--allow-exec', '.'], { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      p.stdout.on('data', (c: Buffer) => out.push(c));
      p.stderr.on('data', (c: Buffer) => err.push(c));
      p.on('error', reject);
      p.on('close', (status) => resolve({ status, output: `${Buffer.concat(out).toString()}${Buffer.concat(err).toString()}` }));
    });
  }

  /** Renders and fails the test, showing kpt's output, unless the render succeeded. */
  renderOk(): string {
    const r = this.render();
    if (r.status !== 0) throw new Error(`kpt fn render failed (exit ${r.status}):\n${r.output}`);
    return r.output;
  }

  path(rel: string): string {
    return join(this.dir, rel);
  }

  exists(rel: string): boolean {
    return existsSync(this.path(rel));
  }

  read(rel: string): string {
    return readFileSync(this.path(rel), 'utf8');
  }

  write(rel: string, text: string): void {
    mkdirSync(dirname(this.path(rel)), { recursive: true });
    writeFileSync(this.path(rel), text);
  }

  /** Replaces exactly one occurrence of `from`, so an edit that misses fails loudly. */
  edit(rel: string, from: string | RegExp, to: string): void {
    const text = this.read(rel);
    const count = typeof from === 'string' ? text.split(from).length - 1 : (text.match(new RegExp(from.source, `${from.flags.replace('g', '')}g`)) ?? []).length;
    if (count !== 1) throw new Error(`edit of ${rel}: expected one match of ${String(from)}, found ${count}`);
    this.write(rel, text.replace(from, to));
  }

  remove(rel: string): void {
    rmSync(this.path(rel));
  }

  rename(from: string, to: string): void {
    renameSync(this.path(from), this.path(to));
  }

  /** Every file under `under` (default: the whole tree), relative to the root, sorted. */
  files(under = ''): string[] {
    return filesUnder(join(this.dir, under)).map((f) => relative(this.dir, f).split(sep).join('/')).sort();
  }

  /** sha256 of every file of the tree: equal maps mean a byte-identical tree. */
  hashes(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const f of this.files()) out[f] = createHash('sha256').update(readFileSync(this.path(f))).digest('hex');
    return out;
  }

  /** Every resource under packages/ with the file it came from. */
  resources(): Array<{ file: string; doc: Doc }> {
    const out: Array<{ file: string; doc: Doc }> = [];
    for (const file of this.files('packages')) {
      if (!/\.ya?ml$/.test(file) && !file.endsWith('/Kptfile')) continue;
      for (const doc of loadAll(this.read(file))) if (doc && typeof doc === 'object') out.push({ file, doc: doc as Doc });
    }
    return out;
  }

  /** `<package dir> <namespace>/<name>` -> status.prefix of every IPClaim. */
  claimPrefixes(): Record<string, string | undefined> {
    const out: Record<string, string | undefined> = {};
    for (const { file, doc } of this.resources()) {
      if (doc.kind !== 'IPClaim') continue;
      out[`${dirname(file)} ${doc.metadata.namespace ?? ''}/${doc.metadata.name}`] = doc.status?.prefix;
    }
    return out;
  }

  /** The AllocationCursor of a network instance: pool prefix -> last address handed out. */
  cursor(networkInstance: string): Record<string, string> {
    const found = this.resources().find(
      ({ doc }) => doc.kind === 'AllocationCursor' && (doc.spec?.networkInstance?.name ?? doc.metadata.name) === networkInstance,
    );
    if (!found) throw new Error(`no AllocationCursor for ${networkInstance}`);
    const out: Record<string, string> = {};
    for (const c of found.doc.status?.cursors ?? []) out[c.prefix] = c.lastAllocated;
    return out;
  }

  /**
   * The state before the pipeline ever ran: generated files deleted, Kptfile status removed. User
   * files keep whatever the pipeline wrote into them (the workloads' annotations).
   */
  resetToUnrendered(): void {
    for (const f of this.files('packages')) {
      const name = f.slice(f.lastIndexOf('/') + 1);
      if (/^(ipclaim-.*|nad-.*|ipam-cursor-.*)\.yaml$/.test(name)) this.remove(f);
      else if (name === 'Kptfile') this.write(f, withoutStatus(this.read(f)));
    }
  }
}

/** A Kptfile's text without its top-level `status:` block. */
export function withoutStatus(kptfile: string): string {
  return kptfile.replace(/^status:\n(?:[ #-].*\n|\n)*/m, '');
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(p);
    }
  };
  walk(dir);
  return out;
}

/** Files of `a` and `b` (relative paths) whose bytes differ, or that only one of them has. */
export function treeDifferences(a: string, b: string): Array<{ file: string; left?: string; right?: string }> {
  const list = (d: string) => new Set(filesUnder(d).map((f) => relative(d, f).split(sep).join('/')));
  const left = list(a);
  const right = list(b);
  const out: Array<{ file: string; left?: string; right?: string }> = [];
  for (const file of [...new Set([...left, ...right])].sort()) {
    const l = left.has(file) ? readFileSync(join(a, file)) : undefined;
    const r = right.has(file) ? readFileSync(join(b, file)) : undefined;
    if (l && r && l.equals(r)) continue;
    out.push({ file, left: l?.toString('utf8'), right: r?.toString('utf8') });
  }
  return out;
}

/** The pod template's `k8s.v1.cni.cncf.io/networks` entries of a workload file, parsed. */
export function networkEntries(workloadYaml: string): Array<Record<string, unknown>> {
  const doc = load(workloadYaml) as Doc;
  const text: string | undefined = doc.spec?.template?.metadata?.annotations?.['k8s.v1.cni.cncf.io/networks'];
  if (text === undefined) return [];
  return text.trim().startsWith('[') ? JSON.parse(text) : text.split(',').map((n) => ({ name: n.trim() }));
}

/** IPv4 text -> number and back, for cursor arithmetic in assertions. */
export const ipv4 = {
  parse: (a: string): number => a.split('.').reduce((n, o) => n * 256 + Number(o), 0),
  format: (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.'),
};
