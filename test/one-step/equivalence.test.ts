/**
 * netpipe-fn (one step) against the four functions (four steps), both through the real
 * `kpt fn render --allow-exec`: every file of the rendered trees must be byte-identical, on the
 * pipeline golden cases, the example packages (from scratch, re-rendered, after an edit) and a
 * benchmark tree. A failing step must leave every file untouched and say which step failed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { materialize } from '../support/kpt';
import { checkPrerequisites, ROOT, treeDifferences, Workspace } from '../e2e-kpt/support';

const FOUR = ['interface-fn', 'ipam-fn', 'nad-fn', 'deployment-annotate-fn'];
const bundle = (fn: string): string => join(ROOT, 'functions', fn, 'dist', `${fn}.js`);

interface Mutator {
  exec: string;
  configMap?: Record<string, string>;
}

/** The repository's four-step pipeline (with its configMaps), exec paths made absolute. */
function fourSteps(): Mutator[] {
  const kptfile = load(readFileSync(join(ROOT, 'Kptfile'), 'utf8')) as { pipeline: { mutators: Mutator[] } };
  return kptfile.pipeline.mutators.map((m) => {
    const fn = FOUR.find((f) => m.exec.endsWith(`/${f}.js`));
    if (!fn) throw new Error(`unexpected pipeline entry ${m.exec} in the root Kptfile`);
    return { ...m, exec: bundle(fn) };
  });
}

/** The same as one netpipe-fn step: the configMaps of the four merged. */
function oneStep(): Mutator[] {
  const configMap = Object.assign({}, ...fourSteps().map((m) => m.configMap ?? {})) as Record<string, string>;
  return [{ exec: bundle('netpipe-fn'), ...(Object.keys(configMap).length ? { configMap } : {}) }];
}

