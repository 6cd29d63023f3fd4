import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Fixture packages keep their Kptfiles as `_Kptfile`: kpt finds subpackages by their Kptfile even
 * under paths .krmignore excludes, so real Kptfiles in fixtures/ would make every fixture a
 * subpackage of the repository's own pipeline. This restores them in a scratch copy.
 */
export function materialize(dir: string): string {
  const copy = join(mkdtempSync(join(tmpdir(), 'netpipe-fixture-')), 'pkg');
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
