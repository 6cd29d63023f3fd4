/**
 * The block parser and printer against js-yaml, which they stand in for: on generated documents
 * (values printed by js-yaml in several styles, then mutated line by line: comments, blank and
 * whitespace lines, indentation moved, quotes and colons inserted) the parser gives exactly
 * js-yaml's value or NOT_IN_SUBSET - never another value, never a value where js-yaml throws -
 * and the printer gives js-yaml's bytes. `YAML_RUNS=20000 npx jest block-yaml` for a longer run.
 */
import fc from 'fast-check';
import yaml from 'js-yaml';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NOT_IN_SUBSET, parseBlockYaml } from '../../src/yaml/block-parser';
import { printBlockYaml } from '../../src/yaml/block-printer';
import { RawScalar } from '../../src/yaml/plain-scalars';
import { dumpWithJsYaml, loadYaml, LOSSLESS_SCHEMA } from '../../src/yaml/scalar-schema';
import { splitResourceList } from '../../src/yaml/item-splitter';
import { jsonEqual } from '../../src/yaml/json-equal';

const RUNS = Number(process.env.YAML_RUNS ?? 1500);

/** A value as text that tells every kind apart (RawScalar, string, number, -0, null, key order, prototypes). */
function canon(v: unknown): string {
  if (v instanceof RawScalar) return `raw(${JSON.stringify(v.source)})`;
  if (typeof v === 'number') return Object.is(v, -0) ? 'num(-0)' : `num(${String(v)})`;
  if (typeof v === 'string') return `str(${JSON.stringify(v)})`;
  if (v === null || typeof v === 'boolean' || v === undefined) return String(v);
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (typeof v === 'object') {
    const proto = Object.getPrototypeOf(v) === Object.prototype ? '' : 'proto!';
    return `${proto}{${Object.keys(v).map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return `?${typeof v}`;
}

type Outcome = { value: string } | { error: true };

function jsYaml(text: string): Outcome {
  try {
    return { value: canon(yaml.load(text, { schema: LOSSLESS_SCHEMA })) };
  } catch {
    return { error: true };
  }
}

/** The property: the block parser agrees with js-yaml or steps aside. */
function agrees(text: string): void {
  const fast = parseBlockYaml(text);
  if (fast === NOT_IN_SUBSET) return;
  const reference = jsYaml(text);
  if ('error' in reference) throw new Error(`js-yaml rejects this text, the block parser read it:\n${text}`);
  expect(canon(fast)).toBe(reference.value);
}

const KEYS = [
  'a', 'name', 'null', 'Null', 'true', 'yes', 'on', 'n', '1', '-0', '1.10', '0x1F', '~', 'a b', 'a:b', 'a#b', 'a #b', '#a', ' a',
  'a ', '', '-a', '- a', '?a', ':a', "'a'", '"a"', '__proto__', '<<', 'constructor', 'ключ', 'k\u00e9y', 'a\tb', 'x'.repeat(20),
  'nephio.org/cluster-name', 'config.kubernetes.io/index', 'a/b', '{a}', '[a]', 'a,b', '*a', '&a', '!a', '%a', '@a', '`a',
];
const STRINGS = [
  ...KEYS, 'hello world', 'a: b', 'a:', ': a', 'a # b', 'line1\nline2', 'line1\nline2\n', 'a\n\nb\n\n', '\nlead', ' lead', 'trail ',
  '  two\n  lines\n', 'x\n  more\nless\n', 'tab\there', 'cr\r', 'nul\u0000', 'bell\u0007', 'nbsp\u00a0', 'ls\u2028', 'bom\ufeff', 'emoji \ud83d\ude00',
  'lone \ud800', 'é', '1:30', '1_0:20.5', '190:20:30', '10.1.3.3/24', '2001:db8::1/64', '0755', '1e3', '.inf', '2024-01-01', '12345678901234567890', '-', '--', '---', '...',
  "it's", 'say "hi"', 'back\\slash', '|', '>', '| x', '{"cniVersion":"0.3.1","type":"macvlan"}', '[1, 2]', 'a,b', '#', ' # c',
];

const scalarArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...STRINGS),
  fc.string({ unit: fc.constantFrom('a', 'b', ' ', ':', '#', '-', "'", '"', '\\', '\n', '0', '.', '|', '[', '{', ',', 'é', '\t', '~', 'y') }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('0755', '1.10', 'yes', '~', 'Null', '0x1F', '+1', '1_000', '2024-01-01').map((s) => new RawScalar(s)),
);