/** Replaces the root Kptfile's pipeline (if any) by `mutators`, keeping everything else. */
function withPipeline(kptfileText: string, mutators: Mutator[]): string {
  const body = kptfileText.replace(/^pipeline:\n(?:[ #-].*\n|\n)*/m, '');
  const lines = ['pipeline:', '  mutators:'];
  for (const m of mutators) {
    lines.push(`  - exec: ${m.exec}`);
    if (m.configMap) {
      lines.push('    configMap:');
      for (const [k, v] of Object.entries(m.configMap)) lines.push(`      ${k}: ${JSON.stringify(v)}`);
    }
  }
  return `${body.endsWith('\n') ? body : `${body}\n`}${lines.join('\n')}\n`;
}

const withoutPipeline = (kptfileText: string): string => kptfileText.replace(/^pipeline:\n(?:[ #-].*\n|\n)*/m, '');

const scratch: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'netpipe-one-step-'));
  scratch.push(d);
  return d;
}

interface Rendered {
  dir: string;
  status: number | null;
  output: string;
}

/** `kpt fn render` of a copy of `tree` with `mutators` as its pipeline, as its own process. */
function render(tree: string, mutators: Mutator[], into: string): Promise<Rendered> {
  cpSync(tree, into, { recursive: true });
  writeFileSync(join(into, 'Kptfile'), withPipeline(readFileSync(join(tree, 'Kptfile'), 'utf8'), mutators));
  return new Promise((resolve, reject) => {
    const p = spawn('kpt', ['fn', 'render', '--allow-exec', '.'], { cwd: into, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    p.stdout.on('data', (c: Buffer) => out.push(c));
    p.stderr.on('data', (c: Buffer) => err.push(c));
    p.on('error', reject);
    p.on('close', (status) => resolve({ dir: into, status, output: `${Buffer.concat(out).toString()}${Buffer.concat(err).toString()}` }));
  });
}

/**
 * Renders `tree` both ways, the two kpt processes side by side (two copies, nothing shared);
 * returns both, after checking every file is the same.
 */
async function renderBoth(tree: string): Promise<{ four: Rendered; one: Rendered }> {
  const work = tempDir();
  const [four, one] = await Promise.all([render(tree, fourSteps(), join(work, 'four')), render(tree, oneStep(), join(work, 'one'))]);
  expect({ one: one.status === 0, four: four.status === 0 }).toEqual({ one: four.status === 0, four: four.status === 0 });
  const differing = treeDifferences(four.dir, one.dir).filter(
    (d) => !(d.file === 'Kptfile' && d.left !== undefined && d.right !== undefined && withoutPipeline(d.left) === withoutPipeline(d.right)),
  );
  expect(differing.map((d) => d.file)).toEqual([]);
  return { four, one };
}

/** Files of `after` whose bytes differ from `before` (the render changed them). */
function changedFiles(before: string, after: string): string[] {
  return treeDifferences(before, after).map((d) => d.file).filter((f) => f !== 'Kptfile');
}

/** The render root `npm run render` uses, with everything the pipeline generated deleted. */
function exampleTree(rendered: boolean): string {
  const ws = new Workspace();
  if (!rendered) ws.resetToUnrendered();
  const tree = join(tempDir(), 'tree');
  cpSync(ws.path('Kptfile'), join(tree, 'Kptfile'));
  cpSync(ws.path('.krmignore'), join(tree, '.krmignore'));
  cpSync(ws.path('packages'), join(tree, 'packages'), { recursive: true });
  rmSync(ws.dir, { recursive: true, force: true });
  return tree;
}

beforeAll(() => {
  checkPrerequisites();
  for (const fn of [...FOUR, 'netpipe-fn']) {
    if (!existsSync(bundle(fn))) throw new Error(`functions/${fn}/dist/${fn}.js is missing: run \`npm run build\``);
  }
});
afterAll(() => {
  for (const d of scratch) rmSync(d, { recursive: true, force: true });
});

describe('netpipe-fn renders byte-identically to the four-step pipeline', () => {
  const pipelineCases = readdirSync(join(ROOT, 'fixtures', 'pipeline')).filter((c) =>
    existsSync(join(ROOT, 'fixtures', 'pipeline', c, 'input')),
  );

  it.each(pipelineCases)('pipeline golden case %s', async (c) => {
    const tree = materialize(join(ROOT, 'fixtures', 'pipeline', c, 'input'));
    scratch.push(join(tree, '..'));
    const { four } = await renderBoth(tree);
    expect(four.status).toBe(0);
    expect(changedFiles(tree, four.dir).length).toBeGreaterThan(0);
  });

  it('the example packages from scratch, then re-rendered, then after removing and adding Interfaces', async () => {
    const first = await renderBoth(exampleTree(false));
    expect(first.four.status).toBe(0);
    // Re-render of what the first render wrote: a no-op both ways.
    const again = await renderBoth(first.four.dir);
    expect(changedFiles(first.four.dir, again.one.dir)).toEqual([]);
    // An edit: the gNB loses n3 and gains n9 on vpc-n2 - a release and a fresh allocation.
    const edited = join(tempDir(), 'edited');
    cpSync(first.four.dir, edited, { recursive: true });
    const itfFile = join(edited, 'packages', 'ran01', 'gnb', 'interfaces.yaml');
    const itfs = readFileSync(itfFile, 'utf8');
    const n3 = itfs.split(/^---\n/m).find((d) => /^ {2}name: n3$/m.test(d));
    if (!n3) throw new Error('the example gNB has no n3 Interface any more: adjust this test');
    writeFileSync(itfFile, itfs.replace(n3, n3.replace(/^ {2}name: n3$/m, '  name: n9')));
    const afterEdit = await renderBoth(edited);
    expect(afterEdit.four.status).toBe(0);
    expect(changedFiles(edited, afterEdit.one.dir).length).toBeGreaterThan(0);
  });

  it('a benchmark tree (100 Interfaces in 4 clusters)', async () => {
    const tree = join(tempDir(), 'bench');
    execFileSync(process.execPath, [join(ROOT, 'scripts', 'bench-tree.mjs'), tree, '100']);
    const { four } = await renderBoth(tree);
    expect(four.status).toBe(0);
    expect(changedFiles(tree, four.dir).filter((f) => /\/ipclaim-[^/]*\.yaml$/.test(f))).toHaveLength(125);
  });
});

describe('netpipe-fn when a step fails', () => {
  it('a nad-fn error (cluster without masterInterface): both fail, nothing is written, the result names the step', async () => {
    const tree = exampleTree(false);
    const wc = join(tree, 'packages', 'core01', 'workload-cluster.yaml');
    const text = readFileSync(wc, 'utf8');
    if (!/^ {2}masterInterface: .*\n/m.test(text)) throw new Error('core01 has no masterInterface: adjust this test');
    writeFileSync(wc, text.replace(/^ {2}masterInterface: .*\n/m, ''));
    const { four, one } = await renderBoth(tree);
    expect(four.status).not.toBe(0);
    expect(one.status).not.toBe(0);
    expect(changedFiles(tree, one.dir)).toEqual([]);
    expect(one.output).toMatch(/nad-fn: WorkloadCluster core01 has no spec\.masterInterface/);
  });

  it('an unknown functionConfig key fails before any step runs', async () => {
    const tree = exampleTree(false);
    const r = await render(tree, [{ exec: bundle('netpipe-fn'), configMap: { defaultRouteNetwork: 'vpc-n6' } }], join(tempDir(), 'one'));
    expect(r.status).not.toBe(0);
    expect(changedFiles(tree, r.dir)).toEqual([]);
    expect(r.output).toMatch(/unknown key defaultRouteNetwork in netpipe-fn's functionConfig \(its keys are .*defaultRouteNetworks\): did you mean defaultRouteNetworks\?/);
  });
});
