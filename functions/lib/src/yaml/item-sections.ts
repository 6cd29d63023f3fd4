/**
 * What can be read of one item's text without parsing it: its top-level keys, and apiVersion and
 * kind when they are written as plain words. Used to parse an item only when a function reads
 * more of it than its kind.
 *
 * kpt sends items in kyaml's block layout: each top-level key at the item's column 0, everything
 * belonging to it indented below it (or a compact sequence, `- ` at column 0). An item in any other
 * layout - a line indented by less than the item, a quoted or complex key, a value opening a quote
 * or flow collection it does not close on its line, a duplicate key - returns undefined and is
 * parsed whole, at once.
 */
export interface ItemHeader {
  apiVersion: string;
  kind: string;
  /** Top-level keys, in order. */
  keys: string[];
}

const KEY_LINE = /^([A-Za-z_][\w./-]*):(?: +(.*))?$/;
const CLOSED_DOUBLE = /^"(?:[^"\\]|\\.)*"\s*(?:#.*)?$/;
const CLOSED_SINGLE = /^'(?:[^']|'')*'\s*(?:#.*)?$/;
const CLOSED_FLOW = /^[[{].*[\]}]\s*(?:#.*)?$/;
/** A line of the item not indented by the item's two columns (blank lines aside). */
const LESS_INDENTED = /\n(?! {2}|\n)/;
/**
 * Lines at the item's column 0 that are neither a comment nor a compact sequence entry: where
 * top-level entries begin. Group 1 is the line without the item's indentation.
 */
const COLUMN_ZERO = /\n {2}((?:[^ #\n-]|-[^ \n])[^\n]*)/g;
/** What follows a one-line entry: the next column-0 entry, a comment, or the end. */
const ENTRY_ENDS = /^(?:$|\n {2}(?:[^ \n-]|-[^ \n]))/;

const PLAIN_WORD = /^[A-Za-z][\w./-]*$/;
// Plain words some YAML reader would not take for a string (bool and null spellings).
const NOT_A_STRING = /^(?:y|n|yes|no|true|false|on|off|null)$/i;

/** `raw` is the item as it stands in the ResourceList: `- ` before the first line, the others indented by two. */
export function headerOf(raw: string): ItemHeader | undefined {
  if (!raw.startsWith('- ') || LESS_INDENTED.test(raw)) return undefined;
  const keys: string[] = [];
  const seen = new Set<string>();
  let apiVersion: string | undefined;
  let kind: string | undefined;
  let metadata = false;
  const entry = (line: string, lineEnd: number): boolean => {
    const m = KEY_LINE.exec(line);
    if (!m || seen.has(m[1])) return false;
    const key = m[1];
    const inline = (m[2] ?? '').trim();
    const first = inline.charAt(0);
    if (first === '"' && !CLOSED_DOUBLE.test(inline)) return false;
    if (first === "'" && !CLOSED_SINGLE.test(inline)) return false;
    if ((first === '[' || first === '{') && !CLOSED_FLOW.test(inline)) return false;
    if (key === 'apiVersion' || key === 'kind') {
      const v = simpleString(inline);
      // One line, no continuation below it: the word is the whole value.
      if (v === undefined || !ENTRY_ENDS.test(raw.slice(lineEnd, lineEnd + 5))) return false;
      if (key === 'apiVersion') apiVersion = v;
      else kind = v;
    } else if (key === 'metadata') {
      // A block mapping below the key (indented further, not a list), or a flow mapping.
      const opens = inline === '' || inline.startsWith('#') ? /^\n {3,}[^\s#-]/.test(raw.slice(lineEnd, lineEnd + 80)) : first === '{';
      if (!opens) return false;
      metadata = true;
    }
    seen.add(key);
    keys.push(key);
    return true;
  };
  const firstEnd = raw.indexOf('\n') < 0 ? raw.length : raw.indexOf('\n');
  if (!entry(raw.slice(2, firstEnd), firstEnd)) return undefined;
  COLUMN_ZERO.lastIndex = 0;
  for (let m = COLUMN_ZERO.exec(raw); m; m = COLUMN_ZERO.exec(raw)) {
    if (!entry(m[1], m.index + m[0].length)) return undefined;
  }
  if (apiVersion === undefined || kind === undefined || !metadata) return undefined;
  return { apiVersion, kind, keys };
}

/**
 * The string value of a one-line `key: value` entry when it is a plain word or a simply quoted one
 * (`v1`, `apps/v1`, `"Kptfile"`); undefined when only a parser can tell.
 */
export function simpleString(inline: string): string | undefined {
  if (PLAIN_WORD.test(inline)) return NOT_A_STRING.test(inline) ? undefined : inline;
  const q = inline.charAt(0);
  if ((q === '"' || q === "'") && inline.length >= 2 && inline.charAt(inline.length - 1) === q) {
    const body = inline.slice(1, -1);
    if (/^[\w./-]*$/.test(body)) return body;
  }
  return undefined;
}

/** The item's text at its own indentation (headerOf vouched every line is indented by two). */
export function dedentRaw(raw: string): string {
  return `${raw.slice(2).replace(/\n {2}/g, '\n')}\n`;
}