const valueArb: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  node: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalarArb, tie('list'), tie('map')),
  list: fc.array(tie('node'), { maxLength: 4 }),
  map: fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 6 })), tie('node')), { maxLength: 5 })
    .map((pairs) => {
      const o: Record<string, unknown> = {};
      for (const [k, v] of pairs) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      return o;
    }),
})).node;

/** Documents as js-yaml prints them, in kpt's layout and in others the parser must refuse or read alike. */
const STYLES: yaml.DumpOptions[] = [
  { lineWidth: -1, noRefs: true, noArrayIndent: true },
  { lineWidth: -1, noRefs: true },
  { lineWidth: 20, noRefs: true, noArrayIndent: true },
  { lineWidth: -1, noRefs: true, quotingType: '"', forceQuotes: true },
  { lineWidth: -1, noRefs: true, indent: 4 },
  { lineWidth: -1, noRefs: true, flowLevel: 2 },
];

function print(value: unknown, style: yaml.DumpOptions): string | undefined {
  try {
    return yaml.dump(value, { schema: LOSSLESS_SCHEMA, ...style });
  } catch {
    return undefined;
  }
}

/** Line-level edits that keep or break the document in the ways hand-written YAML does. */
const mutationArb = fc.array(
  fc.tuple(
    fc.nat(),
    fc.constantFrom(
      (l: string) => `${l} # comment`,
      (l: string) => `${l}#x`,
      (l: string) => `${l}   `,
      (l: string) => ` ${l}`,
      (l: string) => `  ${l}`,
      (l: string) => l.replace(/^ /, ''),
      (l: string) => l.replace(/^ {2}/, ''),
      (l: string) => `${l}\n`,
      (l: string) => `${l}\n  `,
      (l: string) => `${l}\n# c`,
      (l: string) => `${l}\n${' '.repeat(l.length - l.trimStart().length + 2)}# c`,
      (l: string) => `${l}\n${' '.repeat(l.length - l.trimStart().length + 2)}more`,
      (l: string) => `${l}\n${' '.repeat(l.length - l.trimStart().length)}- x`,
      (l: string) => `${l}\n${' '.repeat(l.length - l.trimStart().length)}k: v`,
      (l: string) => l.replace(': ', ':'),
      (l: string) => l.replace(': ', ' : '),
      (l: string) => l.replace(': ', ': &a '),
      (l: string) => l.replace(': ', ': !!str '),
      (l: string) => l.replace(': ', ': *a'),
      (l: string) => l.replace(': ', ": '"),
      (l: string) => l.replace(': ', ': "'),
      (l: string) => l.replace(': ', ': |\n'),
      (l: string) => l.replace(': ', ': |-\n   '),
      (l: string) => l.replace(': ', ': >\n  '),
      (l: string) => l.replace('- ', '-  '),
      (l: string) => l.replace('- ', '- - '),
      (l: string) => l.replace(/\S/, '? '),
      (l: string) => l.replace(/\S/, '\t'),
      (l: string) => `${l}\r`,
      () => '---',
      () => '',
      (l: string) => l.toUpperCase(),
    ),
  ),
  { maxLength: 3 },
);

function mutate(text: string, edits: [number, (l: string) => string][]): string {
  const lines = text.split('\n');
  for (const [at, edit] of edits) {
    const i = at % lines.length;
    lines.splice(i, 1, ...edit(lines[i]).split('\n'));
  }
  return lines.join('\n');
}

