import { execFileSync } from 'node:child_process';

/** The ResourceList kpt itself makes of a package tree (what `kpt fn eval` feeds a function). */
export function kptSource(dir: string): string {
  return execFileSync('kpt', ['fn', 'source', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
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
