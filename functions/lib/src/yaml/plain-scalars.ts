/**
 * How a plain (unquoted) scalar's text resolves: the one rule shared by the js-yaml schema
 * (scalar-schema.ts), the block parser (block-parser.ts) and the printers, so all three agree.
 */

/**
 * A plain scalar whose text some YAML reader could take for something other than the string or
 * number we would print for it: `0755` (octal in YAML 1.1), `1.10`, `yes`, `2024-01-01`, a 20-digit
 * integer. We keep the source text so a rewritten item prints it back unchanged, and so Kubernetes
 * (YAML 1.1) reads exactly what the user wrote.
 */
export class RawScalar {
  constructor(readonly source: string) {}
  toJSON(): string {
    return `\u0000raw:${this.source}`;
  }
  toString(): string {
    return this.source;
  }
  // js-yaml turns plain-object keys into "[object Object]"; a tag of our own makes it use toString,
  // so a key such as `y:` or `on:` keeps its text.
  get [Symbol.toStringTag](): string {
    return 'RawScalar';
  }
}

// Only plain scalars reach implicit types, so quoted strings always load as strings.
export const CANONICAL_INT = /^-?(?:0|[1-9][0-9]*)$/;
export const CANONICAL_FLOAT = /^-?(?:0|[1-9][0-9]*)\.[0-9]*[1-9]$/;

// Anything YAML 1.1 or 1.2 could resolve to a non-string: bool, null, int, float, timestamp.
export const AMBIGUOUS = new RegExp(
  [
    '^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF)$',
    '^(?:~|null|Null|NULL)$',
    '^[-+]?(?:0b[0-1_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(?::[0-5]?[0-9])*|[1-9][0-9_]*)$',
    '^[-+]?(?:[0-9][0-9_]*)?\\.[0-9_]*(?:[eE][-+]?[0-9]+)?$',
    '^[-+]?[0-9][0-9_]*(?:\\.[0-9_]*)?[eE][-+]?[0-9]+$',
    '^[-+]?(?:\\.inf|\\.Inf|\\.INF)$|^(?:\\.nan|\\.NaN|\\.NAN)$',
    '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:(?:[Tt]|[ \\t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\\.[0-9]*)?(?:[ \\t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)?$',
  ].join('|'),
);

export const resolvesNull = (s: string): boolean => s === 'null' || s === '';
export const resolvesBool = (s: string): boolean => s === 'true' || s === 'false';
export const resolvesInt = (s: string): boolean => CANONICAL_INT.test(s) && Number.isSafeInteger(Number(s));
export const resolvesFloat = (s: string): boolean => CANONICAL_FLOAT.test(s) && String(Number(s)) === s;
export const resolvesRaw = (s: string): boolean => AMBIGUOUS.test(s);

/**
 * Whether a first character can start anything but a string: every implicit form above starts
 * with one of `-+.0-9~` or a letter of y/n/t/f/o (bool and null spellings).
 */
function mayBeTyped(c: number): boolean {
  return (
    (c >= 48 && c <= 57) || // 0-9
    c === 45 || c === 43 || c === 46 || c === 126 || // - + . ~
    c === 121 || c === 89 || c === 110 || c === 78 || // y Y n N
    c === 116 || c === 84 || c === 102 || c === 70 || // t T f F
    c === 111 || c === 79 // o O
  );
}

/** Whether a string printed plain would read back as something else (js-yaml then quotes it). */
export function resolvesImplicitly(s: string): boolean {
  if (s === '') return true;
  if (!mayBeTyped(s.charCodeAt(0))) return false;
  return resolvesNull(s) || resolvesBool(s) || resolvesInt(s) || resolvesFloat(s) || resolvesRaw(s);
}

/** The value of a plain scalar, resolved in the schema's order: null, bool, int, float, raw, string. */
export function resolvePlain(s: string): unknown {
  if (s === '') return null;
  if (!mayBeTyped(s.charCodeAt(0))) return s;
  if (s === 'null') return null;
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (resolvesInt(s) || resolvesFloat(s)) return Number(s);
  if (resolvesRaw(s)) return new RawScalar(s);
  return s;
}