describe('block YAML parser', () => {
  it('reads what js-yaml reads, or steps aside, on printed and mutated documents', () => {
    fc.assert(
      fc.property(valueArb, fc.nat(STYLES.length - 1), mutationArb, fc.boolean(), (value, style, edits, asItem) => {
        let text = print(asItem ? [value] : value, STYLES[style]);
        if (text === undefined) return;
        agrees(text);
        text = mutate(text, edits);
        agrees(text);
        agrees(text.replace(/\n$/, ''));
      }),
      { numRuns: RUNS },
    );
  });

  it('reads block scalars, quoting and comments as js-yaml does', () => {
    const cases = [
      'a: |\n  x\n  y\nb: 1\n',
      'a: |-\n  x\n\n  y\n\n\nb: 1\n',
      'a: |\n    deeper\n  x\n',
      'a: |\n  x\n   more\n  y\n',
      '- |\n  x\n- |-\n  y\n',
      '- a: |\n    x\n  b: 2\n',
      'a: |\n\n  x\n',
      'a: |\n  # not a comment\n# a comment\nb: c\n',
      'a: "x\\ty\\u00e9\\x41\\"\\\\\\/"\nb: \'it\'\'s\'\n',
      'a: "unclosed\n  more"\n',
      'a: b # c\n# d\nc: [] # e\nd: {}\n',
      'a:\n- 1\n- 2\nb:\n  - 3\n',
      'a:\n  b:\n    c: d\n  e: f\n',
      'key with spaces: v\n"quoted key": v\n\'single\': v\n',
      '- \n- x\n-\n  a: 1\n',
      'a: 1\na: 2\n',
      '<<: {}\n',
      'a: b: c\n',
      'a: b\n  c\n',
      'a:\n  b\n',
      'x: -1\ny: -.5\nz: - a\n',
      'x: 1.0\ny: 1.5\nz: 007\nw: -0\nv: 1e3\n',
      '-0: a\n1.50: b\nnull: c\n',
    ];
    for (const text of cases) agrees(text);
  });

  it('reads every item of the example packages and the golden cases without js-yaml', () => {
    const root = join(__dirname, '..', '..', '..', '..');
    const files: string[] = [];
    const walk = (d: string): void => {
      for (const e of readdirSync(d)) {
        const p = join(d, e);
        if (statSync(p).isDirectory()) walk(p);
        else if (/\.ya?ml$|^Kptfile$/.test(e)) files.push(p);
      }
    };
    walk(join(root, 'packages'));
    walk(join(root, 'fixtures'));
    let read = 0;
    for (const f of files) {
      const text = readFileSync(f, 'utf8');
      if (text.includes('\n---')) continue;
      agrees(text);
      if (parseBlockYaml(text) !== NOT_IN_SUBSET) read++;
      const split = splitResourceList(text);
      if (split) for (const raw of split.raw) agrees(raw);
    }
    // kpt's own layout is the subset's reason to exist: nearly every file must be in it.
    expect(read).toBeGreaterThan(files.length * 0.8);
  });

  it('leaves the YAML limits to js-yaml: deep nesting and merge keys are not read here', () => {
    const deep = Array.from({ length: 60 }, (_, i) => `${'  '.repeat(i)}k:`).join('\n') + ' 1\n';
    expect(parseBlockYaml(deep)).toBe(NOT_IN_SUBSET);
    expect(() => loadYaml('a: 1\n<<: {}\n')).toThrow(/merge keys/);
    const deeper = Array.from({ length: 120 }, (_, i) => `${'  '.repeat(i)}k:`).join('\n') + ' 1\n';
    expect(() => loadYaml(deeper)).toThrow(/nest deeper than 100/);
  });
});

describe('block YAML printer', () => {
  it('prints what js-yaml prints', () => {
    fc.assert(
      fc.property(fc.oneof(valueArb, fc.array(valueArb)), (value) => {
        let reference: string | undefined;
        try {
          reference = dumpWithJsYaml(value);
        } catch {
          reference = undefined;
        }
        const fast = printBlockYaml(value);
        if (reference === undefined) expect(fast).toBeUndefined();
        else if (fast !== undefined) expect(fast).toBe(reference);
      }),
      { numRuns: RUNS },
    );
  });

  it('prints undefined entries, empty collections and long keys as js-yaml does', () => {
    const values: unknown[] = [
      { a: undefined, b: [undefined, 1], c: {}, d: [], e: { f: undefined } },
      [[1, [2, []]], { a: [{ b: 'x\ny' }] }],
      { ['k'.repeat(1100)]: 1 },
      { s: ' \n', t: '\n', u: 'a\n\n', v: '\n\nx' },
      new RawScalar('0755'),
      'plain',
      null,
    ];
    for (const v of values) {
      const fast = printBlockYaml(v);
      if (fast !== undefined) expect(fast).toBe(dumpWithJsYaml(v));
    }
    expect(printBlockYaml({ m: new Map() })).toBeUndefined();
  });
});

describe('jsonEqual', () => {
  it('answers what comparing the two JSON texts answers', () => {
    const tweak = fc.constantFrom(
      (v: unknown) => v,
      (v: unknown) => (Array.isArray(v) ? [...v, undefined] : v),
      (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...v, extra: undefined } : v),
      (v: unknown) => (typeof v === 'object' && v !== null && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).reverse()) : v),
      (v: unknown) => (v instanceof RawScalar ? v.toJSON() : v),
      (v: unknown) => (typeof v === 'number' ? -v : v),
      () => NaN,
      () => null,
    );
    fc.assert(
      fc.property(valueArb, tweak, fc.boolean(), (value, change, copy) => {
        const other = change(copy ? JSON.parse(JSON.stringify(value ?? null), (_k, v: unknown) => v) : value);
        expect(jsonEqual(value, other)).toBe(JSON.stringify(value) === JSON.stringify(other));
        expect(jsonEqual(other, value)).toBe(JSON.stringify(value) === JSON.stringify(other));
      }),
      { numRuns: RUNS },
    );
  });
});
