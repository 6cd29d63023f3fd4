/**
 * Prints a value exactly as `yaml.dump(value, { schema: LOSSLESS_SCHEMA, lineWidth: -1, noRefs:
 * true, noArrayIndent: true })` does (scalar-schema.ts's dumpYaml), without js-yaml's per-node
 * state, type detection over every schema type and string concatenation of whole subtrees.
 *
 * It follows js-yaml's dumper rule by rule for what the functions print: plain objects, arrays,
 * strings, numbers, booleans, null and RawScalar. Anything else (a Map, a Date, a function, a key
 * js-yaml would write as an explicit `? ` key) returns undefined and the caller uses js-yaml.
 */
import { RawScalar, resolvesImplicitly } from './plain-scalars';

const UNSUPPORTED = { unsupported: true };

/** The printed document, or undefined when js-yaml must print it. */
export function printBlockYaml(value: unknown): string | undefined {
  const out: string[] = [];
  try {
    if (!writeNode(out, 0, value, true, false)) return '';
  } catch (e) {
    if (e === UNSUPPORTED) return undefined;
    throw e;
  }
  out.push('\n');
  return out.join('');
}

const INDENTS: string[] = [];
function newline(level: number): string {
  return (INDENTS[level] ??= `\n${'  '.repeat(level)}`);
}

const toStringOf = Object.prototype.toString;

/**
 * js-yaml's writeNode in block context: pushes the node's text; false for undefined (a mapping
 * entry js-yaml skips). `isBlockSeq` is true for a sequence's entries.
 */
function writeNode(out: string[], level: number, value: unknown, compact: boolean, isBlockSeq: boolean): boolean {
  switch (typeof value) {
    case 'string':
      out.push(scalar(value, level, false));
      return true;
    case 'number':
    case 'boolean':
      out.push(String(value));
      return true;
    case 'undefined':
      return false;
    case 'object':
      break;
    default:
      throw UNSUPPORTED;
  }
  if (value === null) {
    out.push('null');
    return true;
  }
  if (value instanceof RawScalar) {
    out.push(value.source);
    return true;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) out.push('[]');
    else writeSequence(out, isBlockSeq || level === 0 ? level : level - 1, value, compact);
    return true;
  }
  if (toStringOf.call(value) !== '[object Object]') throw UNSUPPORTED;
  const keys = Object.keys(value);
  if (keys.length === 0) out.push('{}');
  else writeMapping(out, level, value as Record<string, unknown>, keys, compact);
  return true;
}

function writeSequence(out: string[], level: number, list: readonly unknown[], compact: boolean): void {
  let first = true;
  for (let i = 0; i < list.length; i++) {
    if (!compact || !first) out.push(newline(level));
    const dash = out.length;
    out.push('- ');
    const v = list[i];
    writeNode(out, level + 1, v === undefined ? null : v, true, true);
    // js-yaml writes `-` (no space) before a node that starts on a new line.
    if (out.length > dash + 1 && out[dash + 1].charCodeAt(0) === 10) out[dash] = '-';
    first = false;
  }
}

function writeMapping(out: string[], level: number, map: Record<string, unknown>, keys: readonly string[], compact: boolean): void {
  let first = true;
  for (const key of keys) {
    const v = map[key];
    if (v === undefined) continue; // js-yaml skips the pair
    if (!compact || !first) out.push(newline(level));
    const k = scalar(key, level + 1, true);
    if (k.length > 1024) throw UNSUPPORTED; // an explicit `? ` key
    out.push(k);
    const colon = out.length;
    out.push(': ');
    writeNode(out, level + 1, v, false, false);
    if (out.length > colon + 1 && out[colon + 1].charCodeAt(0) === 10) out[colon] = ':';
    first = false;
  }
  if (first) out.push('{}');
}

/**
 * Printable ASCII that js-yaml's style rules always find plain-safe: no indicator first, no `#`,
 * no `: ` or ` #`, no space or colon last, no line break.
 */
const SIMPLE = /^[\w./][\w./@+=,()-]*(?:[ :][\w./@+=,()-]+)*$/;

const DEPRECATED_BOOLEANS = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'on', 'On', 'ON', 'n', 'N', 'no', 'No', 'NO', 'off', 'Off', 'OFF']);
const DEPRECATED_BASE60 = /^[-+]?[0-9_]+(?::[0-9_]+)+(?:\.[0-9_]*)?$/;

const STYLE_PLAIN = 1;
const STYLE_SINGLE = 2;
const STYLE_LITERAL = 3;
const STYLE_DOUBLE = 5;

/** js-yaml's writeScalar with lineWidth -1, single quotes preferred, block context. */
function scalar(s: string, level: number, isKey: boolean): string {
  // Most strings are words, names, paths and addresses: js-yaml prints them plain unless they
  // would read back as another type, and then in single quotes (the deprecated forms included).
  if (SIMPLE.test(s)) return resolvesImplicitly(s) || DEPRECATED_BASE60.test(s) ? `'${s}'` : s;
  if (s.length === 0) return "''";
  if (DEPRECATED_BOOLEANS.has(s) || DEPRECATED_BASE60.test(s)) return `'${s}'`;
  switch (chooseStyle(s, isKey)) {
    case STYLE_PLAIN:
      return s;
    case STYLE_SINGLE:
      return `'${s.replace(/'/g, "''")}'`;
    case STYLE_LITERAL: {
      const indent = 2 * Math.max(1, level);
      return `|${blockHeader(s)}${dropEndingNewline(indentString(s, indent))}`;
    }
    default:
      return `"${escapeString(s)}"`;
  }
}

