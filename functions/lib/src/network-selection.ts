/**
 * The Multus selection annotation `k8s.v1.cni.cncf.io/networks`, in both of its forms:
 * short (`n3, other-ns/n6, n9@net9`) and JSON (a list of objects with `name`, `namespace`,
 * `interface`, `ips`, `mac`, `default-route`, `cni-args`, ...).
 */
import type { Outcome } from './ipam/result';

export const NETWORKS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';

export interface SelectionEntry {
  name: string;
  namespace?: string;
  interface?: string;
  /** Every key of a JSON element, in its order; undefined for a short-form entry. */
  fields?: Record<string, unknown>;
  /** The entry's text as written: a JSON element, or a short-form item. */
  source: string;
  form: 'json' | 'short';
}

export function parseSelection(value: string): Outcome<SelectionEntry[], string> {
  const trimmed = value.trim();
  if (trimmed === '') return { ok: true, value: [] };
  return trimmed.startsWith('[') ? parseJsonForm(trimmed) : parseShortForm(trimmed);
}

function parseShortForm(value: string): Outcome<SelectionEntry[], string> {
  const entries: SelectionEntry[] = [];
  for (const raw of value.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const m = /^(?:([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/)?([a-z0-9]([-a-z0-9.]*[a-z0-9])?)(?:@([^\s@/]+))?$/.exec(item);
    if (!m) return { ok: false, error: `"${item}" is not a network reference: write name, namespace/name or name@interface` };
    entries.push({ name: m[3], namespace: m[1], interface: m[5], source: item, form: 'short' });
  }
  return { ok: true, value: entries };
}

/** Splits a JSON array's text into the texts of its elements, so untouched ones keep their bytes. */
function splitJsonArray(text: string): string[] | undefined {
  const out: string[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '[' || c === '{') {
      if (depth === 1 && start < 0) start = i;
      depth++;
    } else if (c === ']' || c === '}') {
      depth--;
      if (depth === 1 && start >= 0) {
        out.push(text.slice(start, i + 1));
        start = -1;
      }
    }
  }
  return depth === 0 ? out : undefined;
}

function parseJsonForm(value: string): Outcome<SelectionEntry[], string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (e) {
    return { ok: false, error: `the annotation is not valid JSON: ${(e as Error).message}` };
  }
  const sources = splitJsonArray(value);
  if (!Array.isArray(parsed) || !sources || sources.length !== parsed.length) {
    return { ok: false, error: 'the JSON form must be a list of objects, each with a "name"' };
  }
  const entries: SelectionEntry[] = [];
  for (let i = 0; i < parsed.length; i++) {
    const el: unknown = parsed[i];
    if (typeof el !== 'object' || el === null || Array.isArray(el) || typeof (el as { name?: unknown }).name !== 'string') {
      return { ok: false, error: `element ${i} of the list is not an object with a string "name"` };
    }
    const fields = el as Record<string, unknown>;
    entries.push({
      name: fields.name as string,
      namespace: typeof fields.namespace === 'string' ? fields.namespace : undefined,
      interface: typeof fields.interface === 'string' ? fields.interface : undefined,
      fields,
      source: sources[i],
      form: 'json',
    });
  }
  return { ok: true, value: entries };
}

/** A managed entry: what this pipeline sets, then every other key the user wrote, in their order. */
export function managedEntryText(
  entry: SelectionEntry | undefined,
  nad: { name: string; namespace?: string },
  itfName: string,
  ips: string[],
  defaultRoute?: string[],
): string {
  // No prototype: a user's key such as `constructor` or `__proto__` is copied as written.
  const out = Object.create(null) as Record<string, unknown>;
  out.name = nad.name;
  if (nad.namespace) out.namespace = nad.namespace;
  out.interface = itfName;
  if (ips.length > 0) out.ips = ips;
  if (defaultRoute && defaultRoute.length > 0) out['default-route'] = defaultRoute;
  for (const [k, v] of Object.entries(entry?.fields ?? {})) {
    if (!(k in out) && k !== 'ips' && k !== 'namespace') out[k] = v;
  }
  return JSON.stringify(out);
}

/** The JSON text of an entry kept as the user wrote it (a short-form item becomes its JSON). */
export function keptEntryText(entry: SelectionEntry): string {
  if (entry.form === 'json') return entry.source;
  const out: Record<string, string> = { name: entry.name };
  if (entry.namespace) out.namespace = entry.namespace;
  if (entry.interface) out.interface = entry.interface;
  return JSON.stringify(out);
}

export function joinSelection(texts: string[]): string {
  return `[${texts.join(', ')}]`;
}
