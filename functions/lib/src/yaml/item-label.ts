/**
 * What an item is, read from its raw text: for messages about an item that could not be loaded
 * (invalid YAML, over a limit), where no parsed object exists to name it. Best effort by pattern;
 * only top-level `kind`, `metadata.name` and kpt's path annotations are looked for.
 */
export interface ItemSource {
  kind?: string;
  name?: string;
  path?: string;
}

const unquote = (s: string): string => s.trim().replace(/^(['"])(.*)\1$/, '$2');

export function itemSource(text: string): ItemSource {
  const head = text.length > 65536 ? text.slice(0, 65536) : text;
  const out: ItemSource = {};
  const kind = /^kind:[ \t]*([^\n#]+)/m.exec(head);
  if (kind) out.kind = unquote(kind[1]);
  const meta = /^metadata:[ \t]*\n((?:[ \t]+[^\n]*\n?)*)/m.exec(head);
  const name = meta && /^([ \t]+)name:[ \t]*([^\n#]+)/m.exec(meta[1]);
  if (name) out.name = unquote(name[2]);
  const path = /(?:internal\.)?config\.kubernetes\.io\/path:[ \t]*([^\n#]+)/.exec(head);
  if (path) out.path = unquote(path[1]);
  return out;
}

/** `item 3 (ConfigMap bomb, file bomb.yaml)`, with what could be found. */
export function itemLabel(text: string, index: number): string {
  const s = itemSource(text);
  const what = [s.kind && s.name ? `${s.kind} ${s.name}` : s.kind ?? s.name, s.path ? `file ${s.path}` : undefined].filter(Boolean);
  return what.length > 0 ? `item ${index} (${what.join(', ')})` : `item ${index}`;
}
