/**
 * Reads package directories the way a render sees them: every YAML object with kpt's path
 * annotation (relative to the directory given, which is the render's root), without needing kpt,
 * and without what each package's `.krmignore` names (kpt leaves that out of every render, so the
 * views and the ledger commands must too).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { loadAll } from 'js-yaml';
import { ANNOTATIONS, isObject, KubeObject } from '../../functions/lib/src';
import { IgnoreRule, ignoreRules, isIgnored } from './krmignore';

export function readPackageTree(dir: string): KubeObject[] {
  const items: KubeObject[] = [];
  const walk = (d: string, inherited: readonly IgnoreRule[]): void => {
    const rules = [...inherited, ...ignoreRules(d)];
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith('.') || name === 'node_modules') continue;
      const p = join(d, name);
      const isDir = statSync(p).isDirectory();
      if (isIgnored(p, isDir, rules)) continue;
      if (isDir) {
        walk(p, rules);
        continue;
      }
      if (!/\.ya?ml$/.test(name) && name !== 'Kptfile') continue;
      let docs: unknown[];
      try {
        docs = loadAll(readFileSync(p, 'utf8'));
      } catch (e) {
        throw new Error(`${p}: not valid YAML: ${(e as Error).message}`);
      }
      const rel = relative(dir, p).split(sep).join('/');
      docs.forEach((doc, index) => {
        if (!isObject(doc) || typeof doc.kind !== 'string' || !isObject(doc.metadata)) return;
        const o = doc as unknown as KubeObject;
        const annotations = isObject(o.metadata.annotations) ? { ...o.metadata.annotations } : {};
        annotations[ANNOTATIONS.path] = rel;
        annotations[ANNOTATIONS.index] = String(index);
        o.metadata.annotations = annotations as Record<string, string>;
        items.push(o);
      });
    }
  };
  walk(dir, []);
  // Each item belongs to the innermost directory holding a Kptfile, as kpt's package-path says.
  const packages = new Set(items.filter((o) => o.kind === 'Kptfile').map((o) => dirOf(o.metadata.annotations?.[ANNOTATIONS.path] ?? '')));
  for (const o of items) {
    let d = dirOf(o.metadata.annotations?.[ANNOTATIONS.path] ?? '');
    while (d !== '' && !packages.has(d)) d = dirOf(d);
    (o.metadata.annotations as Record<string, string>)[ANNOTATIONS.packagePath] = d;
  }
  return items;
}

function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}
