import yaml from 'js-yaml';
import { checkDocumentSize, checkLoadedValue, YAML_LIMITS, YamlLimitError } from './limits';

/**
 * A plain (unquoted) scalar whose text some YAML reader could take for something other than the
 * string or number we would print for it: `0755` (octal in YAML 1.1), `1.10`, `yes`, `2024-01-01`,
 * a 20-digit integer. We keep the source text so a rewritten item prints it back unchanged, and so
 * Kubernetes (YAML 1.1) reads exactly what the user wrote.
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
const CANONICAL_INT = /^-?(?:0|[1-9][0-9]*)$/;
const CANONICAL_FLOAT = /^-?(?:0|[1-9][0-9]*)\.[0-9]*[1-9]$/;

// Anything YAML 1.1 or 1.2 could resolve to a non-string: bool, null, int, float, timestamp.
const AMBIGUOUS = new RegExp(
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

const nullType = new yaml.Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (s: string) => s === 'null' || s === '',
  construct: () => null,
  predicate: (o: unknown) => o === null,
  represent: () => 'null',
});

const boolType = new yaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (s: string) => s === 'true' || s === 'false',
  construct: (s: string) => s === 'true',
  predicate: (o: unknown) => typeof o === 'boolean',
  represent: (o: object) => String(o),
});

const intType = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (s: string) => CANONICAL_INT.test(s) && Number.isSafeInteger(Number(s)),
  construct: (s: string) => Number(s),
  predicate: (o: unknown) => typeof o === 'number' && Number.isInteger(o),
  represent: (o: object) => String(o),
});

const floatType = new yaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (s: string) => CANONICAL_FLOAT.test(s) && String(Number(s)) === s,
  construct: (s: string) => Number(s),
  predicate: (o: unknown) => typeof o === 'number' && !Number.isInteger(o),
  represent: (o: object) => String(o),
});

const rawType = new yaml.Type('tag:netpipe.dev,2024:raw', {
  kind: 'scalar',
  resolve: (s: string) => AMBIGUOUS.test(s),
  construct: (s: string) => new RawScalar(s),
  instanceOf: RawScalar,
  represent: (o: object) => (o as RawScalar).source,
});

/**
 * YAML 1.2 failsafe plus only the canonical null/bool/int/float forms; every other plain scalar
 * that looks typed loads as a RawScalar. When dumping, a *string* that matches any of these
 * patterns is quoted (js-yaml quotes strings an implicit type would resolve), so a quoted `"yes"`
 * stays a string for every reader.
 */
export const LOSSLESS_SCHEMA = yaml.FAILSAFE_SCHEMA.extend({
  implicit: [nullType, boolType, intType, floatType, rawType],
});

/**
 * Loads one document within YAML_LIMITS (size, aliases expanded, depth, no merge keys); a
 * YamlLimitError says which. `maxBytes` is for callers that load a whole ResourceList at once.
 */
export function loadYaml(text: string, maxBytes: number = YAML_LIMITS.maxDocumentBytes): unknown {
  if (maxBytes === YAML_LIMITS.maxDocumentBytes) checkDocumentSize(text);
  let value: unknown;
  try {
    // js-yaml 4.3 stops at its own depth limit (`maxDepth`, not yet in its typings) before recursing far.
    const options: yaml.LoadOptions & { maxDepth: number } = { schema: LOSSLESS_SCHEMA, maxDepth: YAML_LIMITS.maxDepth };
    value = yaml.load(text, options);
  } catch (e) {
    const depth = `mappings and lists nest deeper than ${YAML_LIMITS.maxDepth} levels`;
    if (e instanceof RangeError) throw new YamlLimitError(depth);
    if (e instanceof yaml.YAMLException) {
      if (/maxDepth/.test(e.reason)) throw new YamlLimitError(depth);
      // The reason and where, without js-yaml's snippet (a line of a hostile document can be huge).
      const at = e.mark ? ` at line ${e.mark.line + 1}, column ${e.mark.column + 1}` : '';
      throw new Error(`${e.reason}${at}`);
    }
    throw e;
  }
  checkLoadedValue(value, text.length);
  return value;
}

export function dumpYaml(value: unknown): string {
  return yaml.dump(value, {
    schema: LOSSLESS_SCHEMA,
    lineWidth: -1,
    noRefs: true,
    noArrayIndent: true,
  });
}
