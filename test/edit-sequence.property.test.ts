/**
 * Day-2 edits as a standing test: the example packages (fixtures/pipeline/multi-cluster: two
 * clusters, four workloads, shared and per-cluster pools) are rendered, then fast-check applies
 * random sequences of user edits - rename a workload (its Interfaces' `specializer.nephio.org/for`
 * and the Deployment), rename an Interface, move a workload to another namespace, remove an
 * Interface - rendering after each with the four functions chained in process and with netpipe-fn.
 * After every render:
 * - netpipe-fn gives the items the four steps give;
 * - every Interface a workload named still has exactly one entry in its workload's
 *   `k8s.v1.cni.cncf.io/networks`, under its current name, with its claims' current addresses;
 * - no address is held twice in one network instance;
 * - an Interface's address changes only with a result naming the old address;
 * - an Interface removed leaves no entry, and a result names its released address;
 * - a re-render changes no byte.
 * Failures shrink to the shortest edit sequence. `EDIT_RUNS=2000 npx jest test/edit-sequence`
 * for a long run; `EDIT_SEED` replays one.
 */
import fc from 'fast-check';
import { join } from 'node:path';
import { runOnText } from '../functions/lib/src/runner';
import { netpipeFn } from '../functions/netpipe-fn/src/transform';
import { isObject, scalarText } from '../functions/lib/src';
import { ResourceListReader } from '../functions/lib/src/resource-list';
import { dumpYaml } from '../functions/lib/src/yaml/scalar-schema';
import { FUNCTIONS } from './support/functions';
import { kptSource } from './support/kpt';

const RUNS = Number(process.env.EDIT_RUNS ?? 60);
const SEED = process.env.EDIT_SEED === undefined ? undefined : Number(process.env.EDIT_SEED);

type Doc = Record<string, any>;

const ANN_PATH = 'config.kubernetes.io/path';
const FOR = 'specializer.nephio.org/for';
const OWNER = 'specializer.nephio.org/owner';
const NETWORKS = 'k8s.v1.cni.cncf.io/networks';

function itemsOfText(text: string): Doc[] {
  const items = new ResourceListReader().read(text).items;
  return items.map((o) => JSON.parse(JSON.stringify(o, (_k, v: unknown) => (isObject(v) || Array.isArray(v) ? v : scalarText(v) ?? v))) as Doc);
}

function toResourceList(items: readonly Doc[]): string {
  const texts = items.map((item) => `${dumpYaml(item).replace(/\n$/, '').split('\n').map((l, j) => (j === 0 ? `- ${l}` : `  ${l}`)).join('\n')}\n`);
  return `apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n${texts.join('')}`;
}

const itemsPart = (text: string): string => {
  const at = text.indexOf('\nresults:\n');
  return at < 0 ? text : text.slice(0, at + 1);
};

interface Rendered {
  text: string;
  exitCode: number;
  messages: string[];
}

function fourSteps(input: string): Rendered {
  let current = input;
  const messages: string[] = [];
  for (const [name, transform] of Object.entries(FUNCTIONS)) {
    const out = runOnText(name, transform, current);
    messages.push(...out.results.map((r) => r.message));
    if (out.exitCode !== 0) return { text: input, exitCode: out.exitCode, messages };
    current = itemsPart(out.stdout);
  }
  return { text: current, exitCode: 0, messages };
}

const dirOf = (o: Doc): string => {
  const p: string = o.metadata?.annotations?.[ANN_PATH] ?? '';
  return p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '';
};
const isInterface = (o: Doc): boolean => o.kind === 'Interface' && o.apiVersion === 'req.nephio.org/v1alpha1';
const isDeployment = (o: Doc): boolean => o.kind === 'Deployment';

/** A model Interface: which workload (package directory) it belongs to, under which name now. */
interface ModelInterface {
  id: number;
  dir: string;
  name: string;
  namespace: string;
  removed: boolean;
}

type Edit =
  | { kind: 'renameWorkload'; pick: number }
  | { kind: 'renameInterface'; pick: number }
  | { kind: 'moveNamespace'; pick: number }
  | { kind: 'removeInterface'; pick: number };

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('renameWorkload' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('renameInterface' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('moveNamespace' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('removeInterface' as const), pick: fc.nat() }),
);

/** Applies one edit to the items and the model, as a user would edit the files. */
function applyEdit(items: Doc[], model: ModelInterface[], edit: Edit, step: number): Doc[] {
  const live = model.filter((m) => !m.removed);
  const dirs = [...new Set(live.map((m) => m.dir))].sort();
  if (dirs.length === 0) return items;
  const find = (m: ModelInterface): Doc | undefined => items.find((o) => isInterface(o) && dirOf(o) === m.dir && o.metadata.name === m.name && (o.metadata.namespace ?? '') === m.namespace);
  switch (edit.kind) {
    case 'renameWorkload': {
      const dir = dirs[edit.pick % dirs.length];
      for (const o of items) {
        if (dirOf(o) !== dir) continue;
        if (isInterface(o)) {
          for (const k of [FOR, OWNER]) if (o.metadata.annotations?.[k]) o.metadata.annotations[k] = `${o.metadata.annotations[k]}-r${step}`;
        }
        if (isDeployment(o)) o.metadata.name = `${o.metadata.name}-r${step}`;
      }
      return items;
    }
    case 'renameInterface': {
      const m = live[edit.pick % live.length];
      const o = find(m);
      if (!o) return items;
      const name = `i${step}${m.id}`.slice(0, 15);
      o.metadata.name = name;
      m.name = name;
      return items;
    }
    case 'moveNamespace': {
      const dir = dirs[edit.pick % dirs.length];
      const ns = `ns${step}`;
      for (const o of items) if (dirOf(o) === dir && (isInterface(o) || isDeployment(o))) o.metadata.namespace = ns;
      for (const m of live) if (m.dir === dir) m.namespace = ns;
      return items;
    }
    case 'removeInterface': {
      const m = live[edit.pick % live.length];
      const o = find(m);
      m.removed = true;
      return items.filter((x) => x !== o);
    }
  }
}

