// Where a function's time goes, by phase, from V8 CPU profiles of its bundle:
//
//   BENCH_SIZES=1000 BENCH_REPS=0 BENCH_KEEP=1 npm run bench:pipeline     # keeps the recorded inputs
//   node --cpu-prof --cpu-prof-dir=prof/ipam-fn functions/ipam-fn/dist/ipam-fn.js \
//     < <kept dir>/recorded-1000/ipam-fn.in.yaml > /dev/null                # as often as wanted
//   node scripts/profile-phases.mjs prof/ipam-fn/*.cpuprofile
//
// Each sample goes to the first phase found walking its stack from the leaf to the root, so
// parsing an item inside a transform counts as parsing, not as the transform.
import { readFileSync } from 'node:fs';

const PHASES = [
  ['garbage collection', /^\(garbage collector\)$/],
  ['parse the items used (block parser, js-yaml fallback)', /^(parseBlockYaml|loadYaml|parseEntry|parseItem)$/],
  ['print new items', /^(printBlockYaml|dumpYaml|dumpWithJsYaml)$/],
  ['patch changed items', /^patchItemText$/],
  ['tell changed items (second parse, compare)', /^(jsonEqual|unchanged|isUnchanged|before)$/],
  ['validate (ajv)', /^validateResource$/],
  ['read stdin', /^readStdin$/],
  ['write stdout', /^emit$/],
  ['split the ResourceList, item headers', /^(readInput|read)$/],
  ['assemble the output', /^(finish|writeResourceList)$/],
  ['the transform itself', /Fn$|^(ipamWithLedger|runStepsWithEdges|runSteps)$/],
];
const STARTUP = 'node start-up, loading the bundle';

const files = process.argv.slice(2);
if (files.length === 0) {
  process.stderr.write('usage: node scripts/profile-phases.mjs <file.cpuprofile>...\n');
  process.exit(2);
}
const totals = new Map();
let total = 0;
for (const f of files) {
  const p = JSON.parse(readFileSync(f, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const memo = new Map();
  const phaseOf = (id) => {
    if (memo.has(id)) return memo.get(id);
    let found = STARTUP;
    outer: for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const name = byId.get(cur).callFrame.functionName;
      for (const [phase, re] of PHASES) {
        if (re.test(name)) {
          found = phase;
          break outer;
        }
      }
    }
    memo.set(id, found);
    return found;
  };
  for (let i = 0; i < p.samples.length; i++) {
    const phase = phaseOf(p.samples[i]);
    totals.set(phase, (totals.get(phase) ?? 0) + p.timeDeltas[i]);
    total += p.timeDeltas[i];
  }
}
for (const [phase, t] of [...totals].sort((a, b) => b[1] - a[1])) {
  process.stdout.write(`${(100 * t / total).toFixed(1).padStart(5)}%  ${phase}\n`);
}