function isPrintable(c: number): boolean {
  return (
    (c >= 0x20 && c <= 0x7e) ||
    (c >= 0xa1 && c <= 0xd7ff && c !== 0x2028 && c !== 0x2029) ||
    (c >= 0xe000 && c <= 0xfffd && c !== 0xfeff) ||
    (c >= 0x10000 && c <= 0x10ffff)
  );
}

const isWhitespace = (c: number): boolean => c === 32 || c === 9;

function isNsCharOrWhitespace(c: number): boolean {
  return isPrintable(c) && c !== 0xfeff && c !== 13 && c !== 10;
}

/** js-yaml's isPlainSafe in block context (`inblock`): flow indicators are allowed. */
function isPlainSafe(c: number, prev: number): boolean {
  const cIsNsCharOrWhitespace = isNsCharOrWhitespace(c);
  const cIsNsChar = cIsNsCharOrWhitespace && !isWhitespace(c);
  return (
    (cIsNsCharOrWhitespace && c !== 35 && !(prev === 58 && !cIsNsChar)) ||
    (isNsCharOrWhitespace(prev) && !isWhitespace(prev) && c === 35) ||
    (prev === 58 && cIsNsChar)
  );
}

function isPlainSafeFirst(c: number): boolean {
  if (!isPrintable(c) || c === 0xfeff || isWhitespace(c)) return false;
  switch (c) {
    case 45: case 63: case 58: case 44: case 91: case 93: case 123: case 125: case 35: case 38: case 42:
    case 33: case 124: case 61: case 62: case 39: case 34: case 37: case 64: case 96:
      return false;
    default:
      return true;
  }
}

const isPlainSafeLast = (c: number): boolean => !isWhitespace(c) && c !== 58;

function codePointAt(s: string, pos: number): number {
  const first = s.charCodeAt(pos);
  if (first >= 0xd800 && first <= 0xdbff && pos + 1 < s.length) {
    const second = s.charCodeAt(pos + 1);
    if (second >= 0xdc00 && second <= 0xdfff) return (first - 0xd800) * 0x400 + second - 0xdc00 + 0x10000;
  }
  return first;
}

function chooseStyle(s: string, singleLineOnly: boolean): number {
  let plain = isPlainSafeFirst(codePointAt(s, 0)) && isPlainSafeLast(codePointAt(s, s.length - 1));
  let hasLineBreak = false;
  let prev = -1;
  let c = 0;
  for (let i = 0; i < s.length; c >= 0x10000 ? (i += 2) : i++) {
    c = codePointAt(s, i);
    if (!singleLineOnly && c === 10) hasLineBreak = true;
    else if (!isPrintable(c)) return STYLE_DOUBLE;
    plain = plain && isPlainSafe(c, prev);
    prev = c;
  }
  if (!hasLineBreak) return plain && !resolvesImplicitly(s) ? STYLE_PLAIN : STYLE_SINGLE;
  return STYLE_LITERAL;
}

function blockHeader(s: string): string {
  const indentIndicator = /^\n* /.test(s) ? '2' : '';
  const clip = s[s.length - 1] === '\n';
  const keep = clip && (s[s.length - 2] === '\n' || s === '\n');
  const chomp = keep ? '+' : clip ? '' : '-';
  return `${indentIndicator}${chomp}\n`;
}

const dropEndingNewline = (s: string): string => (s[s.length - 1] === '\n' ? s.slice(0, -1) : s);

function indentString(s: string, spaces: number): string {
  const ind = ' '.repeat(spaces);
  let result = '';
  let position = 0;
  while (position < s.length) {
    const next = s.indexOf('\n', position);
    const line = next === -1 ? s.slice(position) : s.slice(position, next + 1);
    position = next === -1 ? s.length : next + 1;
    if (line.length && line !== '\n') result += ind;
    result += line;
  }
  return result;
}

const ESCAPES: Record<number, string> = {
  0x00: '\\0', 0x07: '\\a', 0x08: '\\b', 0x09: '\\t', 0x0a: '\\n', 0x0b: '\\v', 0x0c: '\\f', 0x0d: '\\r',
  0x1b: '\\e', 0x22: '\\"', 0x5c: '\\\\', 0x85: '\\N', 0xa0: '\\_', 0x2028: '\\L', 0x2029: '\\P',
};

function encodeHex(c: number): string {
  const hex = c.toString(16).toUpperCase();
  const [handle, length] = c <= 0xff ? ['x', 2] : c <= 0xffff ? ['u', 4] : ['U', 8];
  return `\\${handle}${'0'.repeat(length - hex.length)}${hex}`;
}

function escapeString(s: string): string {
  let result = '';
  let c = 0;
  for (let i = 0; i < s.length; c >= 0x10000 ? (i += 2) : i++) {
    c = codePointAt(s, i);
    const esc = ESCAPES[c];
    if (!esc && isPrintable(c)) {
      result += s[i];
      if (c >= 0x10000) result += s[i + 1];
    } else {
      result += esc || encodeHex(c);
    }
  }
  return result;
}
