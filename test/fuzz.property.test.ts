/**
 * Fuzzing as a standing test: valid packages mutated at random (fields deleted, duplicated,
 * retyped; long and odd names; random CIDRs; YAML oddities) go through the four functions in
 * process, step by step as kpt runs them. Every step either succeeds, and then the allocation
 * invariants hold (an address at most once per network instance, inside a pool of it; the same
 * input gives the same bytes), or fails with error results, exit code 1 and its input items back
 * unchanged. Never an internal error, never a stack trace, never a run without bound.
 *
 * `FUZZ_RUNS=5000 npx jest test/fuzz` for a longer run; `FUZZ_SEED` replays one.
 */
import fc from 'fast-check';
import { join } from 'node:path';
import { runOnText } from '../functions/lib/src/runner';
import { collectPools, isIPClaim, isObject, scalarText } from '../functions/lib/src';
import { ResourceListReader } from '../functions/lib/src/resource-list';
import { dumpYaml } from '../functions/lib/src/yaml/scalar-schema';
import { parseAddressWithLength } from '../functions/lib/src/ipam/address';
import { FUNCTIONS } from './support/functions';
import { kptSource } from './support/kpt';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
/** A hang detector, not a speed test: a run of this package takes milliseconds. */
const MAX_STEP_MS = 20_000;

const BASES = ['pipeline/multi-cluster', 'pipeline/nephio-networks', 'pipeline/cursor-deleted-release-not-reused'].map((c) =>
  kptSource(join(__dirname, '..', 'fixtures', c)),
);

type Json = unknown;

/** Items of a ResourceList text, as plain JSON (RawScalars as their text). */
function itemsOfText(text: string): Json[] {
  const reader = new ResourceListReader();
  return reader.read(text).items.map((o) => JSON.parse(JSON.stringify(o, (_k, v: unknown) => (isObject(v) || Array.isArray(v) ? v : scalarText(v) ?? v))) as Json);
}

const BASE_ITEMS = BASES.map(itemsOfText);

/** Every path to a value inside an item (objects and lists), for picking one at random. */
function paths(v: Json, prefix: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (Array.isArray(v)) v.forEach((c, i) => (out.push([...prefix, i]), paths(c, [...prefix, i], out)));
  else if (isObject(v)) for (const [k, c] of Object.entries(v)) {
      out.push([...prefix, k]);
      paths(c, [...prefix, k], out);
    }
  return out;
}

function setAt(root: Json, path: (string | number)[], value: Json | undefined): void {
  let cur = root as Record<string | number, Json>;
  for (const p of path.slice(0, -1)) cur = cur[p] as Record<string | number, Json>;
  const last = path[path.length - 1];
  if (value === undefined) {
    if (Array.isArray(cur)) cur.splice(last as number, 1);
    else delete cur[last];
  } else if (last === '__proto__') Object.defineProperty(cur, last, { value, enumerable: true, writable: true, configurable: true });
  else cur[last] = value;
}

const oddName = fc.constantFrom(
  'a'.repeat(300),
  'x'.repeat(64),
  `n${'1'.repeat(15)}`,
  'N3',
  'n_3',
  'n 3',
  'ñ3',
  '',
  '-n3',
  'n3.',
  'a.b',
  '__proto__',
  'constructor',
  'toString',
  'default',
  '0755',
  'yes',
);
const cidr = fc.oneof(
  fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 33 })).map(([a, l]) => `${a}/${l}`),
  fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 129 })).map(([a, l]) => `${a}/${l}`),
  fc.constantFrom('0.0.0.0/8', '::ffff:10.0.0.0/120', '10.0.0.0/31', '10.0.0.0/32', '2001:db8::/127', '10.3.0.0/24', '10.3.0.2/24', 'fe80::/64', 'garbage', ''),
);
const oddValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1e21, '', 'yes', '0755', '1.10', '~', [], {}, [null], { name: null }, 'a'.repeat(500)),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  oddName,
  cidr,
);