function entriesOf(deployment: Doc): Doc[] {
  const text: string | undefined = deployment.spec?.template?.metadata?.annotations?.[NETWORKS];
  if (text === undefined || !text.trim().startsWith('[')) return [];
  return JSON.parse(text) as Doc[];
}

/** Per model Interface: its claims' addresses now (IPv4 first, as the annotation lists them). */
function addressesOf(items: readonly Doc[], m: ModelInterface): string[] {
  return items
    .filter((o) => o.kind === 'IPClaim' && dirOf(o) === m.dir && o.metadata.annotations?.['netpipe.dev/interface'] === `${m.namespace}/${m.name}`)
    .sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)))
    .map((o) => o.status?.prefix as string)
    .filter(Boolean);
}

function checkRender(items: readonly Doc[], model: readonly ModelInterface[], before: Map<number, string[]>, messages: readonly string[], history: string): void {
  const all = messages.join('\n');
  for (const m of model) {
    const deployment = items.find((o) => isDeployment(o) && dirOf(o) === m.dir);
    const entries = deployment ? entriesOf(deployment) : [];
    const old = before.get(m.id) ?? [];
    if (m.removed) {
      expect({ history, entries: entries.filter((e) => e.interface === m.name && (e.ips ?? []).join() === old.join()) }).toEqual({ history, entries: [] });
      for (const a of old) expect({ history, released: all.includes(a) }).toEqual({ history, released: true });
      continue;
    }
    const now = addressesOf(items, m);
    const mine = entries.filter((e) => e.interface === m.name);
    expect({ history, itf: m.name, count: mine.length }).toEqual({ history, itf: m.name, count: 1 });
    expect({ history, itf: m.name, ips: mine[0].ips ?? [] }).toEqual({ history, itf: m.name, ips: now });
    if (old.join() !== now.join()) {
      for (const a of old) expect({ history, said: all.includes(a) }).toEqual({ history, said: true });
    }
  }
  const held = new Map<string, string>();
  for (const o of items) {
    if (o.kind !== 'IPClaim' || !o.status?.prefix) continue;
    const key = `${o.spec?.networkInstance?.name}|${String(o.status.prefix).split('/')[0]}`;
    expect({ history, key, twice: held.get(key) }).toEqual({ history, key, twice: undefined });
    held.set(key, `${o.metadata.namespace}/${o.metadata.name}`);
  }
}

const BASE = kptSource(join(__dirname, '..', 'fixtures', 'pipeline', 'multi-cluster'));

describe('edit sequences on the example packages', () => {
  it('every edit keeps attachments and addresses, or says what changed', () => {
    const first = fourSteps(BASE);
    expect(first.exitCode).toBe(0);
    const rendered0 = itemsOfText(first.text);
    fc.assert(
      fc.property(fc.array(editArb, { minLength: 1, maxLength: 6 }), (edits) => {
        let items = JSON.parse(JSON.stringify(rendered0)) as Doc[];
        let id = 0;
        const model: ModelInterface[] = items
          .filter((o) => isInterface(o) && o.spec?.networkInstance?.name !== 'default' && items.some((d) => isDeployment(d) && dirOf(d) === dirOf(o) && entriesOf(d).some((e) => e.interface === o.metadata.name)))
          .map((o) => ({ id: id++, dir: dirOf(o), name: o.metadata.name, namespace: o.metadata.namespace ?? '', removed: false }));
        const history: string[] = [];
        edits.forEach((edit, step) => {
          const before = new Map(model.filter((m) => !m.removed).map((m) => [m.id, addressesOf(items, m)]));
          items = applyEdit(items, model, edit, step);
          history.push(JSON.stringify(edit));
          const input = toResourceList(items);
          const four = fourSteps(input);
          const one = runOnText('netpipe-fn', netpipeFn, input);
          expect({ history, exit: four.exitCode }).toEqual({ history, exit: 0 });
          expect(itemsPart(one.stdout)).toBe(four.text);
          const out = itemsOfText(four.text);
          checkRender(out, model, before, four.messages, history.join(' '));
          // A second render of the output changes no byte.
          expect(fourSteps(four.text).text).toBe(four.text);
          items = out;
          for (const m of [...model]) if (m.removed) model.splice(model.indexOf(m), 1);
        });
      }),
      { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}) },
    );
  });
});
