// `node scripts/check-cycles.mjs`: fails (exit 1) when the TypeScript sources of functions/*/src
// and cli/src import each other in a cycle, printing each cycle. A cycle makes the order in
// which modules initialise matter and ties two modules into one; type-only imports count too,
// since they tie the modules' meanings together just the same.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir) {
  const out = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const roots = [
  ...readdirSync(join(ROOT, 'functions')).map((f) => join(ROOT, 'functions', f, 'src')),
  join(ROOT, 'cli', 'src'),
].filter((d) => existsSync(d));
const files = roots.flatMap(sources);
const known = new Set(files);

/** The relative imports and re-exports of a file, resolved to files. */
function importsOf(file) {
  const text = readFileSync(file, 'utf8');
  const out = new Set();
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s*['"](\.[^'"]+)['"]/g)) {
    const base = resolve(dirname(file), m[1]);
    const target = [`${base}.ts`, join(base, 'index.ts')].find((c) => known.has(c));
    if (target) out.add(target);
  }
  return [...out].sort();
}

const graph = new Map(files.map((f) => [f, importsOf(f)]));

// Tarjan's strongly connected components: every component of more than one file is a cycle.
let counter = 0;
const index = new Map();
const low = new Map();
const stack = [];
const onStack = new Set();
const cycles = [];
function visit(v) {
  index.set(v, counter);
  low.set(v, counter);
  counter++;
  stack.push(v);
  onStack.add(v);
  for (const w of graph.get(v)) {
    if (!index.has(w)) {
      visit(w);
      low.set(v, Math.min(low.get(v), low.get(w)));
    } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
  }
  if (low.get(v) === index.get(v)) {
    const component = [];
    let w;
    do {
      w = stack.pop();
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || graph.get(v).includes(v)) cycles.push(component.map((f) => relative(ROOT, f)).sort());
  }
}
for (const f of files) if (!index.has(f)) visit(f);

if (cycles.length > 0) {
  for (const c of cycles) process.stderr.write(`import cycle among ${c.length} modules: ${c.join(', ')}\n`);
  process.stderr.write('break each cycle: move what both sides need into a module of its own\n');
  process.exit(1);
}
process.stdout.write(`no import cycle among ${files.length} modules\n`);