type Mutation =
  | { op: 'delete' | 'retype'; item: number; path: number; value: Json }
  | { op: 'duplicate' | 'remove'; item: number }
  | { op: 'rename'; item: number; name: string }
  | { op: 'cidr'; item: number; path: number; cidr: string }
  | { op: 'yaml'; item: number; oddity: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom<'delete' | 'retype'>('delete', 'retype'), item: fc.nat(), path: fc.nat(), value: oddValue }),
  fc.record({ op: fc.constantFrom<'duplicate' | 'remove'>('duplicate', 'remove'), item: fc.nat() }),
  fc.record({ op: fc.constant<'rename'>('rename'), item: fc.nat(), name: oddName }),
  fc.record({ op: fc.constant<'cidr'>('cidr'), item: fc.nat(), path: fc.nat(), cidr }),
  fc.record({ op: fc.constant<'yaml'>('yaml'), item: fc.nat(), oddity: fc.nat() }),
);

/** Text-level oddities on one item's YAML: what a hand-edited file may hold. */
const YAML_ODDITIES: Array<(text: string) => string> = [
  (t) => t.replace(/^(\s*)name: (.*)$/m, '$1name: &n $2\n$1alias: *n'),
  (t) => t.replace(/^(\s*)(\w+): (.*)$/m, '$1$2: $3\n$1$2: $3'), // duplicate key
  (t) => t.replace(/^metadata:$/m, 'base: &b {x: 1}\nmetadata:\n  <<: *b'), // merge key
  (t) => t.replace(/^spec:$/m, `deep: ${'['.repeat(150)}${']'.repeat(150)}\nspec:`),
  (t) => t.replace(/^(\s*)(\w+): (.*)$/m, '$1$2: !!binary aGVsbG8='),
  (t) => t.replace(/: (\S+)$/m, ': "$1'), // unterminated quote
  (t) => t.replace(/^(\s*)(\w+): /m, '$1$2:\t'),
  (t) => `${t}extra: &a [*a]\n`,
  (t) => t.replace(/^kind: .*$/m, 'kind: [not, a, kind]'),
];

/** One item list as a ResourceList text, each item printed as a function would print it. */
function toResourceList(items: Json[], oddities: Map<number, number>): string | undefined {
  const texts: string[] = [];
  items.forEach((item, i) => {
    let t = dumpYaml(item);
    const o = oddities.get(i);
    if (o !== undefined) t = YAML_ODDITIES[o % YAML_ODDITIES.length](t);
    texts.push(`${t.replace(/\n$/, '').split('\n').map((l, j) => (j === 0 ? `- ${l}` : `  ${l}`)).join('\n')}\n`);
  });
  return `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${texts.join('')}`;
}

function mutate(base: Json[], mutations: Mutation[]): string | undefined {
  const items = JSON.parse(JSON.stringify(base)) as Json[];
  const oddities = new Map<number, number>();
  for (const m of mutations) {
    if (items.length === 0) break;
    const i = m.item % items.length;
    const item = items[i];
    const ps = paths(item);
    switch (m.op) {
      case 'delete':
        if (ps.length > 0) setAt(item, ps[m.path % ps.length], undefined);
        break;
      case 'retype':
        if (ps.length > 0) setAt(item, ps[m.path % ps.length], m.value);
        break;
      case 'duplicate':
        items.splice(i, 0, JSON.parse(JSON.stringify(item)) as Json);
        break;
      case 'remove':
        items.splice(i, 1);
        break;
      case 'rename':
        if (isObject(item) && isObject(item.metadata)) item.metadata.name = m.name;
        break;
      case 'cidr': {
        const prefixes = ps.filter((p) => /prefix|gateway|exclude/.test(String(p[p.length - 1])) || /exclude/.test(p.join('.')));
        if (prefixes.length > 0) setAt(item, prefixes[m.path % prefixes.length], m.cidr);
        break;
      }
      case 'yaml':
        oddities.set(i, m.oddity);
        break;
    }
  }
  // Keep every item an object: a bare scalar item is not a resource at all.
  return toResourceList(items.filter((o) => isObject(o)), oddities);
}

