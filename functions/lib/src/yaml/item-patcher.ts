/**
 * Rewrites only the changed parts of an item's YAML text.
 *
 * kpt restores comments and key order of an item it recognises, but takes every value from the
 * function's output, so a re-printed item would lose its quoting style and number spelling
 * (`"true"` -> `'true'`, `0x1F` -> `31`) in fields the function never touched. Instead the
 * original text is kept and only entries whose value changed are replaced, entry by entry, down
 * the block mappings. kpt sends items as block YAML (kyaml's layout), which is what this relies
 * on; anything it does not recognise returns undefined and the caller prints the whole item.
 */
import { dumpYaml } from './scalar-schema';
import { jsonEqual } from './json-equal';

type JsonLike = unknown;

interface Entry {
  key: string;
  /** First and one-past-last line of the entry (key line plus its value's lines). */
  start: number;
  end: number;
  /** The value is a block mapping starting on the next line, at this indent. */
  childIndent?: number;
}

const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;

const same = jsonEqual;

const indentOf = (line: string): number => line.length - line.trimStart().length;
const isFiller = (line: string): boolean => line.trim() === '' || line.trimStart().startsWith('#');

/** The key of a mapping entry line at `indent`, or undefined if the line is not one. */
function keyOf(line: string, indent: number): { key: string; rest: string } | undefined {
  if (indentOf(line) !== indent) return undefined;
  const body = line.slice(indent);
  if (body.startsWith('- ') || body === '-') return undefined;
  let m: RegExpExecArray | null;
  if ((m = /^"((?:[^"\\]|\\.)*)":(?: |$)(.*)$/.exec(body))) {
    try {
      return { key: JSON.parse(`"${m[1]}"`) as string, rest: m[2] };
    } catch {
      return undefined;
    }
  }
  if ((m = /^'((?:[^']|'')*)':(?: |$)(.*)$/.exec(body))) return { key: m[1].replace(/''/g, "'"), rest: m[2] };
  if ((m = /^([^\s#'"{[&*!|>%@`?-][^:#]*?|[-?][^\s:#][^:#]*?):(?: |$)(.*)$/.exec(body))) return { key: m[1], rest: m[2] };
  return undefined;
}

/** The entries of the block mapping whose keys sit at `indent` in lines [start, end). */
function entriesOf(lines: string[], start: number, end: number, indent: number): Entry[] | undefined {
  const entries: Entry[] = [];
  let i = start;
  while (i < end && isFiller(lines[i])) i++;
  while (i < end) {
    const k = keyOf(lines[i], indent);
    if (!k) return undefined;
    let j = i + 1;
    let lastContent = i;
    while (j < end) {
      const line = lines[j];
      if (isFiller(line)) {
        j++;
        continue;
      }
      const ind = indentOf(line);
      const compactSeqItem = ind === indent && /^- |^-$/.test(line.slice(ind));
      if (ind <= indent && !compactSeqItem) break;
      lastContent = j;
      j++;
    }
    const entry: Entry = { key: k.key, start: i, end: lastContent + 1 };
    const restIsEmpty = k.rest.trim() === '' || k.rest.trimStart().startsWith('#');
    if (restIsEmpty && lastContent > i) {
      let first = i + 1;
      while (isFiller(lines[first])) first++;
      const childIndent = indentOf(lines[first]);
      if (childIndent > indent && !/^- |^-$/.test(lines[first].slice(childIndent))) entry.childIndent = childIndent;
    }
    entries.push(entry);
    i = lastContent + 1;
    while (i < end && isFiller(lines[i])) i++;
  }
  return entries;
}

function dumpEntry(key: string, value: unknown, indent: number): string[] {
  const pad = ' '.repeat(indent);
  return dumpYaml({ [key]: value })
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => (l === '' ? l : pad + l));
}

function patchMapping(
  lines: string[],
  start: number,
  end: number,
  indent: number,
  before: Record<string, unknown>,
  after: Record<string, unknown>,
): string[] | undefined {
  const entries = entriesOf(lines, start, end, indent);
  if (!entries) return undefined;
  const textKeys = entries.map((e) => e.key);
  if (textKeys.length !== Object.keys(before).length || textKeys.some((k) => !(k in before))) return undefined;

  const out: string[] = [];
  let cursor = start;
  for (const e of entries) {
    out.push(...lines.slice(cursor, e.start));
    cursor = e.end;
    if (!(e.key in after)) continue; // removed
    const b = before[e.key];
    const a = after[e.key];
    if (same(a, b)) {
      out.push(...lines.slice(e.start, e.end));
    } else if (e.childIndent !== undefined && isPlainObject(a) && isPlainObject(b) && Object.keys(a).length > 0) {
      const inner = patchMapping(lines, e.start + 1, e.end, e.childIndent, b, a);
      if (!inner) return undefined;
      out.push(lines[e.start], ...inner);
    } else {
      out.push(...dumpEntry(e.key, a, indent));
    }
  }
  const tail = lines.slice(cursor, end);
  for (const key of Object.keys(after)) {
    if (!(key in before)) out.push(...dumpEntry(key, after[key], indent));
  }
  out.push(...tail);
  return out;
}

/**
 * `text` is the item as received, `before` the value it parsed to (as JSON), `after` the value to
 * write. Returns the patched text, or undefined when the text's layout is not understood.
 */
export function patchItemText(text: string, before: JsonLike, after: JsonLike): string | undefined {
  if (!isPlainObject(before) || !isPlainObject(after)) return undefined;
  const lines = text.replace(/\n$/, '').split('\n');
  const patched = patchMapping(lines, 0, lines.length, 0, before, after);
  return patched && `${patched.join('\n')}\n`;
}
