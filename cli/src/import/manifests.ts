/**
 * Reads the manifests an import starts from: YAML or JSON files, or directories of them, as
 * `kubectl get -o yaml` dumps them (a `List` is opened) or as they sit in a repository.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadAll } from 'js-yaml';
import { isObject, KubeObject } from '../../../functions/lib/src';

/** A manifest and where it was read, for every message that names it. */
export interface Manifest {
  object: KubeObject;
  file: string;
}

const MANIFEST_FILE = /\.(ya?ml|json)$/;

function filesUnder(path: string): string[] {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) throw new Error(`${path}: no such file or directory`);
  if (!st.isDirectory()) return [path];
  const out: string[] = [];
  for (const name of readdirSync(path).sort()) {
    if (name.startsWith('.')) continue;
    const p = join(path, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else if (MANIFEST_FILE.test(name)) out.push(p);
  }
  return out;
}

function objectsOf(doc: unknown): KubeObject[] {
  if (!isObject(doc)) return [];
  if (doc.kind === 'List' || (typeof doc.kind === 'string' && doc.kind.endsWith('List') && Array.isArray(doc.items))) {
    return (Array.isArray(doc.items) ? doc.items : []).flatMap(objectsOf);
  }
  if (typeof doc.kind !== 'string' || typeof doc.apiVersion !== 'string' || !isObject(doc.metadata)) return [];
  return [doc as unknown as KubeObject];
}

/** Every object of the given files and directories, in path order; a file that is no YAML fails the import. */
export function readManifests(paths: readonly string[]): Manifest[] {
  const out: Manifest[] = [];
  for (const file of [...new Set(paths.flatMap(filesUnder))]) {
    let docs: unknown[];
    try {
      docs = loadAll(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new Error(`${file}: not valid YAML: ${(e as Error).message}`);
    }
    for (const doc of docs) for (const object of objectsOf(doc)) out.push({ object, file });
  }
  return out;
}

/** `Kind namespace/name`: how a package written by the import names its sources (no file paths). */
export function nameRef(m: Manifest): string {
  const ns = typeof m.object.metadata.namespace === 'string' ? `${m.object.metadata.namespace}/` : '';
  return `${m.object.kind} ${ns}${m.object.metadata.name}`;
}

/** `Kind namespace/name (file)`: how messages name a manifest. */
export function refOf(m: Manifest): string {
  return `${nameRef(m)} (${m.file})`;
}
