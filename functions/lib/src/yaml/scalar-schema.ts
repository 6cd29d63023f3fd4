import yaml from 'js-yaml';
import { checkDocumentSize, checkLoadedValue, YAML_LIMITS, YamlLimitError } from './limits';
import { NOT_IN_SUBSET, parseBlockYaml } from './block-parser';
import { printBlockYaml } from './block-printer';
import { RawScalar, resolvesBool, resolvesFloat, resolvesInt, resolvesNull, resolvesRaw } from './plain-scalars';

export { RawScalar } from './plain-scalars';

const nullType = new yaml.Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: resolvesNull,
  construct: () => null,
  predicate: (o: unknown) => o === null,
  represent: () => 'null',
});

const boolType = new yaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: resolvesBool,
  construct: (s: string) => s === 'true',
  predicate: (o: unknown) => typeof o === 'boolean',
  represent: (o: object) => String(o),
});

const intType = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: resolvesInt,
  construct: (s: string) => Number(s),
  predicate: (o: unknown) => typeof o === 'number' && Number.isInteger(o),
  represent: (o: object) => String(o),
});

const floatType = new yaml.Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: resolvesFloat,
  construct: (s: string) => Number(s),
  predicate: (o: unknown) => typeof o === 'number' && !Number.isInteger(o),
  represent: (o: object) => String(o),
});

const rawType = new yaml.Type('tag:netpipe.dev,2024:raw', {
  kind: 'scalar',
  resolve: resolvesRaw,
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
  // kpt's block layout goes through the block parser; it returns NOT_IN_SUBSET for anything it does
  // not cover, js-yaml then decides. What it returns has no aliases and nests at most 50 levels,
  // so checkLoadedValue could not fail on it.
  const fast = parseBlockYaml(text);
  if (fast !== NOT_IN_SUBSET) return fast;
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
  return printBlockYaml(value) ?? dumpWithJsYaml(value);
}

/** js-yaml's printing, which printBlockYaml reproduces for the values it covers. */
export function dumpWithJsYaml(value: unknown): string {
  return yaml.dump(value, {
    schema: LOSSLESS_SCHEMA,
    lineWidth: -1,
    noRefs: true,
    noArrayIndent: true,
  });
}