const itemsPart = (rl: string): string => {
  const at = rl.indexOf('\nresults:\n');
  return at < 0 ? rl : rl.slice(0, at + 1);
};

/** Network claims' addresses: unique per network instance, inside a pool of it. */
function checkAllocations(text: string): void {
  const items = new ResourceListReader().read(text).items;
  const pools = collectPools(items).pools;
  const seen = new Map<string, string>();
  for (const o of items) {
    if (!isIPClaim(o) || !isObject(o.status) || !isObject(o.spec)) continue;
    if ((scalarText(o.spec.kind) ?? 'network') !== 'network') continue;
    const prefix = scalarText(o.status.prefix);
    const ni = isObject(o.spec.networkInstance) ? scalarText(o.spec.networkInstance.name) : undefined;
    if (!prefix || !ni) continue;
    const parsed = parseAddressWithLength(prefix);
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) continue;
    const key = `${ni}|${parsed.value.value}|${parsed.value.family}`;
    const name = `${scalarText(o.metadata.namespace) ?? ''}/${scalarText(o.metadata.name) ?? ''}`;
    const other = seen.get(key);
    if (other !== undefined) throw new Error(`address ${prefix} of ${ni} held by ${other} and ${name}`);
    seen.set(key, name);
    const inPool = pools.some((p) => p.networkInstance === ni && p.pool.family === parsed.value.family && p.pool.contains(parsed.value.value));
    if (!inPool) throw new Error(`${name} holds ${prefix}, outside every pool of ${ni}`);
  }
}

/** The four steps as kpt runs them; each step's promises checked. Returns the last good output. */
function pipeline(input: string, stderr: string[]): { text: string; failedAt?: string } {
  let current = input;
  for (const [name, transform] of Object.entries(FUNCTIONS)) {
    const start = Date.now();
    const out = runOnText(name, transform, current);
    expect(Date.now() - start).toBeLessThan(MAX_STEP_MS);
    for (const r of out.results) {
      expect(r.message).not.toMatch(/internal error|Please report it|\n\s+at /);
      expect(['error', 'warning', 'info']).toContain(r.severity);
    }
    expect(stderr).toEqual([]);
    const failed = out.results.some((r) => r.severity === 'error');
    expect(out.exitCode).toBe(failed ? 1 : 0);
    if (failed) {
      expect(itemsPart(out.stdout)).toBe(itemsPart(current));
      return { text: current, failedAt: name };
    }
    current = out.stdout;
  }
  return { text: current };
}

describe('fuzz: mutated packages through the four functions', () => {
  const stderr: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  beforeAll(() => {
    process.stderr.write = ((chunk: string | Uint8Array): boolean => {
      stderr.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
  });
  afterAll(() => {
    process.stderr.write = write;
  });

  it('the unmutated packages render cleanly', () => {
    for (const base of BASE_ITEMS) {
      const input = toResourceList(base, new Map())!;
      const r = pipeline(input, stderr);
      expect(r.failedAt).toBeUndefined();
      checkAllocations(r.text);
    }
  });

  it(`every run succeeds with its invariants or fails cleanly (${RUNS} runs)`, () => {
    const outcomes = { ok: 0, failed: 0 };
    fc.assert(
      fc.property(fc.nat({ max: BASE_ITEMS.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 4 }), (b, mutations) => {
        const input = mutate(BASE_ITEMS[b], mutations);
        if (input === undefined) return;
        const first = pipeline(input, stderr);
        // Determinism: the same input gives the same bytes.
        const again = pipeline(input, stderr);
        expect(again.text).toBe(first.text);
        if (first.failedAt !== undefined) {
          outcomes.failed++;
          return;
        }
        outcomes.ok++;
        checkAllocations(first.text);
      }),
      { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
    );
    // Both kinds of run happen: the mutations neither always break nor never break the packages.
    expect(outcomes.ok).toBeGreaterThan(0);
    expect(outcomes.failed).toBeGreaterThan(0);
  });
});
