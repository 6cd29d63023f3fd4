/**
 * The three ways the edit-sequence test renders a tree: netpipe-fn over the whole tree, the four
 * functions chained (checked against netpipe-fn on the same input), and each package on its own
 * against a shared etcd ledger, as Porch renders them.
 */
import { runOnText, runOnTextAsync } from '../../functions/lib/src/runner';
import { netpipeFn, runStepsWithEdges } from '../../functions/netpipe-fn/src/transform';
import { FUNCTIONS } from '../support/functions';
import { startReady } from '../ledger/etcd';
import { initialise, LedgerKeys } from '../../functions/lib/src/ledger';
import { Doc, INTERNAL_PATH, isNetworkInstance, itemsOfText, Mode, PATH, pathOf, toResourceList, topOf } from './model';

export interface Rendered {
  /** The tree after the render; on an error, the tree kpt leaves (nothing written). */
  items: Doc[];
  ok: boolean;
  /** Each result as JSON (message, severity, resource, file, field), for naming checks. */
  results: string[];
  /** Violations of "an error writes nothing" and "netpipe-fn equals the four steps". */
  problems: string[];
}

export interface Ledger {
  readonly endpoints: string;
  readonly prefix: string;
}

const itemsPart = (text: string): string => {
  const ends = ['\nfunctionConfig:\n', '\nresults:\n'].map((m) => text.indexOf(m)).filter((i) => i >= 0);
  const at = ends.length === 0 ? -1 : Math.min(...ends);
  return at < 0 ? text : text.slice(0, at + 1);
};

interface Run {
  stdout: string;
  exitCode: number;
  results: string[];
}

/** The four functions chained; a failing step must hand back its own input (kpt then writes nothing). */
function fourSteps(input: string): Run & { problems: string[] } {
  let current = input;
  const results: string[] = [];
  for (const [name, transform] of Object.entries(FUNCTIONS)) {
    const out = runOnText(name, transform, current);
    results.push(...out.results.map((r) => JSON.stringify(r)));
    if (out.exitCode !== 0) return { stdout: input, exitCode: out.exitCode, results, problems: unchangedOnError(name, current, out) };
    current = itemsPart(out.stdout);
  }
  return { stdout: current, exitCode: 0, results, problems: [] };
}

function netpipe(input: string): Run {
  const out = runOnText('netpipe-fn', netpipeFn, input);
  return { stdout: out.stdout, exitCode: out.exitCode, results: out.results.map((r) => JSON.stringify(r)) };
}

/** A failed run must hand back the input items byte for byte (kpt and Porch then write nothing). */
function unchangedOnError(what: string, input: string, run: Pick<Run, 'stdout' | 'exitCode'>): string[] {
  return run.exitCode !== 0 && itemsPart(run.stdout) !== itemsPart(input) ? [`${what}: a failed render changed its items`] : [];
}

function renderTree(items: readonly Doc[], four: boolean): Rendered {
  const input = toResourceList(items);
  const one = netpipe(input);
  const problems = unchangedOnError('netpipe-fn', input, one);
  let run = one;
  if (four) {
    const four = fourSteps(input);
    problems.push(...four.problems);
    run = four;
    if ((run.exitCode === 0) !== (one.exitCode === 0)) problems.push(`four steps exit ${run.exitCode}, netpipe-fn exit ${one.exitCode}`);
    else if (run.exitCode === 0 && itemsPart(run.stdout) !== itemsPart(one.stdout)) problems.push('netpipe-fn output differs from the four steps');
  }
  return { items: run.exitCode === 0 ? itemsOfText(run.stdout) : [...items], ok: run.exitCode === 0, results: run.results, problems };
}

const withPath = (o: Doc, path: string): Doc => ({ ...o, metadata: { ...o.metadata, annotations: { ...o.metadata.annotations, [PATH]: path, [INTERNAL_PATH]: path } } });

/** The packages Porch would render one by one: each first directory; pools' packages first. */
function packagesOf(items: readonly Doc[]): string[] {
  const tops = [...new Set(items.map((o) => pathOf(o)).filter((p) => p.includes('/')).map(topOf))].sort();
  const pools = new Set(items.filter(isNetworkInstance).map((o) => topOf(pathOf(o))));
  return [...tops.filter((t) => pools.has(t)), ...tops.filter((t) => !pools.has(t))];
}

/**
 * Each package rendered on its own by netpipe-fn with the ledger in its functionConfig, as its
 * Kptfile would run it under Porch. A package whose render fails stays as it was; the others keep
 * their new output (Porch renders packages independently).
 */
async function renderPackages(items: readonly Doc[], ledger: Ledger): Promise<Rendered> {
  const config: Doc = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'netpipe' }, data: { ledgerEndpoints: ledger.endpoints, ledgerPrefix: ledger.prefix } };
  const out: Doc[] = items.filter((o) => !pathOf(o).includes('/'));
  const results: string[] = [];
  const problems: string[] = [];
  let ok = true;
  for (const pkg of packagesOf(items)) {
    const mine = items.filter((o) => pathOf(o).startsWith(`${pkg}/`));
    const input = toResourceList(mine.map((o) => withPath(o, pathOf(o).slice(pkg.length + 1))), config);
    const run = await runOnTextAsync('netpipe-fn', runStepsWithEdges, input);
    results.push(...run.results.map((r) => JSON.stringify({ package: pkg, ...r })));
    if (run.exitCode !== 0) {
      ok = false;
      problems.push(...unchangedOnError(`netpipe-fn on package ${pkg}`, input, run));
      out.push(...mine);
      continue;
    }
    out.push(...itemsOfText(run.stdout).map((o) => withPath(o, `${pkg}/${pathOf(o)}`)));
  }
  return { items: out, ok, results, problems };
}

export async function render(mode: Mode, items: readonly Doc[], ledger: Ledger | undefined): Promise<Rendered> {
  if (mode !== 'ledger') return renderTree(items, mode === 'four');
  if (!ledger) throw new Error('ledger mode needs a ledger');
  return renderPackages(items, ledger);
}

export interface LedgerServer {
  /** A ledger no render has used yet: a fresh prefix on the one etcd. */
  fresh(): Promise<Ledger>;
  stop(): Promise<void>;
}

/**
 * The one place the edit-sequence tests start the shared ledger: a real etcd on a free loopback
 * port (test/ledger/etcd.ts), one prefix per sequence so sequences never see each other's
 * holdings. Anything a fresh ledger needs before its first render goes into `fresh`.
 */
export async function startLedgerServer(): Promise<LedgerServer> {
  const { etcd, client } = await startReady();
  let n = 0;
  return {
    fresh: async () => {
      const prefix = `/edit-seq/${process.pid}/${n++}`;
      // A ledger is initialised once before its first render (`netpipe ledger init`).
      await initialise(client, new LedgerKeys(prefix), 'init');
      return { endpoints: etcd.endpoints.join(','), prefix };
    },
    stop: async () => {
      client.close();
      await etcd.stop();
    },
  };
}
