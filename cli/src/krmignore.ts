/**
 * `.krmignore`: the paths kpt leaves out of a package (a gitignore subset: names, paths, `*`,
 * a trailing `/` for directories). Views that read the package files must leave out what a
 * render leaves out - at the repository root that is functions/, test/, node_modules/...
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface IgnoreRule {
  readonly base: string;
  /** A pattern with a `/` inside matches the path from the package; others match the last name. */
  readonly anchored: boolean;
  readonly dirOnly: boolean;
  readonly re: RegExp;
}

/** The rules of the `.krmignore` in `dir`, if it has one. */
export function ignoreRules(dir: string): IgnoreRule[] {
  const file = join(dir, '.krmignore');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const dirOnly = l.endsWith('/');
      const p = l.replace(/\/+$/, '').replace(/^\//, '');
      const re = new RegExp(`^${p.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('[^/]*')}$`);
      return { base: dir, anchored: l.replace(/\/+$/, '').includes('/'), dirOnly, re };
    });
}

export function isIgnored(path: string, isDir: boolean, rules: readonly IgnoreRule[]): boolean {
  return rules.some((r) => {
    if (r.dirOnly && !isDir) return false;
    const rel = relative(r.base, path).split(sep).join('/');
    if (rel.startsWith('..')) return false;
    return r.anchored ? r.re.test(rel) : r.re.test(rel.slice(rel.lastIndexOf('/') + 1));
  });
}
