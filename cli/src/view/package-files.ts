/**
 * The package directories a view reads, as one list of items. Package and file paths are made
 * relative to the working directory, so views of several directories name each package once and
 * the way the user typed it (`packages/core01/upf`, not `core01/upf` of one of them).
 */
import { existsSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { ANNOTATIONS, KubeObject } from '../../../functions/lib/src';
import { readPackageTree } from '../git-packages';

export function readDirectories(dirs: readonly string[], command: string): KubeObject[] {
  if (dirs.length === 0) throw new Error(`${command} takes the package directories to read (each as you render it); see netpipe ${command} --help`);
  const items: KubeObject[] = [];
  for (const dir of dirs) {
    if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new Error(`${command}: ${dir} is not a directory`);
    const base = relative(process.cwd(), resolve(dir)).split(sep).join('/');
    const under = (p: string): string => (base === '' ? p : p === '' ? base : join(base, p).split(sep).join('/'));
    for (const o of readPackageTree(dir)) {
      const a = o.metadata.annotations as Record<string, string>;
      a[ANNOTATIONS.packagePath] = under(a[ANNOTATIONS.packagePath] ?? '');
      a[ANNOTATIONS.path] = under(a[ANNOTATIONS.path] ?? '');
      items.push(o);
    }
  }
  return items;
}
