import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Fixture packages keep their Kptfiles as `_Kptfile`: kpt finds subpackages by their Kptfile even
 * under paths .krmignore excludes, so real Kptfiles in fixtures/ would make every fixture a
 * subpackage of the repository's own pipeline. This restores them in a scratch copy.
 */
export function materialize(dir: string, copy = join(mkdtempSync(join(tmpdir(), 'netpipe-fixture-')), 'pkg')): string {
  cpSync(dir, copy, { recursive: true });
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name === '_Kptfile') renameSync(p, join(d, 'Kptfile'));
    }
  };
  walk(copy);
  return copy;
}

/** The ResourceList kpt itself makes of a package tree (what `kpt fn eval` feeds a function). */
export function kptSource(fixtureDir: string): string {
  const copy = materialize(fixtureDir);
  try {
    return execFileSync('kpt', ['fn', 'source', copy], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } finally {
    rmSync(join(copy, '..'), { recursive: true, force: true });
  }
}

/**
 * `kptSource` of many fixture trees, in the order given, with the kpt processes run side by side:
 * each one is mostly kpt's start-up (about 80 ms), and the golden and one-step suites need one per
 * fixture. A failing kpt fails the call with its output, as `kptSource` does.
 */
export function kptSourceMany(fixtureDirs: readonly string[]): string[] {
  const root = mkdtempSync(join(tmpdir(), 'netpipe-fixtures-'));
  try {
    const work = fixtureDirs.map((d, i) => {
      const w = join(root, String(i));
      mkdirSync(w);
      materialize(d, join(w, 'pkg'));
      return w;
    });
    const script = 'kpt fn source "$1/pkg" > "$1/out" 2> "$1/err"; echo $? > "$1/status"';
    const jobs = String(Math.max(2, availableParallelism()));
    // GOGC=off: a kpt this short-lived spends a quarter of its CPU collecting garbage it never reuses.
    const env = { ...process.env, GOGC: 'off' };
    execFileSync('xargs', ['-0', '-n', '1', '-P', jobs, 'sh', '-c', script, 'sh'], { input: work.join('\0'), stdio: ['pipe', 'ignore', 'pipe'], env });
    return work.map((w, i) => {
      if (readFileSync(join(w, 'status'), 'utf8').trim() !== '0') throw new Error(`kpt fn source ${fixtureDirs[i]} failed:\n${readFileSync(join(w, 'err'), 'utf8')}`);
      return readFileSync(join(w, 'out'), 'utf8');
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Adds a functionConfig to a ResourceList the way kpt passes one. */
export function withFunctionConfig(resourceList: string, fnConfig: string | undefined): string {
  if (fnConfig === undefined) return resourceList;
  const body = fnConfig
    .replace(/^---\n/, '')
    .trimEnd()
    .split('\n')
    .map((l) => (l === '' ? '' : `  ${l}`))
    .join('\n');
  return `${resourceList.endsWith('\n') ? resourceList : `${resourceList}\n`}functionConfig:\n${body}\n`;
}
