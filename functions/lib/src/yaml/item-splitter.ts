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
  items: string[];
  /** Source of the other top-level fields (functionConfig, results...), keyed by field name. */
  fields: Map<string, string>;
}

const TOP_LEVEL_KEY = /^([A-Za-z_][\w.-]*):(?:\s|$)/;

export function splitResourceList(text: string): SplitResourceList | undefined {
  const lines = text.split('\n');
  const items: string[] = [];
  const fields = new Map<string, string>();
  let section: string | undefined;
  let current: string[] | undefined;
  let fieldLines: string[] = [];

  const closeItem = (): void => {
    if (current) items.push(dedentItem(current));
    current = undefined;
  };
  const closeField = (): void => {
    if (section && section !== 'items') fields.set(section, fieldLines.join('\n'));
    fieldLines = [];
  };

  for (const line of lines) {
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
      if (line.startsWith('- ') || line === '-') {
        closeItem();
        current = [line];
      } else if (line.startsWith('  ') || line.trim() === '' || line.startsWith('#')) {
        if (current) current.push(line);
        else if (line.trim() !== '' && !line.startsWith('#')) return undefined; // indented sequence
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
  return { items, fields };
}

function dedentItem(lines: string[]): string {
  const out = lines.map((line, i) => {
    if (i === 0) return line === '-' ? '' : line.slice(2);
    return line.startsWith('  ') ? line.slice(2) : line;
  });
  while (out.length > 0 && out[out.length - 1].trim() === '') out.pop();
  return out.join('\n') + '\n';
}

/** Indents an item's text back into a compact sequence entry. */
export function indentItem(text: string): string {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return lines.map((line, i) => (i === 0 ? `- ${line}` : line === '' ? '' : `  ${line}`)).join('\n') + '\n';
}
