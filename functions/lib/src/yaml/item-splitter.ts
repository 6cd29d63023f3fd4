/**
 * Splits a ResourceList document into the source text of each item, without parsing it.
 *
 * kpt (kyaml) serialises a ResourceList with top-level keys at column 0 and `items` as a compact
 * sequence (`- ` at column 0). Keeping each item's exact text is what lets an item the function
 * did not change go back byte-for-byte; parsing and re-printing it would normalise quoting and
 * numbers. Input in any other layout returns undefined and the caller falls back to a full parse.
 */
export interface SplitResourceList {
  /** Item texts, each dedented so it parses as a document of its own. */
  readonly items: string[];
  /**
   * Each item's text as it stands in the ResourceList (`- ` first, the rest indented), without its
   * last newline and trailing blank lines: a slice of the input, no line copied.
   */
  raw: string[];
  /** Source of the other top-level fields (functionConfig, results...), keyed by field name. */
  fields: Map<string, string>;
}

const TOP_LEVEL_KEY = /^([A-Za-z_][\w.-]*):(?:\s|$)/;

const SPACES = / */y;

/** Whether text[from, to) is blank (what String.trim would empty). */
function isBlank(text: string, from: number, to: number): boolean {
  // Item lines are indented: skip the spaces natively; most lines then show a printable character.
  SPACES.lastIndex = from;
  SPACES.test(text);
  from = SPACES.lastIndex;
  if (from >= to) return true;
  const first = text.charCodeAt(from);
  if (first > 32 && first < 127) return false;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13 && c !== 10 && c !== 12 && c !== 11 && c !== 0xa0 && c !== 0xfeff) {
      return c < 128 ? false : text.slice(i, i + 1).trim() === '' ? isBlank(text, i + 1, to) : false;
    }
  }
  return true;
}

/**
 * Walks the lines by offset: the item lines (nearly all of the input) are only looked at for
 * their first characters, and each item is one slice of the input.
 */
export function splitResourceList(text: string): SplitResourceList | undefined {
  const raw: string[] = [];
  const fields = new Map<string, string>();
  let section: string | undefined;
  let itemStart = -1;
  /** End of the current item's last non-blank line. */
  let itemEnd = -1;
  let fieldLines: string[] = [];

  const closeItem = (): void => {
    if (itemStart >= 0) raw.push(text.slice(itemStart, itemEnd));
    itemStart = -1;
  };
  const closeField = (): void => {
    if (section && section !== 'items') fields.set(section, fieldLines.join('\n'));
    fieldLines = [];
  };

  for (let pos = 0; pos <= text.length; ) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const next = end + 1;
    const c = pos < end ? text.charCodeAt(pos) : -1;
    if (section === 'items' && (c === 32 || c === 45 || c === -1)) {
      if (c === 45 && (end === pos + 1 || text.charCodeAt(pos + 1) === 32)) {
        closeItem();
        itemStart = pos;
        itemEnd = end;
      } else if (c === 32 && end > pos + 1 && text.charCodeAt(pos + 1) === 32) {
        if (itemStart < 0) {
          if (!isBlank(text, pos, end)) return undefined; // indented sequence
        } else if (!isBlank(text, pos, end)) itemEnd = end;
      } else if (!isBlank(text, pos, end)) {
        return undefined;
      }
      pos = next;
      continue;
    }
    const line = text.slice(pos, end);
    pos = next;
    if (line === '---' || line === '...') {
      if (section === undefined) continue;
      return undefined; // several documents: not a single ResourceList
    }
    const top = TOP_LEVEL_KEY.exec(line);
    if (top) {
      closeItem();
      closeField();
      section = top[1];
      if (section === 'items') {
        const rest = line.slice(top[0].length).trim();
        if (rest === '[]') section = 'items-empty';
        else if (rest !== '' && !rest.startsWith('#')) return undefined;
      } else {
        fieldLines = [line];
      }
      continue;
    }
    if (section === 'items') {
      if (line.trim() === '' || line.startsWith('#')) {
        // A blank line or a comment at column 0 belongs to the item (not to its last content).
        if (itemStart >= 0 && line.startsWith('#')) itemEnd = pos - 1;
      } else {
        return undefined;
      }
    } else if (section !== undefined) {
      fieldLines.push(line);
    } else if (line.trim() !== '' && !line.startsWith('#')) {
      return undefined;
    }
  }
  closeItem();
  closeField();
  fields.delete('items-empty');
  return {
    raw,
    fields,
    // Dedenting is work: done only when asked for (the reader dedents the items it parses).
    get items() {
      return raw.map((r) => `${dedentLines(r.split('\n')).join('\n')}\n`);
    },
  };
}

/** An item's lines at its own indentation, so they parse as a document of their own. */
export function dedentLines(lines: readonly string[]): string[] {
  const out = lines.map((line, i) => {
    if (i === 0) return line === '-' ? '' : line.slice(2);
    return line.startsWith('  ') ? line.slice(2) : line;
  });
  while (out.length > 0 && out[out.length - 1].trim() === '') out.pop();
  return out;
}

/**
 * The item's text as `indentItem` would print its dedented text, or undefined when the two differ
 * (a line indented by less than the item, such as a comment at column 0).
 */
export function reindentedText(raw: string): string | undefined {
  if (!raw.startsWith('- ') || /\n(?!\n| {2}[^\n])/.test(raw)) return undefined;
  return `${raw}\n`;
}

/** Indents an item's text back into a compact sequence entry. */
export function indentItem(text: string): string {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  // Every line but the first and the empty ones gets two spaces (one native pass, no line array).
  return `- ${body.replace(/\n(?!\n|$)/g, '\n  ')}\n`;
}
