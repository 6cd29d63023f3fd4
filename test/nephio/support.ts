/**
 * Nephio's own test data (vendored under third_party/nephio, see its README) rendered by the real
 * `kpt fn render --allow-exec` with this pipeline's bundles.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { ROOT } from '../e2e-kpt/support';

export type Doc = Record<string, any>;

export const NEPHIO = join(ROOT, 'third_party', 'nephio', 'krm-functions');

export const FOUR_STEPS = ['interface-fn', 'ipam-fn', 'nad-fn', 'deployment-annotate-fn'];
export const bundle = (fn: string): string => join(ROOT, 'functions', fn, 'dist', `${fn}.js`);

const made: string[] = [];

export function cleanup(): void {
  while (made.length > 0) rmSync(made.pop()!, { recursive: true, force: true });
}

/** A scratch copy of a vendored directory with its `_Kptfile`s named `Kptfile` again. */
export function scratchCopy(vendored: string, drop: readonly string[] = []): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'netpipe-nephio-')), 'pkg');
  made.push(join(dir, '..'));
  cpSync(vendored, dir, { recursive: true });
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name === '_Kptfile') renameSync(p, join(d, 'Kptfile'));
      else if (drop.includes(name)) rmSync(p);
    }
  };
  walk(dir);
  return dir;
}

/** The Kptfile with `pipeline` replaced by `exec:` entries for the given bundles. */
export function setPipeline(dir: string, fns: readonly string[]): void {
  const path = join(dir, 'Kptfile');
  const text = readFileSync(path, 'utf8').replace(/^pipeline:.*\n(?:[ #-].*\n)*/m, '');
  writeFileSync(path, `${text}pipeline:\n  mutators:\n${fns.map((f) => `  - exec: ${bundle(f)}\n`).join('')}`);
}

export interface Outcome {
  status: number | null;
  output: string;
}

export function kpt(args: readonly string[], cwd: string): Outcome {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  const r = spawnSync('kpt', [...args], { cwd, encoding: 'utf8', env, maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

export function renderOk(dir: string): string {
  const r = kpt(['fn', 'render', '--allow-exec', '--truncate-output=false', '.'], dir);
  if (r.status !== 0) throw new Error(`kpt fn render failed (exit ${r.status}):\n${r.output}`);
  return r.output;
}

/** Every resource of the package's files, Kptfile included. */
export function resources(dir: string): Doc[] {
  const out: Doc[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!/\.ya?ml$/.test(name) && name !== 'Kptfile') continue;
    for (const doc of loadAll(readFileSync(join(dir, name), 'utf8'))) if (doc && typeof doc === 'object') out.push(doc as Doc);
  }
  return out;
}

/** The items of a vendored `_expected.yaml` ResourceList. */
export function expectedItems(file: string): Doc[] {
  const [list] = loadAll(readFileSync(file, 'utf8')) as Doc[];
  return list.items as Doc[];
}

export const find = (docs: readonly Doc[], kind: string, name?: string): Doc => {
  const found = docs.find((d) => d.kind === kind && (name === undefined || d.metadata?.name === name));
  if (!found) throw new Error(`no ${kind} ${name ?? ''}`);
  return found;
};
